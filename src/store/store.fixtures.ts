/**
 * Builders and hostile inputs shared by the store contract and implementation tests.
 */
import type { CloudEvent } from '../core/event.js';
import type { Finding } from '../core/finding.js';
import type { StoredEvent } from '../core/ports.js';
import type { Token } from '../core/token.js';

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

/** A stored event with the given id and a ~1 KB raw record. */
export function makeEvent(eventId: string, extra: Partial<CloudEvent> = {}): StoredEvent {
  const event: CloudEvent = {
    eventId,
    time: '2026-02-03T04:05:06.000Z',
    timeMs: Date.parse('2026-02-03T04:05:06.000Z'),
    eventName: 'GetCallerIdentity',
    eventSource: 'sts.amazonaws.com',
    region: 'us-east-1',
    regionKnown: true,
    identity: { type: 'IAMUser', accessKeyId: 'AKIAQQQQQQQQQQQQQQQ1', userName: 'svc-billing' },
    sourceIp: '203.0.113.7',
    sourceKind: 'ipv4',
    userAgent: 'aws-cli/2.15.0',
    userAgentClass: 'aws-cli',
    origin: { file: 'trail.json.gz', index: 3 },
    ...extra,
  };
  return { event, raw: JSON.stringify({ eventID: eventId, pad: 'r'.repeat(900) }) };
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
