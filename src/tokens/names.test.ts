import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import {
  DEFAULT_NAME_TEMPLATES,
  DEFAULT_NAME_VOCABULARY,
  TELL_WORDS,
  checkNameTemplate,
  findRandomLooking,
  findTells,
  generateUserName,
  isValidIamUserName,
} from './names.js';

const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
const none: ReadonlySet<string> = new Set();

function generate(seed: string, taken: ReadonlySet<string> = none): string {
  return generateUserName({ templates: DEFAULT_NAME_TEMPLATES, seed, taken });
}

describe('generateUserName', () => {
  it('gives 1,000 seeds valid, tell-free, varied names', () => {
    const names = Array.from({ length: 1000 }, (_, i) => generate(`seed-${i}`));
    for (const name of names) {
      expect(name).toMatch(IAM_NAME);
      expect(findTells(name)).toEqual([]);
      expect(findRandomLooking(name)).toEqual([]);
    }
    expect(new Set(names).size).toBeGreaterThanOrEqual(300);
  });

  it('is deterministic for a seed', () => {
    expect(generate('placement-build-7')).toBe(generate('placement-build-7'));
  });

  it('avoids taken names case-insensitively', () => {
    const first = generate('x');
    const second = generate('x', new Set([first.toLowerCase()]));
    expect(second.toLowerCase()).not.toBe(first.toLowerCase());
  });

  it('keeps producing unique names as the account fills up', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const name = generate(`fill-${i}`, taken);
      expect(taken.has(name.toLowerCase())).toBe(false);
      taken.add(name.toLowerCase());
    }
  });

  it('appends a plausible suffix as a last resort', () => {
    const name = generateUserName({
      templates: ['backup-agent'],
      seed: 's',
      taken: new Set(['backup-agent']),
    });
    expect(name).toBe('backup-agent-2');
  });

  it('fails with KS_NAME_TEMPLATE when every candidate is taken', () => {
    const taken = new Set([
      'backup-agent',
      ...Array.from({ length: 98 }, (_, i) => `backup-agent-${i + 2}`),
    ]);
    expect(() => generateUserName({ templates: ['backup-agent'], seed: 's', taken })).toThrow(
      expect.objectContaining({ code: 'KS_NAME_TEMPLATE' }),
    );
  });

  it('refuses templates that hold tell words or unknown placeholders', () => {
    try {
      generateUserName({ templates: ['canary-{service}'], seed: 's', taken: none });
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'KS_NAME_TEMPLATE')).toBe(true);
      expect((err as Error).message).toContain('canary');
    }
  });

  it('skips unusable templates and uses the good ones', () => {
    const name = generateUserName({
      templates: ['{bogus}-x', 'honey-{env}', 'svc-{service}-{env}'],
      seed: 's',
      taken: none,
    });
    expect(name).toMatch(/^svc-[a-z]+-[a-z]+$/);
  });

  it('ignores vocabulary words that are invalid or tell-tale', () => {
    const vocab = { services: ['honeypot', 'bad name!', 'ledger2', 'a1b2c3d4e5f6'] };
    for (let i = 0; i < 50; i++) {
      const name = generateUserName({
        templates: ['svc-{service}'],
        seed: `${i}`,
        taken: none,
        vocab,
      });
      expect(name).toBe('svc-ledger2');
    }
  });

  it('falls back to the built-in words when a vocabulary list has nothing usable', () => {
    const name = generateUserName({
      templates: ['{env}-ops'],
      seed: 'q',
      taken: none,
      vocab: { envs: ['canary'] },
    });
    expect(DEFAULT_NAME_VOCABULARY.envs.map((e) => `${e}-ops`)).toContain(name);
  });

  it('always yields a valid IAM user name for any seed', () => {
    fc.assert(
      fc.property(fc.string(), (seed) => {
        expect(isValidIamUserName(generate(seed))).toBe(true);
      }),
    );
  });
});

describe('built-in vocabulary and templates', () => {
  it('hold no tells and no invalid characters', () => {
    const words = Object.values(DEFAULT_NAME_VOCABULARY).flat() as string[];
    for (const word of words) {
      expect(findTells(word), word).toEqual([]);
      expect(findRandomLooking(word), word).toEqual([]);
      expect(word).toMatch(IAM_NAME);
    }
    for (const template of DEFAULT_NAME_TEMPLATES) expect(checkNameTemplate(template)).toEqual([]);
  });
});

describe('checkNameTemplate', () => {
  it('reports each kind of problem', () => {
    expect(checkNameTemplate('{team}-{bogus}')).toEqual(['unknown placeholder {bogus}']);
    expect(checkNameTemplate('svc {service}')[0]).toContain('characters IAM');
    expect(checkNameTemplate('decoy-{env}')[0]).toContain('decoy');
    expect(checkNameTemplate('svc-{env}-deadbeef42')[0]).toContain('random-looking');
    expect(checkNameTemplate('')).toContain('is empty');
  });
});

describe('findTells', () => {
  it.each([
    ['canarytokens.com@@abc123', ['canary', 'canarytoken']],
    ['thumper-canary-7', ['canary', 'thumper']],
    ['HoneyPotUser', ['honey', 'honeypot']],
    ['api-token-rotator', ['token']],
    ['ApiTokenRotator', ['token']],
    ['SNMP_TRAPS', ['trap']],
    ['ggcanary-prod', ['canary', 'ggcanary']],
    ['svc-keysnare', ['keysnare']],
  ])('finds the tells in %s', (text, tells) => {
    expect(findTells(text)).toEqual(tells);
  });

  it.each(['bootstrap-runner', 'tokenizer-svc', 'svc-billing-prod', 'fakerjs-seed', 'baiting'])(
    'does not read a short tell inside another word: %s',
    (text) => {
      expect(findTells(text)).toEqual([]);
    },
  );

  it('exports every tell it knows', () => {
    expect(TELL_WORDS).toEqual(
      expect.arrayContaining(['canary', 'honeytoken', 'spacecrab', 'tracebit']),
    );
  });
});

describe('findRandomLooking', () => {
  it.each([
    ['0f8fad5b-d9cb-469f-a165-70867728950e', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['user-a1b2c3d4e5', 'a1b2c3d4e5'],
    ['tok_abcdefghijkl', 'tok_abcdefghijkl'],
    ['svc-x7k2p9qz', 'x7k2p9qz'],
    ['worker-4839201', '4839201'],
    ['svc-qzxkvbwt', 'qzxkvbwt'],
  ])('flags %s', (text, fragment) => {
    expect(findRandomLooking(text)).toContain(fragment);
  });

  it.each([
    'svc-billing-prod',
    'ci-deploy-web-frontend',
    's3-backup-2024',
    'ec2-worker-12',
    'deadbeef',
  ])('leaves ordinary names alone: %s', (text) => {
    expect(findRandomLooking(text)).toEqual([]);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(Array.isArray(findRandomLooking(text))).toBe(true);
        expect(Array.isArray(findTells(text))).toBe(true);
      }),
    );
  });
});
