/**
 * Builders and hostile inputs shared by the store contract and implementation tests.
 */
import type { Finding } from '../../src/core/finding.js';
import type { StoredEvent } from '../../src/core/ports.js';
import type { Token } from '../../src/core/token.js';
import { cloudTrailRecord } from '../../src/core/cloudtrail-record.js';
import { normalizeRecord } from '../../src/normalize/cloudtrail.js';

/** Strings that break naive quoting or encoding. No NUL: callers never store one. */
export const HOSTILE_STRINGS: readonly string[] = [
  `'; DROP TABLE tokens; --`,
  `"quoted" \\ back\\slash 'single' \`tick\``,
  'ünïcödé — 日本語 — עברית — 🦀👩‍💻 — e\u0301',
  '\u2028line\u2029separators\r\n\t',
  '{"json": "looking", "n": [1, 2]}',
  'x'.repeat(100 * 1024),
];

/** A token with only the required fields. */
export function makeToken(n: number, extra: Partial<Token> = {}): Token {
  return {
    id: `tok_${String(n).padStart(12, 'a')}`,
    accessKeyId: `AKIA${String(n).padStart(16, 'Q')}`,
    status: 'active',
    origin: 'registered',
    createdAt: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`,
    ...extra,
  };
}

/**
 * A stored event with the given id: a ~1 KB raw CloudTrail record (fields of `extra` replace or add
 * top-level record fields) and the CloudEvent normalized from it, as ingest stores them.
 */
export function makeEvent(eventId: string, extra: Record<string, unknown> = {}): StoredEvent {
  const record: Record<string, unknown> = {
    ...cloudTrailRecord({
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAQQQQQQQQQQQQQQQQQ',
        arn: 'arn:aws:iam::111122223333:user/svc-billing',
        accountId: '111122223333',
        accessKeyId: 'AKIAQQQQQQQQQQQQQQQ1',
        userName: 'svc-billing',
      },
      eventTime: '2026-02-03T04:05:06Z',
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      sourceIPAddress: '203.0.113.7',
      userAgent: 'aws-cli/2.15.0',
      requestID: 'req-1',
      eventID: eventId,
      pad: 'r'.repeat(600),
    }),
    ...extra,
  };
  const event = normalizeRecord(record, { file: 'trail.json.gz', index: 3 });
  if (!('eventId' in event)) throw new Error(`fixture record rejected: ${event.reason}`);
  return { event, raw: JSON.stringify(record) };
}

/** A finding with the given id and time. */
export function makeFinding(id: string, time: string, extra: Partial<Finding> = {}): Finding {
  return {
    id,
    rule: 'honeytoken.used',
    severity: 'critical',
    title: 'Canary key used',
    time,
    eventIds: [`ev-${id}`],
    source: 'cloudtrail',
    details: { nested: { list: [1, 'two', null, true] } },
    ...extra,
  };
}

/** What `fn` threw or rejected with; fails when it did neither. */
export async function rejectedBy(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
