/**
 * The real server over a real workspace for dashboard tests: a workspace seeded with the demo
 * (its canaries and replayed attack), a dashboard user, `startServer` on 127.0.0.1 with no
 * background loop, a signed-in fetch session, and ingest of composed CloudTrail records.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace } from '../../src/app.js';
import type { Workspace } from '../../src/app.js';
import { seedDemo } from '../../src/cli/commands/demo.js';
import { DEMO_ACCOUNT, DEMO_CANARIES } from '../../src/demo/attack.js';
import type { CommandContext } from '../../src/cli/context.js';
import type { IngestSummary } from '../../src/server/context.js';
import { setUser } from '../../src/server/auth.js';
import type { RunningServer } from '../../src/server/index.js';
import { startServer } from '../../src/server/index.js';
import type { FakeAws } from '../fake-aws/index.js';
import { runCli } from './cli.js';
import { ctRecord, iamUser, testKey, writeDelivery } from './cloudtrail.js';
import { tempDir } from './temp.js';

export const USER = 'alice';
export const PASSWORD = 'correct horse battery staple';

/** A running dashboard over a demo workspace. */
export interface Dashboard {
  readonly home: string;
  readonly ws: Workspace;
  readonly server: RunningServer;
  readonly base: string;
  /** What the server logged. */
  readonly log: string[];
  close(): Promise<void>;
}

/** Start the server over a new demo workspace; `yaml` may rewrite keysnare.yaml first. */
export async function startDashboard(
  o: { readonly yaml?: (text: string) => string } = {},
): Promise<Dashboard> {
  const home = join(tempDir('ks-dash-'), 'ws');
  const init = await runCli(['--home', home, 'init']);
  if (init.code !== 0) throw new Error(`keysnare init failed: ${init.err}`);
  const file = join(home, 'keysnare.yaml');
  if (o.yaml) writeFileSync(file, o.yaml(readFileSync(file, 'utf8')));
  const ws = openWorkspace(home);
  const ctx: CommandContext = {
    home,
    io: { out: () => undefined, err: () => undefined, isTty: false },
    now: () => new Date(),
    actor: 'demo-seeder',
    debug: false,
    env: {},
    cwd: home,
  };
  await seedDemo(ctx, ws);
  await setUser(ws.store, USER, PASSWORD, new Date());
  const log: string[] = [];
  const server = await startServer({
    ws,
    port: 0,
    host: '127.0.0.1',
    background: false,
    log: (l) => log.push(l),
  });
  return {
    home,
    ws,
    server,
    base: server.url,
    log,
    close: async () => {
      await server.close();
      await ws.close();
    },
  };
}

/** keysnare.yaml with a JSON-lines sink `file` (so the demo's incidents queue alerts). */
export function withFileSink(yaml: string): string {
  return yaml.replace('  sinks: {}', '  sinks:\n    file: { type: jsonl, path: alerts.jsonl }');
}

/** A page as fetched. */
export interface Fetched {
  readonly status: number;
  readonly text: string;
  readonly location: string | null;
  readonly headers: Headers;
}

/** A signed-in dashboard session (its cookie and CSRF token). */
export interface SignedIn {
  readonly cookie: string;
  readonly csrf: string;
  get(path: string): Promise<Fetched>;
  /** POST a form; the session's CSRF token is added unless `csrf` is false. */
  post(path: string, fields?: Record<string, string>, csrf?: boolean): Promise<Fetched>;
}

async function fetched(r: Response): Promise<Fetched> {
  return {
    status: r.status,
    text: await r.text(),
    location: r.headers.get('location'),
    headers: r.headers,
  };
}

/** Sign in with the login form and keep the cookie. */
export async function signIn(base: string, user = USER, password = PASSWORD): Promise<SignedIn> {
  const r = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user, password }).toString(),
  });
  if (r.status !== 303) throw new Error(`sign-in answered ${r.status}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const get = async (path: string) =>
    fetched(await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' }));
  const overview = await get('/');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(overview.text)?.[1] ?? '';
  return {
    cookie,
    csrf,
    get,
    post: async (path, fields = {}, withCsrf = true) =>
      fetched(
        await fetch(`${base}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...fields, ...(withCsrf ? { _csrf: csrf } : {}) }).toString(),
        }),
      ),
  };
}

/** Write `records` as a CloudTrail delivery file and ingest it through the server's queue. */
export async function ingestRecords(
  d: Dashboard,
  records: readonly Record<string, unknown>[],
  stamp = '20261120T1200',
): Promise<IngestSummary> {
  const file = writeDelivery(join(d.home, 'extra-logs', stamp), stamp, records);
  return d.server.ctx.ingest([file]);
}

/** A user agent that would run script if it reached a page as markup. */
export const HOSTILE_UA = '<img src=x onerror=alert(1)><script>alert(2)</script>';
/** The same as `html` escapes it. */
export const HOSTILE_UA_ESCAPED =
  '&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;';
/** An IAM user name and error message with markup in them. */
export const HOSTILE_NAME = '<svg/onload=alert(3)>';

/**
 * Calls with the demo's third canary (the `.env` on ledger-db-1) and by another principal from
 * the same address, carrying markup in the user agent, the user name and the error message.
 */
export function hostileRecords(): Record<string, unknown>[] {
  const c = DEMO_CANARIES[2]!;
  const canary = {
    type: 'IAMUser',
    principalId: c.principalId,
    arn: c.userArn,
    accountId: DEMO_ACCOUNT,
    accessKeyId: c.accessKeyId,
    userName: c.userName,
  };
  const other = iamUser(HOSTILE_NAME, testKey('AKIA', 4242), 'AIDAHOSTILEPRINCIPAL1');
  const base = { ip: '203.0.113.66', ua: HOSTILE_UA };
  return [
    ctRecord({ ...base, time: '2026-11-20T11:02:00Z', identity: canary }),
    ctRecord({
      ...base,
      time: '2026-11-20T11:03:00Z',
      identity: canary,
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      errorCode: 'AccessDenied',
      errorMessage: `denied ${HOSTILE_NAME}`,
    }),
    ctRecord({ ...base, time: '2026-11-20T11:04:00Z', identity: other }),
  ];
}

/**
 * Point the AWS SDK at the wire-level fake the way a user points it at any AWS-compatible
 * endpoint (standard SDK environment; this test file runs in its own process). Returns the undo.
 */
export function useFakeAws(fake: FakeAws): () => void {
  const keys = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'];
  const saved = keys.map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: fake.endpoint,
    AWS_ACCESS_KEY_ID: fake.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fake.admin.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
