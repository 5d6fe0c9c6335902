/**
 * The server's security model against the real server on 127.0.0.1: every route but health and
 * the login needs a session or an API token (401); a session's state changes need its CSRF token
 * and a same-origin request (403); failed logins are rate-limited (429); the EventBridge intake
 * refuses a wrong secret (401) and stores nothing, and with the right one stores the pushed
 * events once and opens the canary's incident.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src/app.js';
import type { Workspace } from '../src/app.js';
import { createApiToken, setUser } from '../src/server/auth.js';
import type { RunningServer } from '../src/server/index.js';
import { startServer } from '../src/server/index.js';
import { API_ROUTES } from '../src/server/routes/api.js';
import { CSP } from '../src/server/security.js';
import { ctRecord, iamUser, testKey } from './helpers/cloudtrail.js';
import { addToken, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

const SECRET = 'intake-secret-0123456789abcdef';
const CANARY = testKey('AKIA', 777);
let ws: Workspace;
let server: RunningServer;
let base = '';
let apiToken = '';

beforeAll(async () => {
  const home = tempDir('ks-server-');
  expect((await runCli(['--home', home, 'init'])).code).toBe(0);
  expect(
    (await addToken(home, CANARY, 'svc-reports-prod', 'host=web-3,path=/srv/.env,owner=web-team'))
      .code,
  ).toBe(0);
  const yaml = readFileSync(join(home, 'keysnare.yaml'), 'utf8');
  writeFileSync(
    join(home, 'keysnare.yaml'),
    yaml.replace('  # intakeSecret:', `  intakeSecret: ${SECRET}\n  # was:`),
  );
  ws = openWorkspace(home);
  await setUser(ws.store, 'alice', 'correct horse battery', new Date());
  apiToken = (await createApiToken(ws.store, 'ci', new Date())).token;
  server = await startServer({
    ws,
    port: 0,
    host: '127.0.0.1',
    background: false,
    log: () => undefined,
  });
  base = server.url;
});

afterAll(async () => {
  await server?.close();
  await ws?.close();
  removeTempDirs();
});

async function login(user = 'alice', password = 'correct horse battery') {
  const r = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user, password }).toString(),
  });
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { status: r.status, cookie, headers: r.headers };
}

/** The CSRF token of a session, from the overview page's sign-out form. */
async function csrfOf(cookie: string): Promise<string> {
  const page = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
}

function pushBody(records: Record<string, unknown>[]) {
  return JSON.stringify(
    records.map((detail, i) => ({
      version: '0',
      id: `evb-${i}`,
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.sts',
      account: '111122223333',
      time: detail['eventTime'],
      region: 'us-east-1',
      detail,
    })),
  );
}

describe('the server', () => {
  it('answers health without auth, with the security headers', async () => {
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses every other route without a session or token (401)', async () => {
    const routes = [
      ...API_ROUTES.map((r) => [r.method, r.url.replace(':id', 'inc-x')] as const),
      ...['/', '/incidents', '/tokens', '/rules', '/alerts', '/sources', '/check-key'].map(
        (p) => ['GET', p] as const,
      ),
      ['POST', '/logout'] as const,
    ];
    for (const [method, path] of routes) {
      const r = await fetch(`${base}${path}`, { method, redirect: 'manual' });
      expect([path, r.status]).toEqual([path, 401]);
    }
    const bad = await fetch(`${base}/api/v1/status`, {
      headers: { authorization: 'Bearer ks_wrong' },
    });
    expect(bad.status).toBe(401);
  });

  it('lets an API token read and act without CSRF', async () => {
    const r = await fetch(`${base}/api/v1/status`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ alerts: { pending: 0 } });
  });

  it('signs in, and refuses a session state change without its CSRF token or from another origin', async () => {
    expect((await login('alice', 'wrong')).status).toBe(401);
    const { status, cookie, headers } = await login();
    expect(status).toBe(303);
    expect(headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const csrf = await csrfOf(cookie);
    expect(csrf.length).toBeGreaterThan(20);
    const post = (h: Record<string, string>) =>
      fetch(`${base}/api/v1/alerts/alt-none/retry`, { method: 'POST', headers: { cookie, ...h } });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-csrf-token': 'x'.repeat(csrf.length) })).status).toBe(403);
    expect((await post({ 'x-csrf-token': csrf, origin: 'https://evil.example' })).status).toBe(403);
    // With the token the request gets through the guard (and the alert does not exist).
    expect((await post({ 'x-csrf-token': csrf })).status).toBe(404);
  });

  it('rate-limits failed sign-ins: past ten, even the right password gets 429', async () => {
    for (let i = 0; i < 10; i++) await login('mallory', `guess-${i}`);
    const r = await login('mallory', 'anything');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts concurrent guesses too: of 30 at once, at most ten reach the password check', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login('trudy', `burst-${i}`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
  });

  it('ignores a malformed session cookie (401, not an error)', async () => {
    const r = await fetch(`${base}/api/v1/status`, { headers: { cookie: 'ks_session=%' } });
    expect(r.status).toBe(401);
  });

  it('answers a malformed push with one clear 400 and stores nothing', async () => {
    const before = await ws.store.countEvents();
    const send = (body: string) =>
      fetch(`${base}/api/v1/intake/eventbridge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-keysnare-secret': SECRET },
        body,
      });
    const broken = await send('{"detail": {"eventName": "X"');
    expect(broken.status).toBe(400);
    const wrongShape = await send(JSON.stringify([{ detail: 'not a record' }, { nothing: 1 }]));
    expect(wrongShape.status).toBe(400);
    expect(((await wrongShape.json()) as { message: string }).message).toMatch(
      /no "AWS API Call via CloudTrail" event/,
    );
    expect(await ws.store.countEvents()).toBe(before);
    // The server goes on.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('refuses a push with a wrong secret and stores nothing; stores the right one once', async () => {
    const before = await ws.store.countEvents();
    const record = ctRecord({
      identity: iamUser('svc-reports-prod', CANARY, 'AIDAQREPORTS0000001'),
      ip: '185.220.101.9',
      time: '2026-11-30T10:00:00Z',
    });
    const send = (secret?: string) =>
      fetch(`${base}/api/v1/intake/eventbridge`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret ? { 'x-keysnare-secret': secret } : {}),
        },
        body: pushBody([record]),
      });
    expect((await send()).status).toBe(401);
    expect((await send(`${SECRET}x`)).status).toBe(401);
    expect(await ws.store.countEvents()).toBe(before);
    const ok = await send(SECRET);
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ accepted: 1, skipped: 0 });
    expect(await ws.store.countEvents()).toBe(before + 1);
    expect((await send(SECRET)).status).toBe(202);
    expect(await ws.store.countEvents()).toBe(before + 1);
    const incidents = await ws.store.listIncidents();
    expect(incidents.map((i) => [i.kind, i.rules])).toEqual([['canary', ['honeytoken.used']]]);
    const api = await fetch(`${base}/api/v1/incidents/${incidents[0]!.id}`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(await api.json()).toMatchObject({
      incident: { id: incidents[0]!.id },
      custody: [{ action: 'registered' }],
    });
  });
});
