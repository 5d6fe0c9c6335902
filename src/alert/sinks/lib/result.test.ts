import { describe, expect, it } from 'vitest';
import type { HttpClient, HttpResponse } from '../../http.js';
import { TargetRefused } from '../../http.js';
import type { SinkResult } from '../../sink.js';
import {
  explainedResult,
  fieldErrors,
  parseJson,
  redactResult,
  sendAndRead,
  stringsIn,
} from './result.js';

const NOW = new Date('2026-11-30T10:06:00.000Z');
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('sendAndRead', () => {
  const client = (send: HttpClient['send']): HttpClient => ({ send });
  const req = { url: 'https://x.example/', method: 'POST' } as const;

  it('reads the answer with the reader given', async () => {
    const seen: HttpResponse[] = [];
    const result = await sendAndRead(
      client(() => Promise.resolve(answer(202, ''))),
      req,
      (res) => {
        seen.push(res);
        return { kind: 'ok', ref: 'r' };
      },
    );
    expect(result).toEqual({ kind: 'ok', ref: 'r' });
    expect(seen.map((r) => r.status)).toEqual([202]);
  });

  it('turns a network error into indeterminate and a refused target into rejected', async () => {
    const down = client(() => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:443')));
    expect(await sendAndRead(down, req, () => ({ kind: 'ok' }))).toEqual({
      kind: 'indeterminate',
      error: 'connect ECONNREFUSED 10.0.0.1:443',
    });
    const refused = client(() => Promise.reject(new TargetRefused('h', '127.0.0.1', 'loopback')));
    expect(await sendAndRead(refused, req, () => ({ kind: 'ok' }))).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^refused h \(127\.0\.0\.1\): loopback/),
    });
  });
});

describe('parseJson, stringsIn and fieldErrors', () => {
  it('parse what they can and give nothing for the rest', () => {
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('<html>')).toBeUndefined();
    expect(stringsIn('a')).toEqual(['a']);
    expect(stringsIn(['a', 1, null, 'b'])).toEqual(['a', 'b']);
    expect(stringsIn({ a: 'x' })).toEqual([]);
    expect(fieldErrors({ summary: 'is required', n: 3 })).toEqual(['summary: is required', 'n: ?']);
    expect(fieldErrors('x')).toEqual([]);
    expect(fieldErrors(null)).toEqual([]);
  });
});

describe('explainedResult', () => {
  const explain = (b: Readonly<Record<string, unknown>>) => [
    ...stringsIn(b.message),
    ...fieldErrors(b.errors),
  ];

  it("says a final 4xx in the receiver's own words", () => {
    const res = answer(422, { message: 'Not processable.', errors: { message: 'empty' } });
    expect(explainedResult(res, NOW, explain)).toEqual({
      kind: 'rejected',
      reason: 'HTTP 422: Not processable.; message: empty',
    });
  });

  it('keeps the usual reading when the body says nothing it knows, or is not JSON', () => {
    expect(explainedResult(answer(400, { other: 1 }), NOW, explain)).toEqual({
      kind: 'rejected',
      reason: 'HTTP 400: {"other":1}',
    });
    expect(explainedResult(answer(400, { message: '' }), NOW, explain).kind).toBe('rejected');
    expect(explainedResult(answer(404, 'not found'), NOW, explain)).toEqual({
      kind: 'rejected',
      reason: 'HTTP 404: not found',
    });
  });

  it('leaves ok, retryable and redirect answers as httpResult reads them', () => {
    expect(explainedResult(answer(202, { message: 'x' }), NOW, explain)).toEqual({ kind: 'ok' });
    expect(explainedResult(answer(201, {}), NOW, explain, 'SEC-1')).toEqual({
      kind: 'ok',
      ref: 'SEC-1',
    });
    const busy = answer(429, { message: 'slow down' }, { 'retry-after': '12' });
    expect(explainedResult(busy, NOW, explain)).toEqual({
      kind: 'indeterminate',
      error: 'HTTP 429: {"message":"slow down"}',
      retryAfterMs: 12_000,
    });
    expect(explainedResult(answer(503, { message: 'x' }), NOW, explain).kind).toBe('indeterminate');
  });
});

describe('redactResult', () => {
  it('replaces every secret in a reason or an error, keeping the rest of the result', () => {
    expect(redactResult({ kind: 'rejected', reason: 'bad key k-123 (k-123)' }, ['k-123'])).toEqual({
      kind: 'rejected',
      reason: 'bad key [redacted] ([redacted])',
    });
    const busy: SinkResult = {
      kind: 'indeterminate',
      error: 'GET https://h/T0/s3cret',
      retryAfterMs: 5,
    };
    expect(redactResult(busy, ['https://h/T0/s3cret', 'tok'], { mask: '<url>' })).toEqual({
      kind: 'indeterminate',
      error: 'GET <url>',
      retryAfterMs: 5,
    });
    expect(redactResult({ kind: 'ok', ref: 'k-123' }, ['k-123'])).toEqual({
      kind: 'ok',
      ref: 'k-123',
    });
  });

  it('skips an empty secret, neutralises the text and cuts it to max', () => {
    expect(redactResult({ kind: 'rejected', reason: 'ab' }, [''])).toEqual({
      kind: 'rejected',
      reason: 'ab',
    });
    expect(redactResult({ kind: 'rejected', reason: 'a\r\nb\u001b[2J' }, [])).toEqual({
      kind: 'rejected',
      reason: 'a  b [2J',
    });
    const long = redactResult({ kind: 'rejected', reason: 'x'.repeat(1000) }, [], { max: 300 });
    expect(long.kind === 'rejected' && long.reason).toBe(`${'x'.repeat(299)}…`);
  });

  it('finds a secret holding a control character before neutralising the text', () => {
    const secret = 'pass\u001bword';
    expect(redactResult({ kind: 'rejected', reason: `no ${secret}` }, [secret])).toEqual({
      kind: 'rejected',
      reason: 'no [redacted]',
    });
  });
});
