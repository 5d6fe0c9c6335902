import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileMessage, sampleMessage } from '../../../test/helpers/alert-message.js';
import { formatJsonLine, jsonlSink } from './jsonl.js';

/** What no line may hold raw. */
const RAW = /[\r\n\u2028\u2029\p{Cc}\p{Cf}]/u;

describe('formatJsonLine', () => {
  it('writes the alert in a versioned envelope that parses back', () => {
    const line = formatJsonLine(sampleMessage());
    expect(line.startsWith('{"type":"keysnare.alert","version":1,"alert":{')).toBe(true);
    expect(JSON.parse(line)).toEqual({
      type: 'keysnare.alert',
      version: 1,
      alert: sampleMessage(),
    });
  });

  it('keeps a hostile alert on one line with no raw controls, and gives it back exactly', () => {
    const line = formatJsonLine(hostileMessage());
    expect(line).not.toMatch(RAW);
    expect(line).toContain('\\u001b[31mred');
    expect(line).toContain('\\u202eevil\\u2066');
    expect((JSON.parse(line) as { alert: unknown }).alert).toEqual(hostileMessage());
  });

  it('writes U+2028, U+2029, DEL and C1 controls as escapes', () => {
    const line = formatJsonLine(sampleMessage({ userAgent: 'a\u2028b\u2029c\u007fd\u009be' }));
    expect(line).toContain('"userAgent":"a\\u2028b\\u2029c\\u007fd\\u009be"');
  });

  it('cuts a 100 KB user agent and says so', () => {
    const line = formatJsonLine(sampleMessage({ userAgent: 'x'.repeat(100_000) }));
    expect(line.length).toBeLessThan(16_000);
    const parsed = JSON.parse(line) as { truncated?: boolean; alert: { userAgent: string } };
    expect(parsed.truncated).toBe(true);
    expect(parsed.alert.userAgent).toHaveLength(8192);
    expect(parsed.alert.userAgent.endsWith('x…')).toBe(true);
  });

  it('does not split a surrogate pair when it cuts', () => {
    const line = formatJsonLine(sampleMessage({ summary: `${'a'.repeat(8190)}😀😀` }));
    const { alert } = JSON.parse(line) as { alert: { summary: string } };
    expect(alert.summary).toBe(`${'a'.repeat(8190)}…`);
  });

  it('any strings give one line that parses back to the same alert', () => {
    const nasty = fc.string({
      unit: fc.oneof(
        fc.constantFrom('\r', '\n', '\u2028', '\u2029', '\u202e', '\u0085', '\u007f', '"', '\\'),
        fc.constantFrom('\ud800', '\udfff', '\u0000', '\u001b', '\ufeff', '\u{e0001}'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 200,
    });
    fc.assert(
      fc.property(nasty, nasty, nasty, nasty, (title, summary, userAgent, label) => {
        const m = sampleMessage({ title, summary, userAgent, facts: [{ label, value: title }] });
        const line = formatJsonLine(m);
        expect(line).not.toMatch(RAW);
        expect((JSON.parse(line) as { alert: unknown }).alert).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });
});

describe('jsonl options', () => {
  it('takes a path and nothing else', () => {
    expect(jsonlSink.options.safeParse({ path: 'alerts.jsonl' }).success).toBe(true);
    expect(jsonlSink.options.safeParse({ path: '' }).success).toBe(false);
    expect(jsonlSink.options.safeParse({ path: 'a', mode: 0o644 }).success).toBe(false);
  });
});
