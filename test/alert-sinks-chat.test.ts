/**
 * The webhook, Slack and Teams sinks delivering to real local HTTP receivers: what arrives
 * (bytes, headers, shape), how each answer is read, and the target guard's default.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sink } from '../src/alert/sink.js';
import { slackSink } from '../src/alert/sinks/slack.js';
import { teamsSink } from '../src/alert/sinks/teams.js';
import { verifyWebhook, webhookSink } from '../src/alert/sinks/webhook.js';
import { hostileMessage, sampleMessage, testSinkContext } from './helpers/alert-message.js';
import type { Receiver } from './helpers/receiver.js';
import { startReceiver } from './helpers/receiver.js';
import { expectRefusedLoopback, expectUnreachable } from './helpers/sink-assert.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON payloads, read in assertions
type Obj = Record<string, any>;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const TOKEN = 'xoxb-0000-secret-token';
/** ctx.now() of testSinkContext, in unix seconds. */
const NOW_S = Date.parse('2026-11-30T10:06:00.000Z') / 1000;
const slackOk = (ts: string) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ok: true, channel: 'C123', ts }),
});

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(async () => {
  await rx.close();
});

function webhook(url = `${rx.url}/hooks/keysnare`, allowPrivate = true): Sink {
  const opts = webhookSink.options.parse({ url, secret: SECRET, headers: { 'X-Tenant': 'acme' } });
  return webhookSink.create(opts, testSinkContext('hook', { allowPrivate }));
}
function slackBot(allowPrivate = true): Sink {
  const opts = slackSink.options.parse({ token: TOKEN, channel: 'C123', apiUrl: `${rx.url}/api/` });
  return slackSink.create(opts, testSinkContext('slack', { allowPrivate }));
}
function slackHook(url = `${rx.url}/services/T0/B0/secretpart`, allowPrivate = true): Sink {
  const opts = slackSink.options.parse({ webhookUrl: url });
  return slackSink.create(opts, testSinkContext('slack-hook', { allowPrivate }));
}
function teams(format?: 'workflow' | 'connector', url = `${rx.url}/workflows/abc`): Sink {
  const opts = teamsSink.options.parse({ url, ...(format ? { format } : {}) });
  return teamsSink.create(opts, testSinkContext('teams'));
}

describe('webhook sink', () => {
  it('signs the exact bytes it sends: they verify, and fail with one byte changed', async () => {
    const m = hostileMessage();
    expect(await webhook().deliver(m, undefined)).toEqual({ kind: 'ok' });
    const [r] = rx.received;
    expect(r!.method).toBe('POST');
    expect(r!.path).toBe('/hooks/keysnare');
    expect(r!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'keysnare/0.1.0',
      'webhook-id': m.alertId,
      'webhook-timestamp': String(NOW_S),
      'x-tenant': 'acme',
    });
    expect(r!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhook(SECRET, r!.headers, r!.body, NOW_S)).toEqual({
      ok: true,
      id: m.alertId,
      timestamp: NOW_S,
    });
    const tampered = Buffer.from(r!.body);
    tampered[tampered.length - 2]! ^= 1;
    expect(verifyWebhook(SECRET, r!.headers, tampered, NOW_S)).toEqual({
      ok: false,
      reason: 'no signature matches',
    });
    expect(verifyWebhook(SECRET, r!.headers, r!.body, NOW_S + 301).ok).toBe(false);
    expect(r!.json()).toEqual({ type: 'keysnare.alert', version: 1, alert: m });
  });

  it('takes 410 Gone as final, saying the endpoint is gone', async () => {
    rx.script({ status: 410, body: 'gone' });
    const result = await webhook().deliver(sampleMessage(), undefined);
    expect(result).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/endpoint is gone/),
    });
  });

  it('retries a 5xx and a 429 no sooner than Retry-After, and rejects a 400 with the reason', async () => {
    rx.script(
      { status: 503, body: 'busy' },
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 400, body: 'bad alert shape' },
    );
    const sink = webhook();
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({
      kind: 'indeterminate',
      error: 'HTTP 503: busy',
    });
    expect(await sink.deliver(sampleMessage(), undefined)).toMatchObject({
      kind: 'indeterminate',
      retryAfterMs: 30_000,
    });
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({
      kind: 'rejected',
      reason: 'HTTP 400: bad alert shape',
    });
  });
});

describe('slack sink, bot token', () => {
  it('returns the ts as the ref, and threads a follow-up on it with the Bearer token', async () => {
    rx.script(slackOk('1764497160.000100'), slackOk('1764497999.000200'));
    const sink = slackBot();
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({
      kind: 'ok',
      ref: '1764497160.000100',
    });
    const follow = await sink.deliver(sampleMessage({ kind: 'updated' }), '1764497160.000100');
    expect(follow).toEqual({ kind: 'ok', ref: '1764497160.000100' });

    const [first, second] = rx.received;
    expect(first!.path).toBe('/api/chat.postMessage');
    expect(first!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(first!.headers['content-type']).toBe('application/json; charset=utf-8');
    const body1 = first!.json() as Obj;
    expect(body1).toMatchObject({ channel: 'C123', unfurl_links: false });
    expect(body1.text).toMatch(/^\[CRITICAL\] /);
    expect(body1.blocks[0].type).toBe('header');
    expect(body1).not.toHaveProperty('thread_ts');

    expect(second!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const body2 = second!.json() as Obj;
    expect(body2.thread_ts).toBe('1764497160.000100');
    expect(body2).not.toHaveProperty('reply_broadcast');
  });

  it('broadcasts a resolution reply to the channel', async () => {
    rx.script(slackOk('2.2'));
    await slackBot().deliver(sampleMessage({ kind: 'resolved', state: 'resolved' }), '1.1');
    expect(rx.received[0]!.json()).toMatchObject({ thread_ts: '1.1', reply_broadcast: true });
  });

  it('rejects ok:false invalid_auth without naming the token', async () => {
    rx.script({ status: 200, body: JSON.stringify({ ok: false, error: 'invalid_auth' }) });
    const result = await slackBot().deliver(sampleMessage(), undefined);
    expect(result).toEqual({ kind: 'rejected', reason: 'Slack said invalid_auth' });
  });

  it('takes HTTP 429 with Retry-After: 7 as indeterminate for 7000 ms', async () => {
    rx.script({ status: 429, headers: { 'retry-after': '7' }, body: 'ratelimited' });
    expect(await slackBot().deliver(sampleMessage(), undefined)).toEqual({
      kind: 'indeterminate',
      error: 'HTTP 429: ratelimited',
      retryAfterMs: 7000,
    });
  });
});

describe('slack sink, incoming webhook', () => {
  it('posts text and blocks, and a follow-up names the incident in a new message', async () => {
    const sink = slackHook();
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok' });
    expect(await sink.deliver(sampleMessage({ kind: 'acknowledged' }), undefined)).toEqual({
      kind: 'ok',
    });
    const [first, second] = rx.received;
    expect(first!.path).toBe('/services/T0/B0/secretpart');
    expect(first!.headers.authorization).toBeUndefined();
    const body = first!.json() as Obj;
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text', 'unfurl_links', 'unfurl_media']);
    expect((body.blocks as Obj[]).map((b) => b.type as string)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'actions',
      'context',
    ]);
    const follow = second!.json() as Obj;
    expect(follow).not.toHaveProperty('thread_ts');
    expect(follow.text).toMatch(/^\[CRITICAL\] Acknowledged: .*\(incident inc-00112233445566aa\)/);
  });

  it('rejects a 404 with the receiver reason, never the webhook URL', async () => {
    const url = `${rx.url}/services/T0/B0/secretpart`;
    rx.script({ status: 404, body: `no_service for ${url}` });
    const result = await slackHook(url).deliver(sampleMessage(), undefined);
    expect(result.kind).toBe('rejected');
    expect(JSON.stringify(result)).not.toContain('secretpart');
    expect(JSON.stringify(result)).toContain('no_service');
  });
});

describe('teams sink', () => {
  it('posts an Adaptive Card to a workflow and takes 202 Accepted as delivered', async () => {
    rx.script({ status: 202, body: '' });
    expect(await teams().deliver(hostileMessage(), undefined)).toEqual({ kind: 'ok' });
    const [r] = rx.received;
    expect(r!.headers['user-agent']).toBe('keysnare/0.1.0');
    const body = r!.json() as Obj;
    expect(body).toMatchObject({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: { type: 'AdaptiveCard', version: '1.4' },
        },
      ],
    });
    expect(r!.text).not.toContain('<script');
  });

  it('posts a MessageCard to a connector and takes its 200 "1" as delivered', async () => {
    rx.script({ status: 200, body: '1' });
    expect(await teams('connector').deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok' });
    expect(rx.received[0]!.json()).toMatchObject({
      '@type': 'MessageCard',
      themeColor: 'D70000',
      sections: [{ markdown: false }, { markdown: false }, { markdown: false }],
    });
  });

  it('rejects a 400 with the reason Teams gave', async () => {
    rx.script({ status: 400, body: 'Summary or Text is required.' });
    expect(await teams('connector').deliver(sampleMessage(), undefined)).toEqual({
      kind: 'rejected',
      reason: 'HTTP 400: Summary or Text is required.',
    });
  });
});

describe('every sink', () => {
  it('takes a receiver that is down as indeterminate', async () => {
    const down = await startReceiver();
    await down.close();
    const sinks = [
      webhook(`${down.url}/h`),
      slackHook(`${down.url}/services/x`),
      teams('workflow', `${down.url}/w`),
    ];
    for (const sink of sinks) expectUnreachable(await sink.deliver(sampleMessage(), undefined));
  });

  it('refuses 127.0.0.1 by default, naming the refusal, and sends nothing', async () => {
    const ctx = (name: string) => testSinkContext(name, { allowPrivate: false });
    const sinks: Sink[] = [
      webhookSink.create(
        webhookSink.options.parse({ url: `${rx.url}/h`, secret: SECRET }),
        ctx('h'),
      ),
      slackSink.create(slackSink.options.parse({ webhookUrl: `${rx.url}/services/x` }), ctx('s')),
      slackSink.create(
        slackSink.options.parse({ token: TOKEN, channel: 'C1', apiUrl: `${rx.url}/api` }),
        ctx('b'),
      ),
      teamsSink.create(teamsSink.options.parse({ url: `${rx.url}/w` }), ctx('t')),
    ];
    for (const sink of sinks) {
      const result = await sink.deliver(sampleMessage(), undefined);
      expectRefusedLoopback(result);
      expect(JSON.stringify(result)).not.toContain(TOKEN);
    }
    expect(rx.received).toHaveLength(0);
  });
});
