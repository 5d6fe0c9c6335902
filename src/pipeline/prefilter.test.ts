import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Token } from '../core/index.js';
import { cloudTrailRecord, stablePrincipal } from '../core/index.js';
import { ruleConfigSchema } from '../detect/rule-config.js';
import type { Rule } from '../detect/rule.js';
import { anomalyFirstSeenApi } from '../detect/rules/anomaly-first-seen-api.js';
import { anomalyNewSourceNetwork } from '../detect/rules/anomaly-new-source-network.js';
import { reconAccessDeniedBurst } from '../detect/rules/recon-access-denied-burst.js';
import type { WorkerInit } from './setup.js';
import { createFileWork } from './setup.js';
import { testWorkerInit } from '../../test/helpers/worker-init.js';

const dir = mkdtempSync(join(tmpdir(), 'ks-prefilter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CANARY: Token = {
  id: 'tok_prefilter00001',
  accessKeyId: 'AKIAQPREFILTERCANARY',
  userName: 'svc-billing-prod',
  userArn: 'arn:aws:iam::111122223333:user/svc-billing-prod',
  principalId: 'AIDAQPREFILTER000001',
  accountId: '111122223333',
  status: 'active',
  origin: 'registered',
  createdAt: '2025-01-01T00:00:00.000Z',
};

const init = (prefilter: boolean): WorkerInit => testWorkerInit(prefilter, { tokens: [CANARY] });
const off = (rule: Rule) => ({ [rule.id]: ruleConfigSchema(rule).parse({ enabled: false }) });
// A first-seen rule takes every event but only the earliest of its kind per principal and day
// (selector.earliestPer): its candidates are checked on their own below; the others exactly.
const noFirstSeen = { ...off(anomalyFirstSeenApi), ...off(anomalyNewSourceNetwork) };
const filtered = createFileWork({ ...init(true), ruleConfig: noFirstSeen });
const full = createFileWork({ ...init(false), ruleConfig: noFirstSeen });
// recon.access-denied-burst has no selector (no event name or user agent says "denied"): while it
// is enabled, every file is parsed. Without it, the selectors of the other rules decide.
const noBurst = { ...noFirstSeen, ...off(reconAccessDeniedBurst) };
const filteredNoBurst = createFileWork({ ...init(true), ruleConfig: noBurst });

const identity = fc.constantFrom(
  {
    type: 'IAMUser',
    accessKeyId: CANARY.accessKeyId,
    arn: CANARY.userArn,
    userName: CANARY.userName,
  },
  { type: 'IAMUser', principalId: CANARY.principalId, accountId: '111122223333' },
  { type: 'IAMUser', userName: 'SVC-Billing-Prod', accountId: '111122223333' },
  {
    type: 'IAMUser',
    accessKeyId: 'AKIAQOTHERUSERKEY001',
    arn: 'arn:aws:iam::111122223333:user/alice',
    userName: 'alice',
    accountId: '111122223333',
  },
);
const record = fc.record({
  userIdentity: identity,
  eventSource: fc.constantFrom('sts.amazonaws.com', 'iam.amazonaws.com', 's3.amazonaws.com'),
  eventName: fc.constantFrom('GetCallerIdentity', 'GetUser', 'AttachUserPolicy', 'ListBuckets'),
  userAgent: fc.constantFrom(
    'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22',
    'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024',
    'Boto3/1.34 Linux/6.5.0-13PARROT1-amd64',
    'aws-sdk-go/1.50 (go1.21; linux; amd64) KALI/2024 \\"quoted\\"',
    undefined,
  ),
  sourceIPAddress: fc.constantFrom('198.51.100.7', '198.51.100.8', 'ec2.amazonaws.com'),
  minute: fc.integer({ min: 0, max: 30 }),
  target: fc.constantFrom(undefined, CANARY.userName, 'bob'),
  denied: fc.boolean(),
});

/**
 * What is odd about a file, on its first record: nothing (most files, so the sliced reading is
 * exercised), a request holding objects that look like records (their own eventVersion and
 * eventName), or fields in another order than CloudTrail's.
 */
const oddity = fc.constantFrom('none', 'none', 'none', 'none', 'nested', 'shuffled');

/** How the file is written: CloudTrail's compact form, indented, or with `\/` escapes. */
const layout = fc.constantFrom('compact', 'compact', 'compact', 'indented', 'slashes');

/** Spell some identifiers with JSON `\u` escapes: the same record, a different text. */
function escapeSome(text: string, which: readonly string[]): string {
  let out = text;
  for (const word of which) {
    const spelled = [...word].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    out = out.split(word).join(spelled.join(''));
  }
  return out;
}

/**
 * With the first-seen rule enabled, a fresh thread's candidates (what crosses to the stateful
 * rules) are some of the full parse's, and hold, for each principal, API (or source IP) and day, every record of
 * the earliest time: what the rule's state and settle step need (detect/rules/lib/first-seen.ts).
 */
function expectEarliestAmong(file: string): void {
  const chosen = new Set((createFileWork(init(true))(file).candidates ?? []).map((c) => c.eventId));
  const all = createFileWork(init(false))(file).candidates ?? [];
  const known = new Set(all.map((c) => c.eventId));
  expect([...chosen].filter((id) => !known.has(id))).toEqual([]);
  const earliest = new Map<string, { time: number; ids: string[] }>();
  for (const c of all) {
    // An AWS service calling for the account: no first-seen rule takes it.
    if (c.timeMs === undefined || c.sourceKind === 'aws-service') continue;
    const day = Math.floor(c.timeMs / 86_400_000);
    const who = stablePrincipal(c.identity);
    // Per API (anomaly.first-seen-api) and per source IP (anomaly.new-source-network).
    for (const k of [
      JSON.stringify([who, c.eventSource, c.eventName, day]),
      JSON.stringify([who, 'ip', c.sourceIp, day]),
    ]) {
      const e = earliest.get(k);
      if (!e || c.timeMs < e.time) earliest.set(k, { time: c.timeMs, ids: [c.eventId] });
      else if (c.timeMs === e.time) e.ids.push(c.eventId);
    }
  }
  const missing = [...earliest.values()].flatMap((e) => e.ids).filter((id) => !chosen.has(id));
  expect(missing).toEqual([]);
}

let n = 0;
type Composed = typeof record extends fc.Arbitrary<infer T> ? T : never;

/** A CloudTrail record from a composed one; `odd` applies to the first record of a file. */
function rawRecord(r: Composed, i: number, odd: string): Record<string, unknown> {
  const nested = odd === 'nested' && i === 0;
  const shuffled = odd === 'shuffled' && i === 0;
  const rec = cloudTrailRecord({
    eventID: `ev-${n}-${i}`,
    eventTime: `2025-03-01T10:${String(r.minute).padStart(2, '0')}:00Z`,
    userIdentity: r.userIdentity,
    eventSource: r.eventSource,
    eventName: r.eventName,
    userAgent: r.userAgent ?? '',
    sourceIPAddress: r.sourceIPAddress,
    recipientAccountId: '111122223333',
    readOnly: false,
    requestParameters: {
      ...(r.target && !r.denied ? { userName: r.target } : {}),
      // `},{"eventVersion"` inside a record: the reader must not take it for two.
      ...(nested ? { items: [{ a: 1 }, { eventVersion: '1.0', eventName: 'GetUser' }] } : {}),
    },
    ...(r.denied
      ? {
          errorCode: 'AccessDenied',
          errorMessage: `User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:${r.eventName} on resource: user ${r.target ?? 'x'}`,
        }
      : {}),
  });
  const entries = Object.entries(rec).filter(([k]) => k !== 'userAgent' || r.userAgent);
  return Object.fromEntries(shuffled ? entries.reverse() : entries);
}

const hitsOf = (r: ReturnType<typeof filtered>) =>
  [
    ...r.hits.map((h) => `${h.rule} ${h.eventId}`),
    ...(r.candidates ?? []).map((c) => `stateful ${c.eventId}`),
  ].sort();

describe('the pre-filter', () => {
  it('passes over no record that the full parse would match, JSON escapes included', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 12 }),
        fc.oneof(
          { weight: 3, arbitrary: fc.constant([] as string[]) },
          {
            weight: 1,
            arbitrary: fc.subarray([
              CANARY.accessKeyId,
              CANARY.userName ?? '',
              'kali',
              'GetCallerIdentity',
              'iam.amazonaws.com',
            ]),
          },
        ),
        layout,
        oddity,
        (records, escaped, how, odd) => {
          const raw = records.map((r, i) => rawRecord(r, i, odd));
          const file = join(dir, `f${n++}.json`);
          const text =
            how === 'indented'
              ? JSON.stringify({ Records: raw }, null, 1)
              : JSON.stringify({ Records: raw });
          const written = how === 'slashes' ? text.replaceAll('/', '\\/') : text;
          writeFileSync(file, escapeSome(written, escaped));
          expect(hitsOf(filtered(file))).toEqual(hitsOf(full(file)));
          expectEarliestAmong(file);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reads a file cut in pieces as it reads it whole, gzipped or not, a nested record included', () => {
    // ~1,200 records, ~1 MB: several pieces of PIECE_BYTES (read.ts), cut at record boundaries.
    const records = fc.sample(record, { numRuns: 1200, seed: 7 });
    // 'nested': every record holds an object in the form a record starts with, so some cut
    // falls inside a record: that piece does not parse, and the whole file is read instead.
    for (const odd of ['none', 'nested']) {
      const raw = records.map((r, i) => ({ ...rawRecord(r, 0, odd), eventID: `big-${n}-${i}` }));
      const text = JSON.stringify({ Records: raw });
      expect(text.length).toBeGreaterThan(700 * 1024);
      for (const gz of [false, true]) {
        const file = join(dir, `big-${odd}-${n++}.json${gz ? '.gz' : ''}`);
        writeFileSync(file, gz ? gzipSync(text) : text);
        const got = filtered(file);
        expect(got.records).toBe(1200);
        expect(hitsOf(got)).toEqual(hitsOf(full(file)));
        expectEarliestAmong(file);
      }
    }
  });

  it('passes over a file with nothing any rule looks for, without parsing it', () => {
    const file = join(dir, 'quiet.json');
    const quiet = {
      eventID: 'q1',
      eventTime: '2025-03-01T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      userAgent: 'aws-cli/2.15.0',
      userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAQOTHERUSERKEY001', userName: 'alice' },
    };
    writeFileSync(file, JSON.stringify({ Records: [quiet] }));
    expect(filtered(file).passedOver).toBe(true);
    expect(full(file).passedOver).toBe(false);
    // The same file with one denied call is read for the rule that selects failed events.
    writeFileSync(file, JSON.stringify({ Records: [{ ...quiet, errorCode: 'AccessDenied' }] }));
    expect(filtered(file).passedOver).toBe(false);
    expect(filteredNoBurst(file).passedOver).toBe(true);
  });
});
