/**
 * Sigma correlation rules on the engine's windowed state: each type, group-by with aliases,
 * `generate`, event order, and what is reported instead of run (chains, upper bounds, unknown
 * references).
 */
import { describe, expect, it } from 'vitest';
import { compileSigmaSources, sigmaRuleList } from '../src/detect/sigma/load.js';
import { ctRecord, iamUser, minutesAfter, testKey } from './helpers/cloudtrail.js';
import { runRules } from './helpers/rules.js';

const T0 = '2025-07-01T12:00:00Z';
const ALICE = iamUser('alice', testKey('AKIA', 11), 'AIDAALICE0000000011');
const BOB = iamUser('bob', testKey('AKIA', 12), 'AIDABOB00000000000012');
const at = (m: number) => minutesAfter(T0, m);
const CT = 'logsource:\n  product: aws\n  service: cloudtrail\n';

function base(n: number, name: string, eventName: string): string {
  return `title: ${name}\nid: 00000000-0000-4000-8000-0000000000${n}\nname: ${name}\n${CT}detection:\n  selection:\n    eventName: ${eventName}\n  condition: selection\n`;
}

function correlation(body: string, extra = ''): string {
  return `title: The correlation\nid: 00000000-0000-4000-8000-000000000099\nlevel: high\n${extra}correlation:\n${body}`;
}

function load(...docs: string[]) {
  return compileSigmaSources([{ file: 'rules.yml', text: docs.join('---\n') }]);
}

/** eventIDs of each finding of the correlation, in order. */
function fired(docs: string[], records: Record<string, unknown>[]): string[][] {
  const rules = sigmaRuleList(load(...docs));
  return runRules(rules, records)
    .filter((f) => f.rule === 'sigma.00000000-0000-4000-8000-000000000099')
    .map((f) => [...f.eventIds].sort());
}

const ids = (rs: Record<string, unknown>[]) => rs.map((r) => String(r['eventID'])).sort();
const secret = (who: Record<string, unknown>, m: number, bucket?: string) =>
  ctRecord({
    identity: who,
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    time: at(m),
    ...(bucket ? { requestParameters: { secretId: bucket } } : {}),
  });

describe('Sigma correlations', () => {
  it('event_count: three reads by one principal within the timespan, whatever the order', () => {
    const near = [secret(BOB, 0), secret(BOB, 2), secret(BOB, 4)];
    const far = [secret(ALICE, 0), secret(ALICE, 6), secret(ALICE, 12)];
    const docs = [
      base(1, 'read', 'GetSecretValue'),
      correlation(
        '  type: event_count\n  rules: [read]\n  group-by: [userIdentity.arn]\n  timespan: 5m\n  condition:\n    gte: 3\n',
      ),
    ];
    expect(fired(docs, [...near, ...far])).toEqual([ids(near)]);
    expect(fired(docs, [...far, ...near].reverse())).toEqual([ids(near)]);
    const gt = docs.map((d) => d.replace('gte: 3', 'gt: 2'));
    expect(fired(gt, [...near, ...far])).toEqual([ids(near)]);
    expect(
      fired(
        docs.map((d) => d.replace('gte: 3', 'gte: 4')),
        [...near, ...far],
      ),
    ).toEqual([]);
  });

  it('value_count: distinct values of the field, a repeat counting once', () => {
    const docs = [
      base(1, 'read', 'GetSecretValue'),
      correlation(
        '  type: value_count\n  rules: [read]\n  group-by: [userIdentity.arn]\n  timespan: 10m\n  condition:\n    field: requestParameters.secretId\n    gte: 3\n',
      ),
    ];
    const repeats = [secret(ALICE, 0, 'db'), secret(ALICE, 1, 'db'), secret(ALICE, 2, 'api')];
    const sweep = [secret(BOB, 0, 'db'), secret(BOB, 3, 'api'), secret(BOB, 6, 'ssh')];
    expect(fired(docs, [...repeats, ...sweep])).toEqual([ids(sweep)]);
  });

  it('temporal with aliases: both rules within the timespan for the same alias value, in any order', () => {
    const created = (m: number, user: string) =>
      ctRecord({
        identity: ALICE,
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateAccessKey',
        time: at(m),
        requestParameters: { userName: user },
      });
    const used = (m: number, who: Record<string, unknown>) =>
      ctRecord({ identity: who, eventName: 'GetCallerIdentity', time: at(m) });
    const docs = [
      base(1, 'key_made', 'CreateAccessKey'),
      base(2, 'key_used', 'GetCallerIdentity'),
      correlation(
        '  type: temporal\n  rules: [key_made, key_used]\n  group-by: [target]\n  timespan: 10m\n  aliases:\n    target:\n      key_made: requestParameters.userName\n      key_used: userIdentity.userName\n',
      ),
    ];
    const pair = [created(0, 'bob'), used(3, BOB)];
    const apart = [created(20, 'carol'), used(25, ALICE)];
    expect(fired(docs, [...pair, ...apart])).toEqual([ids(pair)]);
    expect(fired(docs, [...pair].reverse())).toEqual([ids(pair)]);
  });

  it('temporal_ordered: only in the order the rules are listed', () => {
    const call = (who: Record<string, unknown>, eventName: string, m: number) =>
      ctRecord({ identity: who, eventSource: 's3.amazonaws.com', eventName, time: at(m) });
    const docs = [
      base(1, 'listed', 'ListBuckets'),
      base(2, 'policy', 'PutBucketPolicy'),
      correlation(
        '  type: temporal_ordered\n  rules: [listed, policy]\n  group-by: [userIdentity.arn]\n  timespan: 10m\n',
      ),
    ];
    const inOrder = [call(ALICE, 'ListBuckets', 0), call(ALICE, 'PutBucketPolicy', 4)];
    const reversed = [call(BOB, 'PutBucketPolicy', 0), call(BOB, 'ListBuckets', 4)];
    expect(fired(docs, [...inOrder, ...reversed])).toEqual([ids(inOrder)]);
    expect(fired(docs, [...inOrder, ...reversed].reverse())).toEqual([ids(inOrder)]);
  });

  it('the referenced rules make findings of their own only with generate: true', () => {
    const docs = (generate: string) => [
      base(1, 'read', 'GetSecretValue'),
      correlation(
        '  type: event_count\n  rules: [read]\n  group-by: [userIdentity.arn]\n  timespan: 5m\n  condition:\n    gte: 2\n',
        generate,
      ),
    ];
    const rulesOf = (d: string[]) => sigmaRuleList(load(...d)).map((r) => r.id);
    expect(rulesOf(docs(''))).toEqual(['sigma.00000000-0000-4000-8000-000000000099']);
    expect(rulesOf(docs('generate: true\n'))).toEqual([
      'sigma.00000000-0000-4000-8000-00000000001',
      'sigma.00000000-0000-4000-8000-000000000099',
    ]);
  });

  it('reports chains and upper bounds as unsupported, and an unknown reference as an error', () => {
    const status = (...docs: string[]) =>
      load(...docs).statuses.find((s) => s.id === '00000000-0000-4000-8000-000000000099');
    const inner = `title: Inner\nid: 00000000-0000-4000-8000-000000000098\nname: inner\ncorrelation:\n  type: event_count\n  rules: [read]\n  group-by: [userIdentity.arn]\n  timespan: 5m\n  condition:\n    gte: 2\n`;
    const chain = status(
      base(1, 'read', 'GetSecretValue'),
      inner,
      correlation(
        '  type: temporal\n  rules: [inner, read]\n  group-by: [userIdentity.arn]\n  timespan: 5m\n',
      ),
    );
    expect(chain).toMatchObject({ status: 'unsupported' });
    expect(chain?.reason).toMatch(/correlations of correlations/);
    const upper = status(
      base(1, 'read', 'GetSecretValue'),
      correlation(
        '  type: event_count\n  rules: [read]\n  group-by: [userIdentity.arn]\n  timespan: 5m\n  condition:\n    gt: 1\n    lte: 10\n',
      ),
    );
    expect(upper).toMatchObject({ status: 'unsupported' });
    expect(upper?.reason).toMatch(/lte: an upper bound/);
    const unknown = status(
      correlation(
        '  type: temporal\n  rules: [nowhere]\n  group-by: [userIdentity.arn]\n  timespan: 5m\n',
      ),
    );
    expect(unknown).toMatchObject({ status: 'error' });
    expect(unknown?.reason).toMatch(/refers to nowhere/);
  });
});
