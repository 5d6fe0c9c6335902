import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { describeCorpus } from '../../../test/helpers/corpus.js';
import type { SigmaCorrelationRule, SigmaDetectionRule, SigmaRule } from './parse.js';
import { parseSigma, SigmaParseError } from './parse.js';

const FILE = 'rules/composed.yml';

const DETECTION = `title: Access key created for another user
id: 6a1b2c3d-0000-4000-8000-000000000001
status: test
description: An access key is created for a user other than the caller.
author: Keysnare tests
tags:
  - attack.persistence
  - attack.t1098
references:
  - https://example.test/iam
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: iam.amazonaws.com
    eventName:
      - CreateAccessKey
      - CreateLoginProfile
  filter_self:
    userIdentity.arn|endswith: ':user/deploy'
    errorCode: null
  timeframe: 10m
  condition: selection and not filter_self
falsepositives:
  - Onboarding scripts
level: medium
`;

const CORRELATION = `title: Many access keys
id: 6a1b2c3d-0000-4000-8000-000000000002
correlation:
  type: value_count
  rules:
    - key_created
  group-by:
    - userIdentity.arn
  timespan: 15m
  condition:
    field: requestParameters.userName
    gte: 3
level: high
---
title: Key created
id: 6a1b2c3d-0000-4000-8000-000000000003
name: key_created
logsource:
  product: aws
detection:
  selection:
    eventName: CreateAccessKey
  condition: selection
`;

function only(text: string): SigmaRule {
  const rules = parseSigma(text, FILE);
  expect(rules).toHaveLength(1);
  return rules[0]!;
}

function detection(text: string): SigmaDetectionRule {
  const rule = only(text);
  if (rule.kind !== 'detection') throw new Error(`expected a detection rule, got ${rule.kind}`);
  return rule;
}

/** The SigmaParseError `text` throws (fails the test if it parses). */
function failure(text: string): SigmaParseError {
  try {
    parseSigma(text, FILE);
  } catch (err) {
    if (err instanceof SigmaParseError) return err;
    throw err;
  }
  throw new Error('expected a SigmaParseError');
}

/** A small valid rule whose detection section is `lines` (indented by the caller). */
function withDetection(lines: string): string {
  return `title: t\nid: i\nlogsource:\n  product: aws\ndetection:\n${lines}`;
}

describe('parseSigma: detection rules', () => {
  it('reads metadata, logsource, searches as plain data, the condition and timeframe', () => {
    const rule = detection(DETECTION);
    expect(rule).toMatchObject({
      kind: 'detection',
      file: FILE,
      id: '6a1b2c3d-0000-4000-8000-000000000001',
      title: 'Access key created for another user',
      status: 'test',
      level: 'medium',
      author: 'Keysnare tests',
      tags: ['attack.persistence', 'attack.t1098'],
      references: ['https://example.test/iam'],
      falsepositives: ['Onboarding scripts'],
      logsource: { product: 'aws', service: 'cloudtrail' },
      conditions: ['selection and not filter_self'],
      timeframe: '10m',
    });
    expect(rule.searches).toEqual({
      selection: {
        eventSource: 'iam.amazonaws.com',
        eventName: ['CreateAccessKey', 'CreateLoginProfile'],
      },
      filter_self: { 'userIdentity.arn|endswith': ':user/deploy', errorCode: null },
    });
  });

  it('keeps the order of search identifiers and of fields, and leaves modifiers alone', () => {
    const rule = detection(DETECTION);
    expect(Object.keys(rule.searches)).toEqual(['selection', 'filter_self']);
    expect(Object.keys(rule.searches['filter_self'] as object)).toEqual([
      'userIdentity.arn|endswith',
      'errorCode',
    ]);
  });

  it('records the line and column of each search identifier and of the condition', () => {
    const rule = detection(DETECTION);
    expect(rule.positions).toEqual({
      selection: { line: 15, column: 3 },
      filter_self: { line: 20, column: 3 },
      condition: { line: 24, column: 14 },
    });
  });

  it('leaves absent optional fields out and absent lists empty', () => {
    const rule = detection(withDetection('  sel:\n    a: 1\n  condition: sel\n'));
    expect(rule.tags).toEqual([]);
    expect(rule.references).toEqual([]);
    expect(rule.falsepositives).toEqual([]);
    expect('level' in rule || 'status' in rule || 'timeframe' in rule).toBe(false);
  });

  it('accepts a list of conditions, a list of maps and a list of keywords', () => {
    const rule = detection(
      withDetection(
        [
          '  any_of:',
          '    - eventName: A',
          '    - eventName: B',
          '      errorCode: AccessDenied',
          '  words:',
          '    - trufflehog',
          '    - 42',
          '  condition:',
          '    - any_of',
          '    - words',
          '',
        ].join('\n'),
      ),
    );
    expect(rule.conditions).toEqual(['any_of', 'words']);
    expect(rule.searches).toEqual({
      any_of: [{ eventName: 'A' }, { eventName: 'B', errorCode: 'AccessDenied' }],
      words: ['trufflehog', 42],
    });
  });

  it('takes a top-level timeframe too', () => {
    const rule = detection(withDetection('  s:\n    a: 1\n  condition: s\ntimeframe: 5m\n'));
    expect(rule.timeframe).toBe('5m');
  });

  it('resolves YAML aliases inside searches', () => {
    const rule = detection(
      withDetection('  a:\n    f: &v x\n  b:\n    g: *v\n  condition: a or b\n'),
    );
    expect(rule.searches).toEqual({ a: { f: 'x' }, b: { g: 'x' } });
  });
});

describe('parseSigma: correlation rules and several documents', () => {
  it('returns one rule per document, the correlation first as written', () => {
    const rules = parseSigma(CORRELATION, FILE);
    expect(rules.map((r) => r.kind)).toEqual(['correlation', 'detection']);
    const correlation = rules[0] as SigmaCorrelationRule;
    expect(correlation).toMatchObject({
      id: '6a1b2c3d-0000-4000-8000-000000000002',
      title: 'Many access keys',
      level: 'high',
      type: 'value_count',
      rules: ['key_created'],
      groupBy: ['userIdentity.arn'],
      timespan: '15m',
      timespanMs: 15 * 60_000,
      condition: { field: 'requestParameters.userName', gte: 3 },
    });
    expect(rules[1]).toMatchObject({ name: 'key_created', title: 'Key created' });
  });

  it('reads temporal correlations without a condition, and every timespan unit', () => {
    const spans: Record<string, number> = { '30s': 30e3, '2h': 2 * 3600e3, '1d': 86400e3 };
    for (const [span, ms] of Object.entries(spans)) {
      const rule = only(
        `title: t\nid: i\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: ${span}\n`,
      );
      expect(rule).toMatchObject({ type: 'temporal', groupBy: [], timespanMs: ms });
      expect('condition' in rule).toBe(false);
    }
  });

  it('skips empty documents', () => {
    expect(parseSigma(`---\n${DETECTION}---\n`, FILE)).toHaveLength(1);
  });
});

describe('parseSigma: errors name file, line and column', () => {
  it('reports bad YAML at the error position', () => {
    const err = failure('title: t\nid: i\ndetection:\n  sel: [a, b\n  condition: sel\n');
    expect(err.pos?.line).toBeGreaterThanOrEqual(4);
    expect(err.message).toMatch(new RegExp(`^${FILE}:\\d+:\\d+: `));
  });

  it('reports an unclosed quote with its line and column', () => {
    const err = failure('title: "never closed\nid: i\n');
    expect(err.message).toMatch(/^rules\/composed\.yml:\d+:\d+: .*quote/i);
  });

  it('rejects duplicate keys where the second one is', () => {
    const err = failure(DETECTION.replace('level: medium', 'level: medium\nlevel: high'));
    expect(err.pos).toEqual({ line: 28, column: 1 });
    expect(err.reason).toMatch(/unique/i);
  });

  it('rejects a rule without a title', () => {
    const err = failure(DETECTION.replace(/^title: .*\n/, ''));
    expect(err.reason).toBe('missing title');
    expect(err.message).toBe(`${FILE}:1:1: missing title`);
  });

  it('rejects a rule without an id', () => {
    expect(failure(DETECTION.replace(/^id: .*\n/m, '')).reason).toBe('missing id');
  });

  it('rejects a detection without a condition, at the detection key', () => {
    const err = failure(DETECTION.replace(/^ {2}condition: .*\n/m, ''));
    expect(err.reason).toBe('detection has no condition');
    expect(err.pos).toEqual({ line: 14, column: 1 });
  });

  it('rejects a detection with a condition but no search identifier', () => {
    const err = failure(withDetection('  condition: sel\n'));
    expect(err.reason).toBe('detection has no search identifier');
  });

  it('rejects a search identifier whose value is a number, at the value', () => {
    const err = failure(withDetection('  sel: 5\n  condition: sel\n'));
    expect(err.reason).toMatch(/search sel must be a map, a list of maps or a list of keywords/);
    expect(err.pos).toEqual({ line: 6, column: 8 });
    expect(err.message).toBe(`${FILE}:6:8: ${err.reason}`);
  });

  it('rejects nested maps as field values and mixed lists', () => {
    expect(failure(withDetection('  sel:\n    a:\n      b: 1\n  condition: sel\n')).pos).toEqual({
      line: 8,
      column: 7,
    });
    const mixed = failure(withDetection('  sel:\n    - a: 1\n    - word\n  condition: sel\n'));
    expect(mixed.reason).toBe('search sel[1]: expected a map (list of maps)');
    expect(mixed.pos).toEqual({ line: 8, column: 7 });
  });

  it('rejects tags that are not a list of strings, at the offending item', () => {
    const err = failure(DETECTION.replace('  - attack.t1098', '  - [nested]'));
    expect(err.reason).toBe('tags must be a list of strings');
    expect(err.pos).toEqual({ line: 8, column: 5 });
  });

  it('rejects a logsource that is not a map of strings', () => {
    expect(failure(DETECTION.replace('service: cloudtrail', 'service: [a]')).reason).toBe(
      'logsource.service must be a string',
    );
  });

  it('rejects rule collections', () => {
    const err = failure(`action: global\ntitle: t\n---\n${DETECTION}`);
    expect(err.reason).toMatch(/rule collections .* not supported/);
    expect(err.pos).toEqual({ line: 1, column: 1 });
  });

  it('rejects a file with no rule, and a document that is not a map', () => {
    expect(failure('# nothing\n').message).toBe(`${FILE}: the file holds no rule`);
    expect(failure('- a\n- b\n').reason).toBe('a rule document must be a map');
  });

  it('validates correlation type, rules, timespan, group-by and condition', () => {
    const bad: Record<string, string> = {
      'type: value_count': 'type: near',
      '    - key_created\n': '',
      'timespan: 15m': 'timespan: 2M',
      '    - userIdentity.arn': '    - { a: b }',
      '    field: requestParameters.userName\n': '',
      'gte: 3': 'gte: many',
    };
    const reasons = Object.entries(bad).map(([from, to]) => failure(CORRELATION.replace(from, to)));
    expect(reasons.map((e) => e.reason)).toEqual([
      'correlation type must be one of event_count, value_count, temporal, temporal_ordered',
      'correlation.rules must list at least one rule',
      'timespan must be a number and one of s, m, h, d (e.g. 5m)',
      'correlation.group-by must be a list of strings',
      'a value_count condition needs a field',
      'condition gte: expected gt/gte/lt/lte/eq with a number, or field with a string',
    ]);
    expect(reasons[2]?.pos).toEqual({ line: 9, column: 13 });
  });

  it('requires a condition on event_count correlations', () => {
    const text =
      'title: t\nid: i\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1h\n';
    expect(failure(text).reason).toBe('a event_count correlation needs a condition');
  });

  it('throws only SigmaParseError, whatever the text', () => {
    const parsesOrRejects = (text: string): boolean => {
      try {
        parseSigma(text, FILE);
        return true;
      } catch (err) {
        return err instanceof SigmaParseError;
      }
    };
    const yamlish = fc.anything().map((v) => stringify(v));
    const mutated = fc
      .tuple(fc.nat(DETECTION.length), fc.string({ maxLength: 4 }))
      .map(([at, s]) => DETECTION.slice(0, at) + s + DETECTION.slice(at + 1));
    fc.assert(fc.property(fc.oneof(fc.string(), yamlish, mutated), parsesOrRejects), {
      numRuns: 300,
    });
  });
});

function ymlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yml'))
    .map((e) => path.join(e.parentPath, e.name));
}

describeCorpus('Sigma AWS CloudTrail rules', 'sigma-aws', (dir) => {
  it('parses every rule under rules/', () => {
    const files = ymlFiles(path.join(dir, 'rules'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const rules = parseSigma(readFileSync(file, 'utf8'), file);
      expect(rules.length, file).toBeGreaterThan(0);
    }
  });

  it('parses or rejects with SigmaParseError every rule under unsupported/ and rules-placeholder/', () => {
    const files = ['unsupported', 'rules-placeholder'].flatMap((sub) =>
      ymlFiles(path.join(dir, sub)),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      try {
        parseSigma(readFileSync(file, 'utf8'), file);
      } catch (err) {
        expect(err, file).toBeInstanceOf(SigmaParseError);
      }
    }
  });
});
