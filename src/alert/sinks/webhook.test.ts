import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOSTILE, hostileMessage, sampleMessage } from '../../../test/helpers/alert-message.js';
import { renderWebhook, signWebhook, verifyWebhook, webhookSink } from './webhook.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const RAW = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** Headers as the sink sends them, for `body` at `ts`. */
function signed(secret: string, id: string, ts: number, body: string) {
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice(6), 'base64')
    : Buffer.from(secret);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signWebhook(key, id, ts, body),
  };
}

describe('webhook body', () => {
  it('wraps the alert in a keysnare.alert version 1 envelope that parses back unchanged', () => {
    const m = sampleMessage();
    expect(JSON.parse(renderWebhook(m))).toEqual({ type: 'keysnare.alert', version: 1, alert: m });
  });

  it('keeps hostile values exact but carries no raw markup, controls or bidi characters', () => {
    const body = renderWebhook(hostileMessage());
    expect(body).not.toMatch(RAW);
    expect(body).not.toMatch(/[<>&]/);
    expect(body).not.toContain('<script');
    expect(body).toContain('\\u001b[31m');
    expect(body).toContain('\\u202eevil\\u2066');
    const parsed = JSON.parse(body) as { alert: { userAgent: string } };
    expect(parsed.alert.userAgent).toBe(HOSTILE);
  });

  it('cuts a 100 KB user agent to 8 KiB and keeps the body small', () => {
    const ua = 'Mozilla/5.0 '.repeat(9000);
    const body = renderWebhook(
      sampleMessage({ userAgent: ua, facts: [{ label: 'User agent', value: ua }] }),
    );
    const parsed = JSON.parse(body) as { alert: { userAgent: string; facts: { value: string }[] } };
    expect(parsed.alert.userAgent).toHaveLength(8192);
    expect(parsed.alert.userAgent.endsWith('…')).toBe(true);
    expect(parsed.alert.facts[0]!.value).toHaveLength(8192);
    expect(body.length).toBeLessThan(20_000);
  });

  it('never splits a surrogate pair when it cuts', () => {
    const body = renderWebhook(sampleMessage({ userAgent: '😀'.repeat(6000) }));
    const ua = (JSON.parse(body) as { alert: { userAgent: string } }).alert.userAgent;
    expect(ua).not.toMatch(/\p{Cs}/u);
    expect(ua.endsWith('😀…')).toBe(true);
  });

  it('parses for any strings in the alert, gives them back and holds no raw control character', () => {
    const unit = fc.oneof(
      fc.constantFrom('<', '>', '&', '"', '\\', '\n', '\r', '\u001b', '\u202e', '\u2028', '\u0085'),
      fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
    );
    const text = fc.string({ unit, maxLength: 60 });
    fc.assert(
      fc.property(text, text, text, text, (title, summary, ua, label) => {
        const m = sampleMessage({
          title,
          summary,
          userAgent: ua,
          facts: [{ label, value: ua }],
          runbook: [summary],
        });
        const body = renderWebhook(m);
        expect(body).not.toMatch(RAW);
        expect((JSON.parse(body) as { alert: unknown }).alert).toEqual(m);
      }),
    );
  });
});

describe('webhook signature', () => {
  it('matches the Standard Webhooks test vector', () => {
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    expect(
      signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies what it signed, and refuses another body, id, secret or a stale timestamp', () => {
    const body = renderWebhook(sampleMessage());
    const h = signed(SECRET, 'alt-1', 1_800_000_000, body);
    expect(verifyWebhook(SECRET, h, body, 1_800_000_000)).toEqual({
      ok: true,
      id: 'alt-1',
      timestamp: 1_800_000_000,
    });
    expect(verifyWebhook(SECRET, h, `${body} `, 1_800_000_000).ok).toBe(false);
    expect(verifyWebhook(SECRET, { ...h, 'webhook-id': 'alt-2' }, body, 1_800_000_000).ok).toBe(
      false,
    );
    expect(verifyWebhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAA', h, body, 1_800_000_000).ok).toBe(false);
    expect(verifyWebhook(SECRET, h, body, 1_800_000_301)).toEqual({
      ok: false,
      reason: 'webhook-timestamp is more than 300 s off',
    });
    expect(verifyWebhook(SECRET, h, body, 1_800_000_301, 600).ok).toBe(true);
  });

  it('takes a plain secret as its UTF-8 bytes', () => {
    const secret = 'correct horse battery staple';
    const h = signed(secret, 'alt-1', 100, 'x');
    expect(verifyWebhook(secret, h, Buffer.from('x'), 100).ok).toBe(true);
  });

  it('accepts any of several signatures (key rotation) and reads headers case-insensitively', () => {
    const h = signed(SECRET, 'alt-1', 100, 'x');
    const rotated = {
      'Webhook-Id': 'alt-1',
      'Webhook-Timestamp': '100',
      'Webhook-Signature': `v1,bm90IHRoaXMgb25l ${h['webhook-signature']}`,
    };
    expect(verifyWebhook(SECRET, rotated, 'x', 100).ok).toBe(true);
  });

  it('says what is missing or malformed', () => {
    expect(verifyWebhook(SECRET, {}, 'x', 100)).toMatchObject({ ok: false, reason: /missing/ });
    const h = { ...signed(SECRET, 'a', 100, 'x'), 'webhook-timestamp': '1e3' };
    expect(verifyWebhook(SECRET, h, 'x', 100)).toMatchObject({ reason: /unix seconds/ });
    expect(verifyWebhook('whsec_!!', h, 'x', 100)).toMatchObject({ reason: /secret/ });
  });
});

describe('webhook options', () => {
  const parse = (o: unknown) => webhookSink.options.safeParse(o);
  const url = 'https://hooks.example/keysnare';

  it('takes a whsec_ secret, a plain one of 16 bytes or more, and static headers', () => {
    expect(parse({ url, secret: SECRET }).success).toBe(true);
    expect(parse({ url, secret: 'sixteen-bytes-ok' }).success).toBe(true);
    expect(parse({ url, secret: SECRET, headers: { Authorization: 'Bearer x' } }).success).toBe(
      true,
    );
  });

  it('refuses a short or undecodable secret, other schemes, unknown keys and unsafe headers', () => {
    expect(parse({ url, secret: 'short' }).success).toBe(false);
    expect(parse({ url, secret: 'whsec_not base64!' }).success).toBe(false);
    expect(parse({ url: 'ftp://hooks.example/', secret: SECRET }).success).toBe(false);
    expect(parse({ url, secret: SECRET, method: 'PUT' }).success).toBe(false);
    expect(parse({ url, secret: SECRET, headers: { 'X-A': 'a\r\nInjected: 1' } }).success).toBe(
      false,
    );
    const reserved = parse({ url, secret: SECRET, headers: { 'Webhook-Signature': 'v1,x' } });
    expect(reserved.error?.issues[0]).toMatchObject({
      path: ['headers', 'Webhook-Signature'],
      message: expect.stringMatching(/sets this header itself/),
    });
    expect(parse({ url, secret: SECRET, headers: { 'a b': 'x' } }).success).toBe(false);
  });
});
