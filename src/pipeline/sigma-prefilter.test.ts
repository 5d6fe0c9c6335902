/**
 * Property: with Sigma rules enabled, the reader (record-choice.ts: pins and mentions read as
 * conjunctions, looked for in the identity, the user agent, the event name or the record) passes
 * over no record a Sigma rule matches: the hits with the pre-filter equal the full parse's, on
 * random records whose values spell the rules' words in other cases, with Unicode case folding
 * (the Kelvin sign, the long s) and JSON escapes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudTrailRecord } from '../core/index.js';
import { testWorkerInit } from '../../test/helpers/worker-init.js';
import { createFileWork } from './setup.js';

const dir = mkdtempSync(join(tmpdir(), 'ks-sigma-prefilter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CT = 'logsource:\n  product: aws\n  service: cloudtrail\n';
const rule = (n: number, detection: string): { file: string; text: string } => ({
  file: `r${n}.yml`,
  text: `title: r${n}\nid: 0000000${n}-0000-4000-8000-000000000000\n${CT}detection:\n${detection}`,
});
const RULES = [
  rule(1, '  s:\n    userIdentity.userName|contains: evil\n  condition: s\n'),
  rule(2, "  s:\n    userAgent|contains: 'truffle'\n  condition: s\n"),
  rule(
    3,
    '  s:\n    eventSource: lambda.amazonaws.com\n    eventName|startswith: UpdateFunction\n  condition: s\n',
  ),
  rule(
    4,
    '  s:\n    eventName: ListBuckets\n    requestParameters.note|contains: exfil\n  condition: s\n',
  ),
  rule(5, "  k:\n    - 'kaliish'\n  condition: k\n"),
  rule(
    6,
    '  a:\n    userIdentity.type: Root\n  b:\n    eventType: AwsServiceEvent\n  condition: a and not b\n',
  ),
  rule(7, "  s:\n    userIdentity.arn|re: ':assumed-role/[a-z]+-ops/'\n  condition: s\n"),
];

const init = (prefilter: boolean) => testWorkerInit(prefilter, { sigma: { sources: RULES } });
const filtered = createFileWork(init(true));
const full = createFileWork(init(false));

/** Words the rules look for, in other spellings: case, Kelvin sign for k, long s for s. */
const word = fc.constantFrom(
  'evil',
  'EVIL',
  'eviL-twin',
  'truffle',
  'TruffleHog/3.6',
  'TRUFFLE',
  'exfil',
  'EXFIL-x',
  'kaliish',
  '\u212Aaliish',
  'KALIISH',
  'ordinary',
  'Root',
  'root',
  'plain',
  'tru\u017Fted',
  'a"quote',
);
const text = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join('-'));
const identity = fc.oneof(
  fc.record({
    type: fc.constant('IAMUser'),
    userName: text,
    accountId: fc.constant('111122223333'),
  }),
  fc.record({
    type: fc.constant('AssumedRole'),
    arn: fc.constantFrom(
      'arn:aws:sts::111122223333:assumed-role/db-ops/s1',
      'arn:aws:sts::111122223333:assumed-role/DB-OPS/s1',
      'arn:aws:sts::111122223333:assumed-role/web/s2',
    ),
  }),
  fc.record({ type: fc.constantFrom('Root', 'root', 'AWSService') }),
);
const record = fc.record({
  identity,
  eventName: fc.constantFrom(
    'ListBuckets',
    'UpdateFunctionConfiguration20150331v2',
    'updatefunctionCode',
    'GetCallerIdentity',
  ),
  eventSource: fc.constantFrom('s3.amazonaws.com', 'lambda.amazonaws.com', 'LAMBDA.amazonaws.com'),
  userAgent: text,
  note: text,
  eventType: fc.constantFrom('AwsApiCall', 'AwsServiceEvent'),
});

let n = 0;
function hits(work: typeof filtered, file: string): string[] {
  return work(file)
    .hits.filter((h) => h.rule.startsWith('sigma.'))
    .map((h) => `${h.rule} ${h.eventId}`)
    .sort();
}

describe('the reader with Sigma rules', () => {
  it('passes over no record a Sigma rule matches', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (rs) => {
        const records = rs.map((r, i) =>
          cloudTrailRecord({
            userIdentity: r.identity,
            eventTime: '2025-04-01T10:00:00Z',
            eventSource: r.eventSource,
            eventName: r.eventName,
            awsRegion: 'us-east-1',
            sourceIPAddress: '203.0.113.9',
            userAgent: r.userAgent,
            requestParameters: { note: r.note },
            responseElements: null,
            eventType: r.eventType,
            requestID: `q${i}`,
            eventID: `e${String(i).padStart(6, '0')}-0000-4000-8000-000000000000`,
            recipientAccountId: '111122223333',
          }),
        );
        const file = join(dir, `f${n++}.json.gz`);
        writeFileSync(file, gzipSync(JSON.stringify({ Records: records })));
        expect(hits(filtered, file)).toEqual(hits(full, file));
      }),
      { numRuns: 150 },
    );
  });
});
