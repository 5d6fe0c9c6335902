/**
 * The outbox and its dispatcher against real local receivers: a receiver down then up gets its
 * alerts once, in order; a 4xx dead-letters with the reason; a 429's Retry-After is honoured;
 * alerts too old are given up; a dead alert can be retried; follow-ups thread on the first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../src/alert/dispatch.js';
import type { Sink } from '../src/alert/sink.js';
import { slackSink } from '../src/alert/sinks/slack.js';
import { verifyWebhook, webhookSink } from '../src/alert/sinks/webhook.js';
import type { Finding } from '../src/core/index.js';
import type { AlertingDeps } from '../src/pipeline/alerting.js';
import { recordIncidents, retryAlert, setIncidentState } from '../src/pipeline/alerting.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { SqliteStore } from '../src/store/sqlite.js';
import { testSinkContext } from './helpers/alert-message.js';
import type { Receiver } from './helpers/receiver.js';
import { startReceiver } from './helpers/receiver.js';

const SECRET = 'whsec_' + Buffer.from('outbox-test-secret-0123456789').toString('base64');
const receivers: Receiver[] = [];
let store: SqliteStore | undefined;

afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
  await store?.close();
  store = undefined;
});

/** A clock the test moves. */
function clock(start = '2026-11-30T12:00:00.000Z') {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

function finding(id: string, over: Partial<Finding> = {}): Finding {
  return {
    id,
    rule: 'useragent.offensive-os',
    severity: 'high',
    title: `Kali user agent (${id})`,
    time: '2026-11-30T11:00:00.000Z',
    eventIds: [`ev-${id}`],
    principalArn: `arn:aws:iam::111122223333:user/${id}`,
    accessKeyId: 'AKIAQDEPLOY000000001',
    sourceIp: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0 Linux/6.5.0-kali3-amd64',
    eventNames: ['ListBuckets'],
    regions: ['us-east-1'],
    source: 'cloudtrail',
    details: {},
    ...over,
  };
}

function deps(s: SqliteStore, now: () => Date, sinks: string[]): AlertingDeps {
  return {
    store: s,
    sinks,
    routes: [],
    quiet: [],
    windowMs: 24 * 3_600_000,
    tokens: [],
    runbook: () => ['Look at it.'],
    now,
  };
}

function webhook(url: string, now: () => Date): Sink {
  return webhookSink.create({ url, secret: SECRET }, testSinkContext('hook', { now }));
}

async function queue(s: SqliteStore, d: AlertingDeps, findings: Finding[]) {
  await s.upsertFindings(findings);
  return s.transaction(() => recordIncidents(d, findings));
}

describe('the alert outbox', () => {
  it('delivers to a receiver that was down once it is up, once each and in order', async () => {
    const c = clock();
    store = openSqliteStore(':memory:');
    const d = deps(store, c.now, ['hook']);
    const rec = await startReceiver();
    const port = rec.port;
    await rec.close();
    const sinks = new Map([['hook', webhook(`http://127.0.0.1:${port}/in`, c.now)]]);
    await queue(store, d, [finding('a'), finding('b'), finding('c')]);
    const down = await dispatch(store, sinks, { now: c.now, random: () => 1 });
    expect(down).toMatchObject({ delivered: 0, retried: 1, pending: 3 });
    const [head] = await store.listAlerts({ status: 'pending', limit: 1 });
    expect(head!.lastError).toMatch(/ECONNREFUSED/);
    // An hour later the receiver is back on the same port.
    const up = await startReceiver(port);
    receivers.push(up);
    c.advance(3_600_000);
    const after = await dispatch(store, sinks, { now: c.now, random: () => 1 });
    expect(after).toMatchObject({ delivered: 3, pending: 0, dead: 0 });
    const ids = up.received.map((r) => String(r.headers['webhook-id']));
    expect(new Set(ids).size).toBe(3);
    const queued = (await store.listAlerts()).map((a) => a.id);
    expect(ids).toEqual(queued);
    for (const r of up.received)
      expect(verifyWebhook(SECRET, r.headers, r.body, c.now().getTime() / 1000).ok).toBe(true);
    // Nothing is sent twice.
    await dispatch(store, sinks, { now: c.now });
    expect(up.received).toHaveLength(3);
  });

  it('dead-letters a 4xx that will never succeed, with the reason, and retries it on request', async () => {
    const c = clock();
    store = openSqliteStore(':memory:');
    const d = deps(store, c.now, ['hook']);
    const rec = await startReceiver();
    receivers.push(rec);
    rec.script({ status: 400, body: 'invalid_payload' });
    const sinks = new Map([['hook', webhook(`${rec.url}/in`, c.now)]]);
    await queue(store, d, [finding('a')]);
    const s = await dispatch(store, sinks, { now: c.now });
    expect(s).toMatchObject({ delivered: 0, dead: 1 });
    const [dead] = await store.listAlerts({ status: 'dead' });
    expect(dead!.lastError).toBe('HTTP 400: invalid_payload');
    await retryAlert(store, dead!.id, c.now());
    expect(await dispatch(store, sinks, { now: c.now })).toMatchObject({ delivered: 1, dead: 0 });
    expect(rec.received.map((r) => r.headers['webhook-id'])).toEqual([dead!.id, dead!.id]);
  });

  it("honours a 429's Retry-After before trying again", async () => {
    const c = clock();
    store = openSqliteStore(':memory:');
    const d = deps(store, c.now, ['hook']);
    const rec = await startReceiver();
    receivers.push(rec);
    rec.script({ status: 429, body: 'slow down', headers: { 'retry-after': '120' } });
    const sinks = new Map([['hook', webhook(`${rec.url}/in`, c.now)]]);
    await queue(store, d, [finding('a')]);
    await dispatch(store, sinks, { now: c.now, random: () => 0 });
    const [a] = await store.listAlerts();
    expect(Date.parse(a!.nextAttemptAt) - c.now().getTime()).toBe(120_000);
    c.advance(119_000);
    await dispatch(store, sinks, { now: c.now });
    expect(rec.received).toHaveLength(1);
    c.advance(1_000);
    expect(await dispatch(store, sinks, { now: c.now })).toMatchObject({ delivered: 1 });
    expect(rec.received).toHaveLength(2);
  });

  it('gives up an alert older than the maximum age, naming the last error', async () => {
    const c = clock();
    store = openSqliteStore(':memory:');
    const d = deps(store, c.now, ['hook']);
    const rec = await startReceiver();
    receivers.push(rec);
    rec.fallback = { status: 503, body: 'maintenance' };
    const sinks = new Map([['hook', webhook(`${rec.url}/in`, c.now)]]);
    await queue(store, d, [finding('a')]);
    for (let i = 0; i < 40; i++) {
      await dispatch(store, sinks, { now: c.now, maxAgeMs: 3_600_000, random: () => 1 });
      c.advance(10 * 60_000);
    }
    const [a] = await store.listAlerts();
    expect(a!.status).toBe('dead');
    expect(a!.lastError).toMatch(/^gave up after \d+ attempts: HTTP 503: maintenance$/);
  });

  it('keeps going for the budget while retries fall due (waiting, not spinning)', async () => {
    const c = clock();
    store = openSqliteStore(':memory:');
    const d = deps(store, c.now, ['hook']);
    const rec = await startReceiver();
    receivers.push(rec);
    rec.script({ status: 502 }, { status: 502 });
    const sinks = new Map([['hook', webhook(`${rec.url}/in`, c.now)]]);
    await queue(store, d, [finding('a')]);
    const slept: number[] = [];
    const s = await dispatch(store, sinks, {
      now: c.now,
      budgetMs: 60_000,
      random: () => 1,
      sleep: (ms) => {
        slept.push(ms);
        c.advance(ms);
        return Promise.resolve();
      },
    });
    expect(s).toMatchObject({ delivered: 1, retried: 2 });
    expect(slept).toEqual([5_000, 10_000]);
  });

  it('threads follow-ups on the first message and holds them until it is delivered', async () => {
    const c = clock();
    store = openSqliteStore(':memory:');
    const d = deps(store, c.now, ['slack']);
    const rec = await startReceiver();
    receivers.push(rec);
    let n = 0;
    rec.fallback = () => ({
      status: 200,
      body: JSON.stringify({ ok: true, ts: `1700000000.00000${++n}` }),
      headers: { 'content-type': 'application/json' },
    });
    rec.script({ status: 500, body: 'boom' });
    const sinks = new Map([
      [
        'slack',
        slackSink.create(
          { token: 'xoxb-test', channel: 'C123', apiUrl: rec.url },
          testSinkContext('slack', { now: c.now }),
        ),
      ],
    ]);
    const { updates } = await queue(store, d, [finding('a')]);
    const id = updates[0]!.incident.id;
    await setIncidentState(d, id, 'acknowledged', 'alice', 'looking');
    await dispatch(store, sinks, { now: c.now, random: () => 1 });
    // The first failed: the follow-up did not overtake it.
    expect(rec.received).toHaveLength(1);
    c.advance(60_000);
    await dispatch(store, sinks, { now: c.now });
    const bodies = rec.received.slice(1).map((r) => r.json() as Record<string, unknown>);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]!['thread_ts']).toBeUndefined();
    expect(bodies[1]!['thread_ts']).toBe('1700000000.000001');
    expect(await store.alertRef(id, 'slack')).toBe('1700000000.000001');
  });

  it('queues one alert per incident change and sink, the same ids when queued again', async () => {
    const c = clock();
    store = openSqliteStore(':memory:');
    const d = deps(store, c.now, ['hook', 'other']);
    await queue(store, d, [
      finding('a', { principalArn: 'arn:aws:iam::111122223333:user/x' }),
      finding('b', {
        principalArn: 'arn:aws:iam::111122223333:user/x',
        time: '2026-11-30T11:05:00.000Z',
      }),
    ]);
    const alerts = await store.listAlerts();
    expect(alerts.map((a) => [a.sink, a.kind])).toEqual([
      ['hook', 'opened'],
      ['other', 'opened'],
    ]);
    expect(alerts[0]!.message.summary).toContain('was used from 198.51.100.7 with aws-cli on Kali');
    // The same findings again change no incident; the same alerts again add no row.
    const same = [
      finding('a', { principalArn: 'arn:aws:iam::111122223333:user/x' }),
      finding('b', {
        principalArn: 'arn:aws:iam::111122223333:user/x',
        time: '2026-11-30T11:05:00.000Z',
      }),
    ];
    expect((await queue(store, d, same)).alerts).toEqual([]);
    await store.enqueueAlerts(alerts);
    expect((await store.listAlerts()).map((a) => a.id)).toEqual(alerts.map((a) => a.id));
  });
});
