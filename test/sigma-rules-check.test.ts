import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigma } from '../src/detect/sigma/load.js';
import { describeCorpus } from './helpers/corpus.js';
import { runCli } from './helpers/cli.js';
import { STRATUS_SIGMA } from './helpers/stratus-sigma.js';

const dir = mkdtempSync(join(tmpdir(), 'ks-sigma-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ymlUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = join(folder, name);
    if (statSync(full).isDirectory()) return ymlUnder(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

const rule = (
  id: string,
  body: string,
  logsource = 'product: aws\n  service: cloudtrail',
): string =>
  `title: Rule ${id}\nid: 5e1f0000-0000-4000-8000-00000000${id}\nstatus: test\nlevel: medium\nlogsource:\n  ${logsource}\n${body}`;

describe('keysnare rules check', () => {
  it('reports each file: loaded, not applicable, unsupported with the reason, and broken with file:line:column; exit 2', async () => {
    const good = join(dir, 'good.yml');
    writeFileSync(
      good,
      rule(
        '1111',
        'detection:\n  selection:\n    eventSource: cloudtrail.amazonaws.com\n    eventName:\n      - StopLogging\n      - DeleteTrail\n  condition: selection\n',
      ),
    );
    writeFileSync(
      join(dir, 'windows.yml'),
      rule(
        '2222',
        'detection:\n  selection:\n    EventID: 4624\n  condition: selection\n',
        'product: windows',
      ),
    );
    writeFileSync(
      join(dir, 'count.yml'),
      rule(
        '3333',
        'detection:\n  selection:\n    eventName: GetObject\n  condition: selection | count() > 5\n',
      ),
    );
    writeFileSync(
      join(dir, 'broken.yml'),
      'title: Broken\nid: 4444\ndetection:\n  selection: [a, b\n',
    );
    writeFileSync(
      join(dir, 'badmod.yml'),
      rule('5555', 'detection:\n  selection:\n    eventName|nosuch: x\n  condition: selection\n'),
    );
    const r = await runCli(['rules', 'check', '--format', 'jsonl', dir]);
    expect(r.code).toBe(2);
    const rows = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; status: string; reason: string | null });
    const byFile = Object.fromEntries(rows.map((x) => [x.file.slice(dir.length + 1), x]));
    expect(byFile['good.yml']?.status).toBe('loaded');
    expect(byFile['windows.yml']?.status).toBe('not-applicable');
    expect(byFile['count.yml']).toMatchObject({ status: 'unsupported' });
    expect(byFile['count.yml']?.reason).toMatch(/aggregation.*correlation rule/);
    expect(byFile['broken.yml']?.status).toBe('error');
    expect(byFile['broken.yml']?.reason).toMatch(/broken\.yml:\d+:\d+: /);
    expect(byFile['badmod.yml']).toMatchObject({ status: 'error' });
    expect(byFile['badmod.yml']?.reason).toMatch(/badmod\.yml:\d+:\d+: selection: .*nosuch/);
    expect(r.err).toMatch(
      /5 rule file\(s\): 1 loaded \(0 with warnings\), 1 not applicable, 1 unsupported, 2 with errors/,
    );
    // Only good rules: exit 0, and a table for people.
    const ok = await runCli(['rules', 'check', good]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/loaded/);
  });

  it('warns about a value naming a record field without |fieldref, and loads the rule as written', async () => {
    const lint = mkdtempSync(join(dir, 'lint-'));
    writeFileSync(
      join(lint, 'self.yml'),
      rule(
        '7777',
        'detection:\n  selection:\n    eventName: CreateAccessKey\n  filter:\n    userIdentity.arn|contains: responseElements.accessKey.userName\n  condition: selection and not filter\n',
      ),
    );
    const r = await runCli(['rules', 'check', '--format', 'jsonl', lint]);
    expect(r.code).toBe(0);
    const [row] = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; warnings: string[] });
    expect(row?.status).toBe('loaded');
    expect(row?.warnings).toEqual([
      'filter: userIdentity.arn|contains is compared with the text "responseElements.accessKey.userName", which names a record field: was |fieldref meant?',
    ]);
    expect(r.err).toMatch(/1 loaded \(1 with warnings\)/);
  });

  it('names a folder entry it cannot read and goes on; a symlink loop is walked once', async () => {
    const odd = mkdtempSync(join(dir, 'odd-'));
    writeFileSync(
      join(odd, 'ok.yml'),
      rule(
        '8888',
        'detection:\n  selection:\n    eventName: DeleteTrail\n  condition: selection\n',
      ),
    );
    symlinkSync(join(odd, 'gone.yml'), join(odd, 'dangling.yml'));
    symlinkSync(odd, join(odd, 'loop'));
    const r = await runCli(['rules', 'check', '--format', 'jsonl', odd, join(dir, 'no-such-dir')]);
    expect(r.code).toBe(2);
    const rows = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; status: string; reason: string | null });
    expect(rows.filter((x) => x.status === 'loaded').map((x) => x.file)).toEqual([
      join(odd, 'ok.yml'),
    ]);
    expect(rows.filter((x) => x.status === 'error').map((x) => x.reason)).toEqual([
      expect.stringMatching(/^cannot read: .*dangling\.yml/),
      expect.stringMatching(/^cannot read: .*no-such-dir/),
    ]);
  });

  it('refuses a rule id used twice, naming the first file', () => {
    const twice = mkdtempSync(join(dir, 'twice-'));
    const body = 'detection:\n  selection:\n    eventName: DeleteTrail\n  condition: selection\n';
    writeFileSync(join(twice, 'a.yml'), rule('6666', body));
    writeFileSync(join(twice, 'b.yml'), rule('6666', body));
    const { statuses } = loadSigma([twice]);
    expect(statuses.map((s) => s.status)).toEqual(['loaded', 'error']);
    expect(statuses[1]?.reason).toMatch(/already used by .*a\.yml/);
  });
});

describeCorpus('SigmaHQ AWS CloudTrail rules', 'sigma-aws', (corpus) => {
  it('loads every file under rules/', () => {
    const files = ymlUnder(join(corpus, 'rules'));
    const { statuses } = loadSigma([join(corpus, 'rules')]);
    expect(files.length).toBe(57);
    expect(statuses.filter((s) => s.status !== 'loaded')).toEqual([]);
    expect(statuses).toHaveLength(files.length);
  });

  it("warns only about SigmaHQ's backdoor-keys rule, whose filter lacks |fieldref", () => {
    const { statuses } = loadSigma([corpus]);
    const warned = statuses.filter((s) => s.warnings).map((s) => s.file.split('/').pop());
    expect(warned).toEqual(['aws_iam_backdoor_users_keys.yml']);
  });

  it('reports every file under unsupported/ as unsupported with its reason, or loads it', () => {
    const { statuses } = loadSigma([join(corpus, 'unsupported')]);
    expect(statuses).toHaveLength(ymlUnder(join(corpus, 'unsupported')).length);
    for (const s of statuses) {
      expect(['loaded', 'unsupported']).toContain(s.status);
      if (s.status === 'unsupported') expect(s.reason).toMatch(/aggregation|correlation/);
    }
  });
});

/**
 * Which SigmaHQ rule (by title) fires on each Stratus Red Team detonation, run unmodified over the
 * recorded CloudTrail. Written out so a change in matching shows here. "AWS STS AssumeRole Misuse"
 * fires wherever the detonation ran under an assumed role, as that rule is written.
 */

describeCorpus('SigmaHQ rules over the Stratus Red Team detonations', 'sigma-aws', (corpus) => {
  it('fire as the table says, and no rule fires on the other techniques', () => {
    const { rules } = loadSigma([join(corpus, 'rules')]);
    const logs = join(corpus, '..', 'stratus-red-team', 'detonation-logs');
    const got: Record<string, string[]> = {};
    for (const file of readdirSync(logs).sort()) {
      const records = JSON.parse(readFileSync(join(logs, file), 'utf8')) as unknown[];
      const titles = new Set<string>();
      for (const r of records) for (const c of rules) if (c.matches(r)) titles.add(c.rule.title);
      if (titles.size > 0) got[file.replace(/\.json$/, '')] = [...titles].sort();
    }
    const want = Object.fromEntries(
      Object.entries(STRATUS_SIGMA).map(([k, v]) => [k, [...v].sort()]),
    );
    expect(got).toEqual(want);
  });
});
