/**
 * Incidents and alerts end to end through the CLI, against real local receivers: ingest groups
 * findings into incidents and delivers one alert per incident to every sink; a second ingest of
 * the same files repeats none; state changes go out as follow-ups; a process killed mid-delivery
 * delivers once more after restart with the same idempotency key; hostile CloudTrail strings
 * arrive inert.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/alert/sinks/webhook.js';
import type { Alert, Incident } from '../src/core/index.js';
import { HOSTILE } from './helpers/alert-message.js';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { addToken, jsonl, runCli } from './helpers/cli.js';
import type { Receiver } from './helpers/receiver.js';
import { startReceiver } from './helpers/receiver.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

const SECRET = 'whsec_' + Buffer.from('alerting-cli-test-secret-000').toString('base64');
const CANARY = testKey('AKIA', 901);
const REAL = testKey('AKIA', 902);
const ATTACKER_IP = '185.220.101.47';
/** Raw control and line-separator characters (none may reach a JSON line). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u2028\u2029]/;
/** ESC, bidi overrides and CR (none may reach the terminal). */
// eslint-disable-next-line no-control-regex
const LIVE = /[\u001b\u202e\u2066\r]/;
const KALI = 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64 botocore/1.33.0';

const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});
afterAll(removeTempDirs);

/** A workspace with a canary, a webhook and a JSON-lines sink (and `extra` in `alerts:`). */
async function workspace(hookUrl: string, extra = '') {
  const home = tempDir('ks-alerting-');
  expect((await runCli(['--home', home, 'init'])).code).toBe(0);
  expect(
    (
      await addToken(
        home,
        CANARY,
        'svc-backup-prod',
        'host=build-7,path=~/.aws/credentials,owner=platform-team',
      )
    ).code,
  ).toBe(0);
  writeFileSync(
    join(home, 'keysnare.yaml'),
    `version: 1
alerts:
  dashboardUrl: https://keysnare.example
  sinks:
    hook:
      type: webhook
      url: ${hookUrl}
      secret: ${SECRET}
      allowPrivateTargets: true
      timeoutMs: 3000
    file:
      type: jsonl
      path: alerts.jsonl
${extra}`,
  );
  return home;
}

/** The attack: the canary tried from a Tor exit, a real key used from the same address on Kali. */
function attackFiles(dir: string, ua = KALI): string {
  writeDelivery(dir, '20261130T1005', [
    ctRecord({
      identity: iamUser('svc-backup-prod', CANARY, 'AIDAQCANARY00000001'),
      ip: ATTACKER_IP,
      ua,
      time: '2026-11-30T10:01:00Z',
    }),
    ctRecord({
      identity: iamUser('deploy', REAL, 'AIDAQDEPLOY00000001'),
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      ip: ATTACKER_IP,
      ua,
      time: '2026-11-30T10:03:00Z',
    }),
  ]);
  return dir;
}

function webhookAlerts(rec: Receiver): Alert['message'][] {
  return rec.received.map((r) => (r.json() as { alert: Alert['message'] }).alert);
}

describe('incidents and alerting through the CLI', () => {
  it('ingest opens linked incidents and alerts each sink once; a second ingest repeats nothing', async () => {
    const rec = await startReceiver();
    receivers.push(rec);
    const home = await workspace(`${rec.url}/hook`);
    const files = attackFiles(tempDir('ks-alerting-in-'));
    const first = await runCli(['--home', home, 'ingest', files]);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain('2 incident(s) opened or changed; 4 alert(s) queued');
    const alerts = webhookAlerts(rec);
    expect(alerts.map((a) => a.kind)).toEqual(['opened', 'opened']);
    for (const r of rec.received)
      expect(verifyWebhook(SECRET, r.headers, r.body, Date.now() / 1000).ok).toBe(true);
    const canary = alerts.find((a) => a.rules.includes('honeytoken.used'))!;
    expect(canary.summary).toBe(
      `The canary key ${CANARY} planted on build-7 in ~/.aws/credentials (owner: platform-team) was used from ${ATTACKER_IP} (AS60729 Stiftung Erneuerbare Freiheit, DE) with aws-cli on Kali to call GetCallerIdentity in us-east-1.`,
    );
    expect(canary.link).toMatch(/^https:\/\/keysnare\.example\/incidents\/inc-[0-9a-f]{16}$/);
    const lines = readFileSync(join(home, 'alerts.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);

    const list = jsonl<Incident>(
      (await runCli(['--home', home, 'incidents', 'list', '--format', 'jsonl'])).out,
    );
    expect(list).toHaveLength(2);
    const c = list.find((i) => i.kind === 'canary')!;
    const p = list.find((i) => i.kind === 'principal')!;
    expect(c.related).toEqual([p.id]);
    expect(p.related).toEqual([c.id]);
    expect(p.severity).toBe('high');

    const again = await runCli(['--home', home, 'ingest', files]);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('0 incident(s) opened or changed; 0 alert(s) queued');
    expect(rec.received).toHaveLength(2);

    const ack = await runCli(['--home', home, 'incidents', 'ack', c.id, '--note', 'on it']);
    expect(ack.code, ack.err).toBe(0);
    // The follow-up is queued; dispatch delivers it.
    expect((await runCli(['--home', home, 'alerts', 'dispatch'])).code).toBe(0);
    const follow = webhookAlerts(rec).at(-1)!;
    expect(follow.kind).toBe('acknowledged');
    expect(follow.incidentId).toBe(c.id);
    expect(follow.summary).toMatch(/^Acknowledged: The canary key .* \([^:()]+: on it\)$/);

    const show = await runCli(['--home', home, 'incidents', 'show', c.id]);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toContain('Chain of custody');
    expect(show.out).toContain('GetCallerIdentity');
    expect(show.out).toContain('ListBuckets');
    expect(show.out).toContain('Who else did this?');
    expect(show.out).toContain('arn:aws:iam::111122223333:user/deploy');

    const hunt = jsonl<{ principal: string; shared: string[] }>(
      (await runCli(['--home', home, 'hunt', '--like', c.id, '--format', 'jsonl'])).out,
    );
    expect(hunt[0]!.principal).toBe('arn:aws:iam::111122223333:user/deploy');
    expect(hunt[0]!.shared).toContain(`ip:${ATTACKER_IP}`);

    const all = jsonl<Alert>(
      (await runCli(['--home', home, 'alerts', 'list', '--format', 'jsonl'])).out,
    );
    expect(all.map((a) => a.status)).toEqual(all.map(() => 'delivered'));
    expect(all).toHaveLength(6);
  });

  it('alerts test sends a marked test alert; an unknown sink is a usage error', async () => {
    const rec = await startReceiver();
    receivers.push(rec);
    const home = await workspace(`${rec.url}/hook`);
    const t = await runCli(['--home', home, 'alerts', 'test', 'hook']);
    expect(t.code, t.err).toBe(0);
    expect(webhookAlerts(rec)[0]).toMatchObject({ kind: 'test', title: 'Keysnare test alert' });
    const bad = await runCli(['--home', home, 'alerts', 'test', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('no sink named nope in alerts.sinks (configured: hook, file)');
  });

  it('a bad sink config fails at load with the config path of the problem', async () => {
    const home = await workspace('not a url');
    const r = await runCli(['--home', home, 'incidents', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/alerts\.sinks\.hook\.url/);
  });

  it('a process killed mid-delivery delivers once more after restart, with the same webhook-id', async () => {
    const rec = await startReceiver();
    receivers.push(rec);
    const home = await workspace(`${rec.url}/hook`);
    // Queue without delivering: the receiver hangs on the first request.
    rec.fallback = { status: 200, hold: true };
    const files = attackFiles(tempDir('ks-alerting-in-'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./src/cli/main.ts').then((m) => m.main(['--home', ${JSON.stringify(home)}, 'ingest', ${JSON.stringify(files)}])).then((c) => process.exit(c))`,
      ],
      { stdio: 'ignore', env: { ...process.env } },
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 600 && rec.received.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(rec.received.length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await exited;
    const inFlight = String(rec.received[0]!.headers['webhook-id']);
    rec.fallback = { status: 200, body: 'ok' };
    const after = await runCli(['--home', home, 'alerts', 'dispatch']);
    expect(after.code, after.err).toBe(0);
    const ids = rec.received.map((r) => String(r.headers['webhook-id']));
    // The one in flight came twice (same id: the receiver can tell); every alert is delivered.
    expect(ids.filter((id) => id === inFlight)).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    const all = jsonl<Alert>(
      (await runCli(['--home', home, 'alerts', 'list', '--format', 'jsonl'])).out,
    );
    expect(all.every((a) => a.status === 'delivered')).toBe(true);
    await runCli(['--home', home, 'alerts', 'dispatch']);
    expect(rec.received).toHaveLength(ids.length);
  });

  it('hostile user agents arrive inert: JSON that parses, terminal output without controls', async () => {
    const rec = await startReceiver();
    receivers.push(rec);
    const home = await workspace(`${rec.url}/hook`);
    const files = attackFiles(tempDir('ks-alerting-in-'), `${KALI} ${HOSTILE}`);
    expect((await runCli(['--home', home, 'ingest', files])).code).toBe(0);
    const alerts = webhookAlerts(rec);
    expect(alerts.length).toBe(2);
    expect(alerts[0]!.userAgent).toContain('<script>');
    for (const line of readFileSync(join(home, 'alerts.jsonl'), 'utf8').trim().split('\n')) {
      expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(line).not.toMatch(CONTROL);
    }
    const id = jsonl<Incident>(
      (await runCli(['--home', home, 'incidents', 'list', '--format', 'jsonl'])).out,
    )[0]!.id;
    const shown = await runCli(['--home', home, 'incidents', 'show', id]);
    expect(shown.out).not.toMatch(LIVE);
    const table = await runCli(['--home', home, 'incidents', 'list']);
    expect(table.out).not.toMatch(LIVE);
  });

  it('a quiet rule records and groups sanctioned activity without paging', async () => {
    const rec = await startReceiver();
    receivers.push(rec);
    const home = await workspace(
      `${rec.url}/hook`,
      `  quiet:\n    - { name: red team exercise, sourceCidrs: [185.220.101.0/24] }\n`,
    );
    const r = await runCli(['--home', home, 'ingest', attackFiles(tempDir('ks-alerting-in-'))]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('2 incident(s) opened or changed; 0 alert(s) queued');
    const list = jsonl<Incident>(
      (await runCli(['--home', home, 'incidents', 'list', '--format', 'jsonl'])).out,
    );
    expect(list.map((i) => i.quiet)).toEqual(['red team exercise', 'red team exercise']);
    expect(rec.received).toHaveLength(0);
  });

  it('groups findings stored before incidents existed, once, without alerting', async () => {
    const rec = await startReceiver();
    receivers.push(rec);
    const home = await workspace(`${rec.url}/hook`);
    const { openSqliteStore } = await import('../src/store/sqlite.js');
    const store = openSqliteStore(join(home, 'keysnare.db'));
    await store.upsertFindings(
      ['old-1', 'old-2'].map((id, n) => ({
        id,
        rule: 'useragent.offensive-os',
        severity: 'high' as const,
        title: 'AWS call from a penetration-testing OS',
        time: `2026-11-01T10:0${n}:00.000Z`,
        eventIds: [`ev-${id}`],
        principalArn: 'arn:aws:iam::111122223333:user/deploy',
        sourceIp: '198.51.100.9',
        source: 'cloudtrail' as const,
        details: {},
      })),
    );
    await store.close();
    const list = jsonl<Incident>(
      (await runCli(['--home', home, 'incidents', 'list', '--format', 'jsonl'])).out,
    );
    expect(list).toHaveLength(1);
    expect(list[0]!.findingIds).toEqual(['old-1', 'old-2']);
    const alerts = jsonl(
      (await runCli(['--home', home, 'alerts', 'list', '--format', 'jsonl'])).out,
    );
    expect(alerts).toEqual([]);
    expect(
      jsonl((await runCli(['--home', home, 'incidents', 'list', '--format', 'jsonl'])).out),
    ).toHaveLength(1);
  });
});
