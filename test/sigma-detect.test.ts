/**
 * Sigma rules run by `detect` and `ingest` (issue 9): the SigmaHQ pack over the Stratus Red Team
 * detonations, and rules written here over composed CloudTrail deliveries — case-insensitive pins,
 * rules the reader can only select by text needles, keywords, correlations (two workers, across
 * ingest runs) — with the pre-filter on and off, configuration overrides, and a broken rule file.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCorpus } from './helpers/corpus.js';
import { jsonl, runCli } from './helpers/cli.js';
import {
  ACCOUNT,
  ctRecord,
  iamUser,
  minutesAfter,
  testKey,
  writeDeliveries,
} from './helpers/cloudtrail.js';
import { STRATUS_SIGMA } from './helpers/stratus-sigma.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

interface FindingLine {
  rule: string;
  severity: string;
  title: string;
  eventIds: string[];
  details: { sigma?: { title: string; file: string; falsepositives: string[] } } & Record<
    string,
    unknown
  >;
}

async function detect(
  args: readonly string[],
): Promise<{ code: number; findings: FindingLine[]; err: string }> {
  const home = tempDir('ks-sigma-home-');
  const r = await runCli(['--home', home, 'detect', '--format', 'jsonl', ...args]);
  return { code: r.code, findings: jsonl<FindingLine>(r.out), err: r.err };
}

/** rule id → sorted eventIds of all its findings. */
function byRule(findings: readonly FindingLine[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of findings) (out[f.rule] ??= []).push(...f.eventIds);
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}

describeCorpus(
  'SigmaHQ pack run by detect over the Stratus Red Team detonations',
  'sigma-aws',
  (corpus) => {
    it('finds what the table says for each technique, the same with and without the pre-filter and with 1 or 2 workers', async () => {
      const logs = join(corpus, '..', 'stratus-red-team', 'detonation-logs');
      const technique = new Map<string, string>();
      for (const file of readdirSync(logs)) {
        const records = JSON.parse(readFileSync(join(logs, file), 'utf8')) as { eventID: string }[];
        for (const r of records) technique.set(r.eventID, file.replace(/\.json$/, ''));
      }
      const rules = `sigma:${join(corpus, 'rules')}`;
      const runs = await Promise.all([
        detect(['--rules', rules, '--workers', '2', logs]),
        detect(['--rules', rules, '--workers', '1', '--no-prefilter', logs]),
      ]);
      for (const run of runs) {
        expect(run.code).toBe(0);
        expect(run.err).toMatch(
          /sigma: 57 rule\(s\) loaded, 0 unsupported, 0 not for CloudTrail, 0 in error/,
        );
      }
      const got: Record<string, Set<string>> = {};
      for (const f of runs[0].findings) {
        if (!f.rule.startsWith('sigma.')) continue;
        expect(f.details.sigma?.file).toContain('sigma-aws');
        for (const id of f.eventIds)
          (got[technique.get(id) ?? '?'] ??= new Set()).add(f.details.sigma!.title);
      }
      const table = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, [...v].sort()]));
      const want = Object.fromEntries(
        Object.entries(STRATUS_SIGMA).map(([k, v]) => [k, [...v].sort()]),
      );
      expect(table).toEqual(want);
      expect(byRule(runs[1].findings)).toEqual(byRule(runs[0].findings));
      // Severity from level, ATT&CK from tags, false positives carried.
      const trail = runs[0].findings.find(
        (f) => f.details.sigma?.title === 'AWS CloudTrail Important Change',
      );
      expect(trail?.severity).toBe('medium');
      expect(trail?.details.sigma?.falsepositives.length).toBeGreaterThan(0);
    });
  },
);

const T0 = '2025-06-02T08:00:00Z';
const ALICE = iamUser('alice', testKey('AKIA', 1), 'AIDAALICE0000000001');
const BOB = iamUser('bob', testKey('AKIA', 2), 'AIDABOB00000000000002');
const ROLE = {
  type: 'AssumedRole',
  principalId: 'AROAROLE000000000001:build-7',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci-build/build-7`,
  accountId: ACCOUNT,
  accessKeyId: testKey('ASIA', 3),
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAROLE000000000001',
      arn: `arn:aws:iam::${ACCOUNT}:role/ci-build`,
      accountId: ACCOUNT,
      userName: 'ci-build',
    },
    attributes: { creationDate: T0, mfaAuthenticated: 'false' },
  },
};

const id = (n: number): string => `5160a000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const head = (n: number, title: string, extra = ''): string =>
  `title: ${title}\nid: ${id(n)}\nstatus: test\nlevel: high\ntags:\n  - attack.defense-evasion\n  - attack.t1562.008\n${extra}`;
const CT = 'logsource:\n  product: aws\n  service: cloudtrail\n';

/** Rules written here, one file each. */
const RULES: Record<string, string> = {
  // Pins written in the wrong case still match (Sigma compares without case).
  'lower-case-pins.yml': `${head(1, 'Trail stopped (pins in lower case)')}${CT}detection:\n  selection:\n    eventSource: CLOUDTRAIL.amazonaws.com\n    eventName: stoplogging\n  condition: selection\nfalsepositives:\n  - change windows\n`,
  // Neither name nor source pinned: the reader selects records by the needle 'evil-scanner'.
  'role-scanner.yml': `${head(2, 'Assumed role with a scanner agent')}${CT}detection:\n  selection:\n    userIdentity.type: assumedrole\n    userAgent|contains: 'EVIL-Scanner'\n  condition: selection\n`,
  // A regular expression, unpinned: its literal run 'python-requests/' is the needle.
  're-agent.yml': `${head(3, 'python-requests client')}${CT}detection:\n  selection:\n    userAgent|re: '^python-requests/[0-9.]+$'\n  filter:\n    userIdentity.userName: bob\n  condition: selection and not filter\n`,
  // Keywords: anywhere in the record's JSON text.
  'keywords.yml': `${head(4, 'Exfil bucket named')}${CT}detection:\n  keywords:\n    - 'exfil-bucket-7'\n  condition: keywords\n`,
  // A correlation: three secret reads by one principal in five minutes.
  'secret-burst.yml': `${head(5, 'Secret read', 'name: secret_read\n')}${CT}detection:\n  selection:\n    eventName: GetSecretValue\n  condition: selection\n---\ntitle: Secret burst\nid: ${id(6)}\nlevel: critical\ncorrelation:\n  type: event_count\n  rules:\n    - secret_read\n  group-by:\n    - userIdentity.arn\n  timespan: 5m\n  condition:\n    gte: 3\n`,
  // An ordered correlation: bucket listing, then a bucket policy change, by the same principal.
  'list-then-policy.yml': `${head(7, 'Buckets listed', 'name: listed\n')}${CT}detection:\n  selection:\n    eventName: ListBuckets\n  condition: selection\n---\n${head(8, 'Bucket policy set', 'name: policy_set\n')}${CT}detection:\n  selection:\n    eventName: PutBucketPolicy\n  condition: selection\n---\ntitle: Listed then policy\nid: ${id(9)}\nlevel: high\ncorrelation:\n  type: temporal_ordered\n  rules:\n    - listed\n    - policy_set\n  group-by:\n    - userIdentity.arn\n  timespan: 10m\n`,
};

function writeRules(dir: string, rules: Record<string, string> = RULES): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(rules)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The composed events and, per Sigma rule id, the eventIDs that must be its findings'. */
function scenario(): { records: Record<string, unknown>[]; expected: Record<string, string[]> } {
  const records: Record<string, unknown>[] = [];
  const expected: Record<string, string[]> = {};
  const add = (rule: number | undefined, o: Parameters<typeof ctRecord>[0]): void => {
    const r = ctRecord(o);
    records.push(r);
    if (rule !== undefined) (expected[`sigma.${id(rule)}`] ??= []).push(String(r['eventID']));
  };
  const at = (m: number) => minutesAfter(T0, m);
  add(1, {
    identity: ALICE,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
    time: at(1),
  });
  add(undefined, {
    identity: ALICE,
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StartLogging',
    time: at(2),
  });
  add(2, { identity: ROLE, ua: 'evil-scanner/0.3 (+hostile <script>)', time: at(3) });
  add(undefined, { identity: ALICE, ua: 'evil-scanner/0.3', time: at(4) });
  add(undefined, { identity: ROLE, time: at(5) });
  add(3, { identity: ALICE, ua: 'python-requests/2.31.0', time: at(6) });
  add(undefined, { identity: BOB, ua: 'python-requests/2.31.0', time: at(7) });
  add(undefined, { identity: ALICE, ua: 'python-requests/2.31.0 extra', time: at(8) });
  add(4, {
    identity: BOB,
    eventSource: 's3.amazonaws.com',
    eventName: 'GetBucketAcl',
    requestParameters: { bucketName: 'EXFIL-bucket-7' },
    time: at(9),
  });
  const secret = { eventSource: 'secretsmanager.amazonaws.com', eventName: 'GetSecretValue' };
  // Three within five minutes by Bob (a finding); Alice's three are spread over twenty.
  for (const m of [20, 22, 24]) add(6, { identity: BOB, ...secret, time: at(m) });
  for (const m of [20, 30, 40]) add(undefined, { identity: ALICE, ...secret, time: at(m) });
  const s3 = (eventName: string) => ({ eventSource: 's3.amazonaws.com', eventName });
  // Alice lists, then sets a policy (a finding); Bob sets a policy, then lists (no finding).
  add(9, { identity: ALICE, ...s3('ListBuckets'), time: at(50) });
  add(9, { identity: ALICE, ...s3('PutBucketPolicy'), time: at(55) });
  add(undefined, { identity: BOB, ...s3('PutBucketPolicy'), time: at(50) });
  add(undefined, { identity: BOB, ...s3('ListBuckets'), time: at(55) });
  for (const k of Object.keys(expected)) expected[k]!.sort();
  return { records, expected };
}

function sigmaOnly(findings: readonly FindingLine[]): Record<string, string[]> {
  return byRule(findings.filter((f) => f.rule.startsWith('sigma.')));
}

describe('Sigma rules written here, run by detect', () => {
  const dir = tempDir('ks-sigma-detect-');
  const rules = writeRules(join(dir, 'rules'));
  const { records, expected } = scenario();
  writeDeliveries(join(dir, 'trail'), records, 5);

  it('match as written (case, needles, re, keywords, correlations), with the pre-filter on and off and 1 or 2 workers', async () => {
    const variants = [
      ['--workers', '2'],
      ['--workers', '1'],
      ['--workers', '2', '--no-prefilter'],
    ];
    for (const v of variants) {
      const run = await detect(['--rules', `sigma:${rules}`, ...v, join(dir, 'trail')]);
      expect(run.code, run.err).toBe(0);
      expect(sigmaOnly(run.findings), v.join(' ')).toEqual(expected);
    }
  });

  it('takes severity from level and ATT&CK from tags; the referenced rules of a correlation make no findings of their own', async () => {
    const run = await detect(['--rules', `sigma:${rules}`, join(dir, 'trail')]);
    const burst = run.findings.find((f) => f.rule === `sigma.${id(6)}`);
    expect(burst?.severity).toBe('critical');
    expect(burst?.details['correlation']).toMatchObject({ type: 'event_count', timespan: '5m' });
    expect(run.findings.some((f) => f.rule === `sigma.${id(5)}`)).toBe(false);
    const stop = run.findings.find((f) => f.rule === `sigma.${id(1)}`);
    expect(stop?.severity).toBe('high');
    expect(stop?.details.sigma?.falsepositives).toEqual(['change windows']);
    const list = await runCli([
      '--home',
      tempDir('ks-sigma-home-'),
      'detect',
      '--rules',
      `sigma:${rules}`,
      join(dir, 'trail'),
    ]);
    // The table escapes what the records carry (the user agent is attacker-controlled).
    expect(list.out).not.toContain('\u001b');
  });

  it('names a broken rule file on stderr, runs the others, and exits 1', async () => {
    const broken = writeRules(join(dir, 'broken'), {
      'good.yml': RULES['lower-case-pins.yml']!,
      'bad.yml': 'title: [unclosed\n',
      'bad-modifier.yml': `${head(20, 'Bad modifier')}${CT}detection:\n  selection:\n    eventName|nosuch: x\n  condition: selection\n`,
    });
    const run = await detect(['--rules', `sigma:${broken}`, join(dir, 'trail')]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/sigma rule not loaded: .*bad\.yml:\d+:\d+: /);
    expect(run.err).toMatch(/sigma rule not loaded: .*bad-modifier\.yml.*nosuch/);
    expect(run.err).toMatch(/1 rule\(s\) loaded.*2 in error/);
    expect(sigmaOnly(run.findings)).toEqual({ [`sigma.${id(1)}`]: expected[`sigma.${id(1)}`] });
  });

  it('says when the rule folders given hold no rule file', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const run = await detect(['--rules', `sigma:${empty}`, join(dir, 'trail')]);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/no Sigma rule files \(\.yml, \.yaml\) in the rule folders given/);
    expect(sigmaOnly(run.findings)).toEqual({});
  });

  it('refuses --rules without sigma: (exit 2)', async () => {
    const run = await detect(['--rules', rules, join(dir, 'trail')]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--rules takes sigma:PATH/);
  });

  it('reads sigma.folders from keysnare.yaml (relative to the workspace) with per-rule severity and enable', async () => {
    const home = tempDir('ks-sigma-ws-');
    expect((await runCli(['--home', home, 'init'])).code).toBe(0);
    writeRules(join(home, 'my-rules'));
    const yaml = readFileSync(join(home, 'keysnare.yaml'), 'utf8')
      .replace('  folders: []', '  folders: [my-rules]')
      .replace(
        'rules: {}',
        `rules:\n  sigma.${id(1)}:\n    severity: low\n  sigma.${id(4)}:\n    enabled: false\n`,
      );
    writeFileSync(join(home, 'keysnare.yaml'), yaml);
    const r = await runCli(['--home', home, 'detect', '--format', 'jsonl', join(dir, 'trail')]);
    expect(r.code, r.err).toBe(0);
    const findings = jsonl<FindingLine>(r.out);
    const got = sigmaOnly(findings);
    const want: Record<string, string[]> = { ...expected };
    delete want[`sigma.${id(4)}`];
    expect(got).toEqual(want);
    expect(findings.find((f) => f.rule === `sigma.${id(1)}`)?.severity).toBe('low');
    // A rule id that is neither built in nor sigma.<id> is a configuration error.
    writeFileSync(join(home, 'keysnare.yaml'), yaml.replace(`sigma.${id(4)}:`, 'no.such-rule:'));
    const bad = await runCli(['--home', home, 'detect', join(dir, 'trail')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/rules\["no\.such-rule"\]: unknown rule id.*or sigma\.<Sigma rule id>/);
  });
});

describe('Sigma rules run by ingest', () => {
  it('store findings once, and a correlation window continues across runs', async () => {
    const dir = tempDir('ks-sigma-ingest-');
    const home = join(dir, 'home');
    expect((await runCli(['--home', home, 'init'])).code).toBe(0);
    const rules = writeRules(join(dir, 'rules'));
    const { records, expected } = scenario();
    // Bob's third secret read (and everything after it) comes in a second run.
    const cut = records.findIndex((r) => r['eventName'] === 'GetSecretValue') + 2;
    writeDeliveries(join(dir, 'one'), records.slice(0, cut), 5);
    writeDeliveries(join(dir, 'two'), records.slice(cut), 5);
    const ingest = (what: string) =>
      runCli([
        '--home',
        home,
        'ingest',
        '--format',
        'jsonl',
        '--rules',
        `sigma:${rules}`,
        join(dir, what),
      ]);
    const first = await ingest('one');
    expect(first.code, first.err).toBe(0);
    expect(jsonl<FindingLine>(first.out).some((f) => f.rule === `sigma.${id(6)}`)).toBe(false);
    const second = await ingest('two');
    expect(second.code, second.err).toBe(0);
    const burst = jsonl<FindingLine>(second.out).find((f) => f.rule === `sigma.${id(6)}`);
    expect(burst?.eventIds.sort()).toEqual(expected[`sigma.${id(6)}`]);
    const again = await ingest('one');
    expect(jsonl(again.out)).toEqual([]);
    const all = await runCli(['--home', home, 'findings', 'list', '--format', 'jsonl']);
    expect(sigmaOnly(jsonl<FindingLine>(all.out))).toEqual(expected);
  });
});
