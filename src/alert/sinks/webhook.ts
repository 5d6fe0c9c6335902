/**
 * A generic JSON webhook, signed the Standard Webhooks 1.0 way: the body is the alert in a small
 * envelope, serialized once; `webhook-id` is the alert id (the receiver's idempotency key),
 * `webhook-timestamp` the unix time of the attempt and `webhook-signature` a base64 HMAC-SHA256
 * over `<id>.<timestamp>.<body>` keyed with the decoded `whsec_` secret. {@link verifyWebhook} is
 * the receiver's half. The body keeps every value as it was (it is data, not markup), with the
 * characters a viewer could be tricked by written as JSON escapes and oversized strings cut.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AlertMessage } from '../../core/index.js';
import type { HttpRequest, HttpResponse } from '../http.js';
import { httpResult } from '../http.js';
import type { SinkDefinition, SinkResult } from '../sink.js';
import { redactResult, sendAndRead } from './lib/result.js';
import { capJson, escapeInJson } from './lib/text.js';

/** The `type` of the envelope every delivery carries. */
export const WEBHOOK_EVENT_TYPE = 'keysnare.alert';

/** What the body is: the alert, in an envelope a receiver can dispatch on. */
export interface WebhookEnvelope {
  readonly type: typeof WEBHOOK_EVENT_TYPE;
  readonly version: 1;
  readonly alert: AlertMessage;
}

/** The longest string kept in a body (a 100 KB user agent is cut, with `…`), the longest list. */
const CAPS = { string: 8192, list: 100 } as const;
/** The least key material a secret may hold (Standard Webhooks recommends 24–64 bytes). */
const MIN_SECRET_BYTES = 16;
/** Headers the sink sets itself, which `headers` may not replace. */
const RESERVED = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
]);

/**
 * The HMAC key of a secret: the decoded bytes of `whsec_<base64>`, or a plain string's UTF-8
 * bytes; undefined when a `whsec_` secret is not base64.
 */
function secretKey(secret: string): Buffer | undefined {
  if (!secret.startsWith('whsec_')) return secret === '' ? undefined : Buffer.from(secret, 'utf8');
  const b64 = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length === 0 ? undefined : key;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Extra static headers: names HTTP allows and the sink does not set, values on one line. */
const extraHeaders = z
  .record(
    z.string(),
    z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'a header value on one line, no controls'),
  )
  .superRefine((headers, ctx) => {
    for (const name of Object.keys(headers)) {
      if (!HEADER_NAME.test(name))
        ctx.addIssue({ code: 'custom', path: [name], message: 'not an HTTP header name' });
      else if (RESERVED.has(name.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `the sink sets this header itself (${[...RESERVED].join(', ')})`,
        });
    }
  });

/** The webhook sink's own options. */
const options = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
    .describe('where alerts are POSTed'),
  secret: z
    .string()
    .refine((s) => (secretKey(s)?.length ?? 0) >= MIN_SECRET_BYTES, {
      message: `whsec_<base64> (Standard Webhooks) or a plain string, at least ${MIN_SECRET_BYTES} bytes of key`,
    })
    .describe('HMAC key: whsec_<base64> (the decoded bytes) or a plain string (its UTF-8 bytes)'),
  headers: extraHeaders.optional().describe('extra static headers (e.g. Authorization)'),
});

/**
 * Characters a JSON string may carry raw that a viewer or log could be tricked by (controls, bidi
 * and zero-width, line separators), and `< > &` so a receiver that pastes the body into HTML
 * gets no markup (as Go's encoding/json does).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}<>&]/gu;

/**
 * The body for `message`: its envelope as JSON, strings over 8 KiB cut and lists over 100 entries
 * shortened, with control, format (bidi, zero-width) and line-separator characters and `< > &`
 * written as `\uXXXX` so the bytes hold none raw. `JSON.parse` gives the values back unchanged.
 */
export function renderWebhook(message: AlertMessage): string {
  const envelope: WebhookEnvelope = {
    type: WEBHOOK_EVENT_TYPE,
    version: 1,
    alert: capJson(message, CAPS).value as AlertMessage,
  };
  return escapeInJson(JSON.stringify(envelope), INVISIBLE);
}

/** The `webhook-signature` value (`v1,<base64>`) for one delivery. */
export function signWebhook(
  key: Uint8Array,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body);
  return `v1,${mac.digest('base64')}`;
}

/** What {@link verifyWebhook} made of a request. */
export type WebhookVerification =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: string };

function header(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
): string | undefined {
  for (const [k, v] of Object.entries(headers))
    if (k.toLowerCase() === name) return typeof v === 'string' ? v : v?.[0];
  return undefined;
}

/**
 * Check a Standard Webhooks request as a receiver does: the timestamp within
 * `toleranceSeconds` of `nowSeconds`, and one of the `v1,` signatures (space-separated, for key
 * rotation) equal, compared in constant time, to the HMAC over `<id>.<timestamp>.<body>` with
 * `body` the exact bytes received.
 *
 * @example
 * verifyWebhook(secret, req.headers, rawBody, Math.floor(Date.now() / 1000)).ok
 */
export function verifyWebhook(
  secret: string,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  body: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds = 300,
): WebhookVerification {
  const key = secretKey(secret);
  if (!key) return { ok: false, reason: 'the secret is neither whsec_<base64> nor a plain string' };
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !ts || !signatures)
    return { ok: false, reason: 'webhook-id, webhook-timestamp or webhook-signature is missing' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'webhook-timestamp is not unix seconds' };
  const timestamp = Number(ts);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds)
    return { ok: false, reason: `webhook-timestamp is more than ${toleranceSeconds} s off` };
  const expected = Buffer.from(signWebhook(key, id, timestamp, body));
  const match = signatures.split(' ').some((s) => {
    const given = Buffer.from(s);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true, id, timestamp } : { ok: false, reason: 'no signature matches' };
}

/** The answer read the usual way, with 410 Gone saying the receiver asks to stop sending. */
function readAnswer(res: HttpResponse, now: Date): SinkResult {
  if (res.status !== 410) return httpResult(res, now);
  return {
    kind: 'rejected',
    reason: 'HTTP 410 Gone: the endpoint is gone (the receiver asks to stop sending)',
  };
}

/** The Standard Webhooks JSON sink. */
export const webhookSink: SinkDefinition<typeof options> = {
  type: 'webhook',
  title: 'JSON webhook (Standard Webhooks signature)',
  options,
  create(opts, ctx) {
    const key = secretKey(opts.secret);
    if (!key) throw new Error(`sink ${ctx.name}: the secret is not usable`);
    const extra = opts.headers ?? {};
    return {
      name: ctx.name,
      type: 'webhook',
      async deliver(message) {
        const body = renderWebhook(message);
        const now = ctx.now();
        const timestamp = Math.floor(now.getTime() / 1000);
        const request: HttpRequest = {
          url: opts.url,
          method: 'POST',
          headers: {
            'user-agent': `keysnare/${ctx.version}`,
            ...extra,
            'content-type': 'application/json',
            'webhook-id': message.alertId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(key, message.alertId, timestamp, body),
          },
          body,
        };
        const result = await sendAndRead(ctx.http, request, (res) => readAnswer(res, now));
        // The URL is a bearer secret for many receivers.
        return redactResult(result, [opts.url], { mask: '<webhook url>', max: 300 });
      },
    };
  },
};
