import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import {
  configJsonSchema,
  formatConfigIssue,
  formatConfigPath,
  loadConfig,
  loadConfigOrThrow,
  parseConfig,
} from './load.js';
import type { ConfigIssue, ConfigResult } from './load.js';
import { configSchema, defaultConfigYaml } from './schema.js';

function issuesOf(result: ConfigResult): ConfigIssue[] {
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.issues;
}

const tempDirs: string[] = [];
function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'keysnare-config-'));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('parseConfig', () => {
  it('accepts "version: 1" alone and fills in the defaults', () => {
    const result = parseConfig('version: 1\n', 'keysnare.yaml');
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const c = result.config;
    expect(c.detect).toEqual({ quietGapMinutes: 60, workers: 'auto' });
    expect(c.limits).toEqual({
      maxFileBytes: 512 * 1024 * 1024,
      maxRecordBytes: 1024 * 1024,
      maxInFlightBytes: 2048 * 1024 * 1024,
    });
    expect(c.tokens.files).toEqual([]);
    expect(c.aws).toEqual({ s3PathStyle: false });
    expect(c.canary.userPath).toBe('/');
    expect(c.canary.tags).toEqual({});
    expect(c.canary.secrets).toEqual({ mode: 'encrypted', keyFile: 'secrets.key' });
    expect(c.canary.nameTemplates.length).toBeGreaterThanOrEqual(8);
    expect(c.managementPrincipals).toEqual([]);
    expect(c.safetyNet).toEqual({
      granularityMinutes: 15,
      requestsPerSecond: 5,
      useCredentialReport: true,
    });
    expect(c.actor).toBeUndefined();
  });

  it('reports every problem at once, each with its path and line', () => {
    const yaml = [
      'version: 1',
      'detect:',
      '  workers: 65',
      'canary:',
      '  userPath: no-leading-slash',
      'safetyNet:',
      '  requestsPerSecond: 0',
      '',
    ].join('\n');
    expect(issuesOf(parseConfig(yaml, 'k.yaml'))).toEqual([
      { path: 'detect.workers', message: expect.stringContaining('1 to 64'), line: 3 },
      { path: 'canary.userPath', message: expect.stringContaining('IAM path'), line: 5 },
      { path: 'safetyNet.requestsPerSecond', message: expect.any(String), line: 7 },
    ]);
  });

  it('names each unknown key by its full path and lists the keys that are allowed', () => {
    const issues = issuesOf(parseConfig('version: 1\ndetect:\n  quietGap: 5\ncolour: red\n', 'k'));
    expect(issues).toEqual([
      {
        path: 'detect.quietGap',
        message: 'unknown key; expected one of: quietGapMinutes, workers',
        line: 3,
      },
      { path: 'colour', message: expect.stringContaining('managementPrincipals'), line: 4 },
    ]);
  });

  it('requires version 1', () => {
    expect(issuesOf(parseConfig('detect: {}\n', 'k'))).toEqual([
      { path: 'version', message: 'expected version: 1' },
    ]);
    expect(issuesOf(parseConfig('version: 2\n', 'k'))).toEqual([
      { path: 'version', message: 'expected version: 1', line: 1 },
    ]);
  });

  it('reports a YAML syntax error with its line', () => {
    const issues = issuesOf(parseConfig('version: 1\ndetect:\n  workers: [2\n  x: 1\n', 'k'));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ path: '', message: expect.stringMatching(/^YAML syntax/) });
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a duplicated key as a syntax error on the second occurrence', () => {
    expect(issuesOf(parseConfig('version: 1\nversion: 1\n', 'k'))).toEqual([
      { path: '', message: 'YAML syntax: Map keys must be unique', line: 2 },
    ]);
  });

  it('rejects an empty file with a hint', () => {
    expect(issuesOf(parseConfig('# nothing here\n', 'k'))[0]?.message).toContain('version: 1');
  });

  it('treats a section whose entries are all commented out as unset', () => {
    const result = parseConfig('version: 1\naws:\n  # region: us-east-1\nsafetyNet:\n', 'k');
    expect(result.ok && result.config.aws).toEqual({ s3PathStyle: false });
  });

  it('rejects name templates with tell words, case-insensitively, naming the template', () => {
    const yaml = [
      'version: 1',
      'canary:',
      '  nameTemplates:',
      '    - svc-{service}',
      '    - HoneyPot-{env}',
      '    - ci-{repo}-tokens',
      '',
    ].join('\n');
    expect(issuesOf(parseConfig(yaml, 'k'))).toEqual([
      { path: 'canary.nameTemplates[1]', message: expect.stringContaining('"honey"'), line: 5 },
      { path: 'canary.nameTemplates[2]', message: expect.stringContaining('"token"'), line: 6 },
    ]);
  });

  it('rejects templates with unknown placeholders or characters IAM refuses', () => {
    const yaml = 'version: 1\ncanary:\n  nameTemplates: ["svc-{region}", "ci deploy", "a/{env}"]\n';
    const issues = issuesOf(parseConfig(yaml, 'k'));
    expect(issues.map((i) => i.path)).toEqual([
      'canary.nameTemplates[0]',
      'canary.nameTemplates[1]',
      'canary.nameTemplates[2]',
    ]);
    expect(issues[0]?.message).toContain('unknown placeholder {region}');
  });

  it('rejects a template whose filled-in name exceeds 64 characters', () => {
    const long = `${'x'.repeat(50)}-{repo}`;
    const issues = issuesOf(
      parseConfig(`version: 1\ncanary:\n  nameTemplates: ["${long}"]\n`, 'k'),
    );
    expect(issues[0]?.message).toContain('64');
  });

  it('rejects an empty template list', () => {
    const issues = issuesOf(parseConfig('version: 1\ncanary:\n  nameTemplates: []\n', 'k'));
    expect(issues[0]?.path).toBe('canary.nameTemplates');
  });

  it('validates IAM tags, quoting odd keys in the path', () => {
    const yaml = 'version: 1\ncanary:\n  tags:\n    "aws:owner": x\n    "cost center": "a<b"\n';
    expect(issuesOf(parseConfig(yaml, 'k'))).toEqual([
      { path: 'canary.tags["aws:owner"]', message: expect.stringContaining('aws:'), line: 4 },
      { path: 'canary.tags["cost center"]', message: expect.any(String), line: 5 },
    ]);
  });

  it('accepts IAM and STS ARNs as management principals and rejects anything else', () => {
    const good = parseConfig(
      'version: 1\nmanagementPrincipals:\n  - arn:aws:iam::123456789012:role/keysnare\n  - arn:aws:sts::123456789012:assumed-role/ops/alice\n',
      'k',
    );
    expect(good.ok).toBe(true);
    const bad = issuesOf(parseConfig('version: 1\nmanagementPrincipals: [keysnare-role]\n', 'k'));
    expect(bad[0]?.path).toBe('managementPrincipals[0]');
  });

  it('rejects a record limit larger than the file limit', () => {
    const yaml = 'version: 1\nlimits:\n  maxFileBytes: 1000\n  maxRecordBytes: 2000\n';
    expect(issuesOf(parseConfig(yaml, 'k'))[0]).toMatchObject({
      path: 'limits.maxRecordBytes',
      line: 4,
    });
  });

  it('accepts "/" and "/a/b/" as the canary user path and rejects malformed paths', () => {
    const at = (p: string) => parseConfig(`version: 1\ncanary:\n  userPath: "${p}"\n`, 'k').ok;
    expect([at('/'), at('/ops/ci/'), at('/a'), at('a/'), at('/a b/'), at('')]).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseConfig(text, 'k');
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('defaultConfigYaml', () => {
  it('parses back to exactly the defaults', () => {
    const result = parseConfig(defaultConfigYaml(), 'keysnare.yaml');
    if (!result.ok) throw new Error(result.issues.map(formatConfigIssue).join('\n'));
    expect(result.config).toEqual(configSchema.parse({ version: 1 }));
  });

  it('explains its settings in comments', () => {
    const comments = defaultConfigYaml()
      .split('\n')
      .filter((l) => l.trim().startsWith('#'));
    expect(comments.length).toBeGreaterThan(15);
  });

  it('uses no word that gives a canary away in its default name templates', () => {
    const templates = configSchema.parse({ version: 1 }).canary.nameTemplates.join(' ');
    expect(templates).not.toMatch(/canary|honey|trap|decoy|token|bait|fake/i);
  });

  it('puts no tags on canary users by default', () => {
    expect(configSchema.parse({ version: 1 }).canary.tags).toEqual({});
  });
});

describe('ipContext', () => {
  it('defaults to the packaged data, the three clouds and the big hosting ASNs', () => {
    const c = configSchema.parse({ version: 1 }).ipContext;
    expect(c.enabled).toBe(true);
    expect(c.countryMmdb).toBeUndefined();
    expect(c.asnCsv).toEqual({});
    expect(c.cloudAsns).toEqual({
      aws: [16509, 14618],
      google: [15169, 396982],
      microsoft: [8075],
    });
    // DigitalOcean, OVH, Hetzner, Linode, Vultr, Contabo, Scaleway, M247, Leaseweb.
    expect(c.hostingAsns).toEqual(
      expect.arrayContaining([14061, 16276, 24940, 63949, 20473, 51167, 12876, 9009, 60781, 16265]),
    );
    expect(c.cacheSize).toBe(65536);
  });

  it('reports bad data paths, provider names and AS numbers with their paths', () => {
    const text = [
      'version: 1',
      'ipContext:',
      '  countryMmdb: true',
      '  asnCsv: { ipv5: x.csv }',
      '  cloudAsns: { hosting: [1], Oracle: [31898], oracle: [0] }',
      '  hostingAsns: [1.5]',
      '  cacheSize: 0',
    ].join('\n');
    expect(issuesOf(parseConfig(text, 'k.yaml')).map(formatConfigIssue)).toEqual([
      'ipContext.countryMmdb: expected a file path, or false to turn this source off (line 3)',
      'ipContext.asnCsv.ipv5: unknown key; expected one of: ipv4, ipv6 (line 4)',
      'ipContext.cloudAsns.hosting: invalid key: expected a lower-case provider name other than "hosting" (line 5)',
      'ipContext.cloudAsns.Oracle: invalid key: expected a lower-case provider name other than "hosting" (line 5)',
      'ipContext.cloudAsns.oracle[0]: expected an AS number from 1 to 4294967295 (line 5)',
      'ipContext.hostingAsns[0]: expected an AS number (a whole number) (line 6)',
      'ipContext.cacheSize: Too small: expected number to be >=1 (line 7)',
    ]);
  });
});

describe('loadConfig', () => {
  it('throws KS_CONFIG_READ for a missing file', () => {
    const missing = path.join(tmpdir(), 'keysnare-no-such-dir', 'keysnare.yaml');
    expect(() => loadConfig(missing)).toThrow(expect.objectContaining({ code: 'KS_CONFIG_READ' }));
  });

  it('reads and validates a file', () => {
    const result = loadConfig(tempFile('keysnare.yaml', 'version: 1\nactor: alice\n'));
    expect(result.ok && result.config.actor).toBe('alice');
  });

  it('throws KS_CONFIG_INVALID listing every issue as "path: message (line N)"', () => {
    const file = tempFile('keysnare.yaml', 'version: 1\ndetect:\n  workers: 0\nextra: 1\n');
    let thrown: unknown;
    try {
      loadConfigOrThrow(file);
    } catch (err) {
      thrown = err;
    }
    if (!isAppError(thrown, 'KS_CONFIG_INVALID')) throw new Error('expected KS_CONFIG_INVALID');
    expect(thrown.message).toBe(`invalid configuration in ${file}`);
    expect(thrown.lines).toEqual([
      'detect.workers: expected "auto" or an integer from 1 to 64 (line 3)',
      expect.stringMatching(/^extra: unknown key; expected one of: .* \(line 4\)$/),
    ]);
  });
});

describe('formatConfigPath', () => {
  it('writes keys with dots, indices in brackets and odd keys quoted', () => {
    expect(formatConfigPath(['canary', 'nameTemplates', 2])).toBe('canary.nameTemplates[2]');
    expect(formatConfigPath(['canary', 'tags', 'a.b'])).toBe('canary.tags["a.b"]');
    expect(formatConfigPath([])).toBe('');
  });
});

describe('configJsonSchema', () => {
  it('describes the input side, with defaults and no unknown keys allowed', () => {
    const schema = configJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
    };
    expect(schema.required).toEqual(['version']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.detect?.properties?.quietGapMinutes?.default).toBe(60);
    expect(schema.properties.canary?.properties?.nameTemplates?.default).toHaveLength(8);
  });
});

describe('rules: Sigma rule ids', () => {
  it('takes sigma.<id> entries with the shared options, refuses other unknown ids, and says so in the JSON Schema', () => {
    const parsed = configSchema.parse({
      version: 1,
      rules: { 'sigma.5160a000-0000-4000-8000-000000000001': { severity: 'low', enabled: false } },
    });
    expect(parsed.rules['sigma.5160a000-0000-4000-8000-000000000001']).toMatchObject({
      enabled: false,
      severity: 'low',
    });
    const bad = configSchema.safeParse({ version: 1, rules: { 'no.such-rule': {} } });
    expect(bad.success).toBe(false);
    const own = configSchema.safeParse({
      version: 1,
      rules: { 'sigma.x': { minKeys: 3 } },
    });
    expect(own.success).toBe(false);
    const rules = (
      configJsonSchema() as {
        properties: Record<string, { additionalProperties?: unknown; patternProperties?: object }>;
      }
    ).properties['rules'];
    expect(rules?.additionalProperties).toBe(false);
    expect(Object.keys(rules?.patternProperties ?? {})).toEqual(['^sigma\\.[\\w.:-]{1,200}$']);
  });
});
