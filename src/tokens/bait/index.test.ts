import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { isAppError } from '../../core/errors.js';
import { listProfiles, parseIni } from '../plant-ini.js';
import {
  ACCESS_KEY_ID_PATTERN,
  PROFILE_NAME_PATTERN,
  REGION_WEIGHTS,
  SECRET_ACCESS_KEY_PATTERN,
  pickProfileName,
  pickRegion,
  type BaitInput,
} from './bait.js';
import { baitFormats, findBaitFormat } from './index.js';

/** What a reader of the rendered file gets back. */
interface ReadBack {
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
}

function section(text: string, name: string): Record<string, string> {
  const found = parseIni(text).sections.filter((s) => s.name === name);
  expect(found).toHaveLength(1);
  return { ...found[0]!.values };
}

function readCredentials(text: string, input: BaitInput): ReadBack {
  const v = section(text, input.profile);
  expect(Object.keys(v).sort()).toEqual(['aws_access_key_id', 'aws_secret_access_key']);
  return { accessKeyId: v['aws_access_key_id']!, secretAccessKey: v['aws_secret_access_key']! };
}

function readShell(text: string): ReadBack {
  const script = `${text}\nprintf '%s\\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_DEFAULT_REGION"`;
  const [accessKeyId, secretAccessKey, region] = execFileSync('sh', ['-c', script], {
    encoding: 'utf8',
    env: {},
  }).split('\0');
  return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, region: region! };
}

function readDotenv(text: string): ReadBack {
  const env = parseEnv(text);
  return {
    accessKeyId: env['AWS_ACCESS_KEY_ID']!,
    secretAccessKey: env['AWS_SECRET_ACCESS_KEY']!,
    region: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION']!,
  };
}

/** The text with every double-quoted string emptied, to check bracket balance. */
function withoutStrings(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

/** HCL quoted strings are JSON strings with `$${` / `%%{` standing for `${` / `%{`. */
function readTerraform(text: string): ReadBack {
  expect(text.match(/^provider "aws" \{$/gm)).toHaveLength(1);
  const code = withoutStrings(text);
  expect(code.split('{').length).toBe(code.split('}').length);
  const attr = (name: string): string => {
    const m = new RegExp(`^\\s+${name}\\s+= ("(?:[^"\\\\]|\\\\.)*")$`, 'm').exec(text);
    return JSON.parse(m![1]!.replace(/([$%])\1\{/g, '$1{')) as string;
  };
  return {
    accessKeyId: attr('access_key'),
    secretAccessKey: attr('secret_key'),
    region: attr('region'),
  };
}

function readPython(text: string): ReadBack {
  expect(text.startsWith('import boto3\n')).toBe(true);
  const code = withoutStrings(text);
  expect(code.split('(').length).toBe(code.split(')').length);
  const kw: Record<string, string> = {};
  for (const m of text.matchAll(/^\s+(\w+)=("(?:[^"\\]|\\.)*"),$/gm)) {
    kw[m[1]!] = JSON.parse(m[2]!) as string;
  }
  return {
    accessKeyId: kw['aws_access_key_id']!,
    secretAccessKey: kw['aws_secret_access_key']!,
    region: kw['region_name']!,
  };
}

/** Parse with the TypeScript compiler: syntax errors fail, string properties are collected. */
function readJs(text: string): ReadBack {
  const out = ts.transpileModule(text, { reportDiagnostics: true, fileName: 'bait.js' });
  expect(out.diagnostics ?? []).toEqual([]);
  const file = ts.createSourceFile('bait.js', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const props: Record<string, string> = {};
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isStringLiteral(node.initializer)) {
      props[node.name.getText(file)] = node.initializer.text;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return {
    accessKeyId: props['accessKeyId']!,
    secretAccessKey: props['secretAccessKey']!,
    region: props['region']!,
  };
}

interface PostmanDoc {
  id: string;
  name: string;
  values: { key: string; value: string; type: string; enabled: boolean }[];
  _postman_variable_scope: string;
  _postman_exported_at: string;
}

function readPostman(text: string): ReadBack {
  const doc = JSON.parse(text) as PostmanDoc;
  expect(doc._postman_variable_scope).toBe('environment');
  expect(doc.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(Number.isNaN(Date.parse(doc._postman_exported_at))).toBe(false);
  for (const v of doc.values) {
    expect(Object.keys(v).sort()).toEqual(['enabled', 'key', 'type', 'value']);
    expect(['default', 'secret']).toContain(v.type);
    expect(v.enabled).toBe(true);
  }
  const secrets = doc.values.filter((v) => v.type === 'secret');
  expect(secrets).toHaveLength(1);
  const by = (re: RegExp): string => doc.values.find((v) => re.test(v.key))!.value;
  return {
    accessKeyId: by(/^(AWS_ACCESS_KEY_ID|accessKey|aws_access_key_id)$/),
    secretAccessKey: secrets[0]!.value,
    region: by(/^(AWS_REGION|region|aws_region)$/),
  };
}

interface Workflow {
  on: { push: { branches: string[] } };
  jobs: Record<string, { env: Record<string, string>; steps: { uses?: string; with?: object }[] }>;
}

function readWorkflow(text: string): ReadBack {
  const doc = parseYaml(text) as Workflow;
  const jobs = Object.values(doc.jobs);
  expect(jobs).toHaveLength(1);
  const job = jobs[0]!;
  const step = job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
  expect(step?.with).toEqual({
    'aws-access-key-id': '${{ env.AWS_ACCESS_KEY_ID }}',
    'aws-secret-access-key': '${{ env.AWS_SECRET_ACCESS_KEY }}',
    'aws-region': '${{ env.AWS_REGION }}',
  });
  return {
    accessKeyId: job.env['AWS_ACCESS_KEY_ID']!,
    secretAccessKey: job.env['AWS_SECRET_ACCESS_KEY']!,
    region: job.env['AWS_REGION']!,
  };
}

function readK8s(text: string): ReadBack {
  const doc = parseYaml(text) as {
    apiVersion: string;
    kind: string;
    type: string;
    metadata: { name: string };
    data: Record<string, string>;
  };
  expect([doc.apiVersion, doc.kind, doc.type]).toEqual(['v1', 'Secret', 'Opaque']);
  expect(doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  const decode = (k: string): string => {
    expect(doc.data[k]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    return Buffer.from(doc.data[k]!, 'base64').toString('utf8');
  };
  return {
    accessKeyId: decode('AWS_ACCESS_KEY_ID'),
    secretAccessKey: decode('AWS_SECRET_ACCESS_KEY'),
    region: decode('AWS_DEFAULT_REGION'),
  };
}

/** How each format is read back, as a tool (or attacker) consuming the file would. */
const READERS: Record<string, (text: string, input: BaitInput) => ReadBack> = {
  credentials: readCredentials,
  config: (text, input) => {
    expect(listProfiles(text, 'config')).toEqual([input.profile]);
    const name = input.profile === 'default' ? 'default' : `profile ${input.profile}`;
    const v = section(text, name);
    expect(['json', 'yaml', 'text']).toContain(v['output']);
    return {
      accessKeyId: input.accessKeyId,
      secretAccessKey: input.secretAccessKey,
      region: v['region']!,
    };
  },
  env: readShell,
  dotenv: readDotenv,
  terraform: readTerraform,
  python: readPython,
  js: readJs,
  postman: readPostman,
  'github-actions': readWorkflow,
  'k8s-secret': readK8s,
};

const input: fc.Arbitrary<BaitInput> = fc.record(
  {
    accessKeyId: fc.stringMatching(ACCESS_KEY_ID_PATTERN),
    secretAccessKey: fc.stringMatching(SECRET_ACCESS_KEY_PATTERN),
    region: fc.constantFrom(...REGION_WEIGHTS.map(([r]) => r)),
    profile: fc.oneof(fc.constant('default'), fc.stringMatching(PROFILE_NAME_PATTERN)),
    userName: fc.stringMatching(/^[\w+=,.@-]{1,64}$/),
    seed: fc.string({ minLength: 1 }),
  },
  { requiredKeys: ['accessKeyId', 'secretAccessKey', 'region', 'profile', 'seed'] },
);

const SAMPLE: BaitInput = {
  accessKeyId: 'AKIAY34FZKBOKMUTVV7A',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY${HOME}#x;y%{z}$$',
  region: 'eu-west-1',
  profile: 'billing',
  seed: 'tok_abcdefabcdef',
};

describe('baitFormats registry', () => {
  it('has unique ids, each in a file named after it, each with a reader in this test', () => {
    const ids = baitFormats.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(existsSync(fileURLToPath(new URL(`./${id}.ts`, import.meta.url)))).toBe(true);
      expect(READERS[id]).toBeDefined();
    }
    expect(Object.keys(READERS).sort()).toEqual([...ids].sort());
  });

  it('finds a format by id and lists the known ones for an unknown id', () => {
    expect(findBaitFormat('dotenv').id).toBe('dotenv');
    try {
      findBaitFormat('ini');
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(isAppError(err, 'KS_BAIT_FORMAT')).toBe(true);
      expect((err as Error).message).toContain('credentials, config, env');
    }
  });
});

describe.each(baitFormats.map((f) => [f.id, f] as const))('bait format %s', (id, format) => {
  const read = READERS[id]!;

  it('renders syntactically valid output whose keys read back exactly', () => {
    fc.assert(
      fc.property(input, (i) => {
        const back = read(format.render(i), i);
        expect(back.accessKeyId).toBe(i.accessKeyId);
        expect(back.secretAccessKey).toBe(i.secretAccessKey);
        if (back.region !== undefined) expect(back.region).toBe(i.region);
      }),
      { numRuns: id === 'env' ? 40 : 100 },
    );
  });

  it('survives secrets with shell, template and comment characters', () => {
    const back = read(format.render(SAMPLE), SAMPLE);
    expect(back.secretAccessKey).toBe(SAMPLE.secretAccessKey);
  });

  it('renders the same bait for the same token, and varied bait across tokens', () => {
    expect(format.render(SAMPLE)).toBe(format.render({ ...SAMPLE }));
    const many = new Set(
      Array.from({ length: 60 }, (_, n) => {
        const seed = `tok_${n}`;
        return format.render({
          ...SAMPLE,
          seed,
          profile: pickProfileName(seed),
          region: pickRegion(seed),
        });
      }),
    );
    expect(many.size).toBeGreaterThan(10);
  });

  it('carries no words that give the trap away', () => {
    for (let n = 0; n < 50; n++) {
      const text = format.render({ ...SAMPLE, seed: `s${n}`, profile: pickProfileName(`s${n}`) });
      expect(text).not.toMatch(/canary|honey|decoy|keysnare|bait|trap/i);
    }
  });

  it.each([['prod]\n[evil'], ['prod]'], ['a\nb'], ['[x']])(
    'refuses the hostile profile name %j with KS_BAIT_INPUT',
    (profile) => {
      expect(() => format.render({ ...SAMPLE, profile })).toThrow(
        expect.objectContaining({ code: 'KS_BAIT_INPUT' }),
      );
    },
  );

  it('refuses a secret that would break out of its quoting', () => {
    for (const secretAccessKey of [
      'abcdefghijklmnop"\nx',
      "abcdefghijklmnop'x",
      'abcdefghijklmnop\\x',
    ]) {
      expect(() => format.render({ ...SAMPLE, secretAccessKey })).toThrow(
        expect.objectContaining({ code: 'KS_BAIT_INPUT' }),
      );
    }
  });
});

describe('credentials and config keep the real split', () => {
  it('never puts region or output in the credentials file (the canarytokens tell)', () => {
    const text = findBaitFormat('credentials').render(SAMPLE);
    expect(text).not.toMatch(/region|output/);
    expect(text.startsWith('[billing]\n')).toBe(true);
  });

  it('writes [profile NAME] in config, and [default] for the default profile', () => {
    const config = findBaitFormat('config');
    expect(config.render(SAMPLE).split('\n')[0]).toBe('[profile billing]');
    expect(config.render({ ...SAMPLE, profile: 'default' }).split('\n')[0]).toBe('[default]');
  });

  it('varies config output across tokens instead of always json', () => {
    const outputs = new Set(
      Array.from({ length: 80 }, (_, n) =>
        section(findBaitFormat('config').render({ ...SAMPLE, seed: `t${n}` }), 'profile billing'),
      ).map((v) => v['output']),
    );
    expect(outputs).toEqual(new Set(['json', 'yaml', 'text']));
  });
});

describe('dotenv', () => {
  it('sets a few ordinary non-secret neighbours beside the keys', () => {
    const env = parseEnv(findBaitFormat('dotenv').render(SAMPLE));
    const others = Object.keys(env).filter((k) => !k.startsWith('AWS_'));
    expect(others.length).toBeGreaterThanOrEqual(2);
    for (const k of others) expect(k).toMatch(/^(APP_ENV|NODE_ENV|LOG_LEVEL|PORT|TZ|APP_NAME)$/);
  });
});

describe('k8s-secret', () => {
  it('varies the secret name across tokens', () => {
    const names = new Set(
      Array.from(
        { length: 60 },
        (_, n) =>
          /name: (\S+)/.exec(
            findBaitFormat('k8s-secret').render({ ...SAMPLE, seed: `k${n}` }),
          )?.[1],
      ),
    );
    expect(names.size).toBeGreaterThan(3);
  });
});
