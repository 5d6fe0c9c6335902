/**
 * Realistic IAM user names for canaries, and the lexical "tells" that give a canary away
 * (reference/landscape.md §D4, §e items 1–2). Names are filled from templates such as
 * `svc-{service}-{env}`; they are deterministic for a seed, unique case-insensitively against the
 * names already in the account, and never contain tell words or random-looking strings.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.js';

/** Words that fill a name template's placeholders. */
export interface NameVocabulary {
  readonly teams: readonly string[];
  readonly services: readonly string[];
  readonly envs: readonly string[];
  readonly repos: readonly string[];
}

/** The built-in vocabulary: words ordinary service accounts are named with. */
export const DEFAULT_NAME_VOCABULARY: NameVocabulary = {
  teams: ['platform', 'data', 'infra', 'sre', 'devops', 'ops', 'core', 'backend', 'web', 'mobile'],
  services: [
    'billing',
    'payments',
    'reporting',
    'etl',
    'backup',
    'analytics',
    'search',
    'media',
    'notifications',
    'ledger',
    'invoicing',
    'exports',
    'ingest',
    'metrics',
    'sync',
    'scheduler',
    'mailer',
    'crm',
    'warehouse',
    'thumbnails',
    'uploads',
    'archive',
    'checkout',
    'orders',
    'inventory',
    'pricing',
    'webhooks',
    'assets',
    'images',
    'logs',
    'cdn',
    'dns',
  ],
  envs: ['prod', 'production', 'staging', 'prd', 'live', 'ops', 'stg', 'uat', 'shared', 'main'],
  repos: [
    'api-gateway',
    'web-frontend',
    'data-pipeline',
    'mobile-backend',
    'billing-service',
    'infra-live',
    'terraform-modules',
    'admin-portal',
    'checkout-api',
    'etl-jobs',
    'ml-platform',
    'customer-portal',
    'docs-site',
    'marketing-site',
    'auth-service',
    'order-service',
  ],
};

/** Name templates that look like the service accounts real organisations create. */
export const DEFAULT_NAME_TEMPLATES: readonly string[] = [
  'svc-{service}-{env}',
  '{service}-{env}',
  'ci-deploy-{repo}',
  '{team}-{service}',
  '{team}-{service}-{env}',
  '{service}-{env}-{n}',
  '{repo}-{env}',
  'gh-actions-{repo}',
  '{service}-sync-{env}',
  '{team}-automation',
  '{service}-worker-{n}',
  'terraform-{team}-{env}',
  's3-{service}-{env}',
];

/**
 * Words that make an attacker suspect a canary. The short, common ones (see
 * {@link findTells}) only count as whole words so that `bootstrap` is not read as `trap`.
 */
export const TELL_WORDS: readonly string[] = [
  'canary',
  'canaries',
  'canarytoken',
  'honey',
  'honeytoken',
  'honeypot',
  'trap',
  'decoy',
  'token',
  'bait',
  'fake',
  'lure',
  'dummy',
  'tripwire',
  'deception',
  'spacecrab',
  'spacesiren',
  'ggcanary',
  'thumper',
  'tracebit',
  'keysnare',
];

const WHOLE_WORD_TELLS: ReadonlySet<string> = new Set([
  'trap',
  'token',
  'bait',
  'fake',
  'lure',
  'dummy',
]);

/**
 * The tell words found in `text`, case-insensitively, in {@link TELL_WORDS} order. Whole-word tells
 * match at word boundaries (separators, camelCase, digits) with an optional plural `s`; the rest
 * match anywhere.
 *
 * @example
 * findTells('canarytokens.com@@x') // ['canary', 'canarytoken']
 */
export function findTells(text: string): string[] {
  const lower = text.toLowerCase();
  const words = new Set(
    text
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter((w) => w !== ''),
  );
  return TELL_WORDS.filter((tell) =>
    WHOLE_WORD_TELLS.has(tell) ? words.has(tell) || words.has(`${tell}s`) : lower.includes(tell),
  );
}

const UUID = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/gi;
const HEX_RUN = /[0-9a-f]{8,}/gi;
const DIGIT_RUN = /\d{6,}/g;
const REGISTRY_ID = /tok_[a-z2-7]{6,}/gi;
const CONSONANT_RUN = /[bcdfghjklmnpqrstvwxz]{6,}/gi;

function isRandomSegment(segment: string): boolean {
  if (segment.length < 8) return false;
  const digits = (segment.match(/\d/g) ?? []).length;
  const letters = (segment.match(/[a-z]/gi) ?? []).length;
  const switches = (segment.match(/(?:[a-z]\d|\d[a-z])/gi) ?? []).length;
  return digits >= 2 && letters >= 2 && switches >= 3;
}

/**
 * Fragments of `text` that look machine-generated: UUIDs, long hex, long digit runs, registry ids
 * (`tok_…`), unpronounceable consonant runs and letter/digit jumbles. Real service-account names
 * have none of these; canaries from several tools do.
 */
export function findRandomLooking(text: string): string[] {
  const found = new Set<string>();
  for (const re of [UUID, REGISTRY_ID, DIGIT_RUN, CONSONANT_RUN]) {
    for (const m of text.matchAll(re)) found.add(m[0]);
  }
  for (const m of text.matchAll(HEX_RUN)) {
    if (m[0].length >= 12 || /\d/.test(m[0])) found.add(m[0]);
  }
  for (const segment of text.split(/[^a-z0-9]+/i)) {
    if (isRandomSegment(segment)) found.add(segment);
  }
  return [...found];
}

const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
const PLACEHOLDER = /\{(\w*)\}/g;
const PLACEHOLDERS: ReadonlySet<string> = new Set(['team', 'service', 'env', 'repo', 'n']);

/** True when `name` is a valid IAM user name (1–64 chars of `[\w+=,.@-]`). */
export function isValidIamUserName(name: string): boolean {
  return IAM_USER_NAME.test(name);
}

/**
 * Problems with a name template, empty when it is usable: unknown placeholders, characters IAM
 * refuses, tell words in its fixed text. Config validation reports these with the template's path.
 */
export function checkNameTemplate(template: string): string[] {
  const problems: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!PLACEHOLDERS.has(m[1] ?? '')) problems.push(`unknown placeholder ${m[0]}`);
  }
  const literal = template.replace(PLACEHOLDER, '');
  if (template.trim() === '') problems.push('is empty');
  if (!/^[\w+=,.@-]*$/.test(literal)) {
    problems.push(
      'contains characters IAM user names cannot hold (allowed: letters, digits, _+=,.@-)',
    );
  }
  const tells = findTells(literal);
  if (tells.length > 0) problems.push(`contains tell-tale words: ${tells.join(', ')}`);
  const random = findRandomLooking(literal);
  if (random.length > 0) problems.push(`contains random-looking text: ${random.join(', ')}`);
  if (literal.length > 48) problems.push('fixed text is too long for a 64-character user name');
  return problems;
}

/** Options for {@link generateUserName}. */
export interface GenerateUserNameOptions {
  readonly templates: readonly string[];
  /** Any string; the same seed gives the same name. */
  readonly seed: string;
  /** Existing user names in the account, lower-cased. */
  readonly taken: ReadonlySet<string>;
  /** Words replacing the built-in ones per placeholder; unusable words are ignored. */
  readonly vocab?: Partial<NameVocabulary>;
}

type Random = () => number;

/** A small seeded generator (sfc32) keyed by SHA-256 of the seed, so any string is a good seed. */
function seededRandom(seed: string): Random {
  const digest = createHash('sha256').update(seed).digest();
  let a = digest.readUInt32BE(0);
  let b = digest.readUInt32BE(4);
  let c = digest.readUInt32BE(8);
  let d = digest.readUInt32BE(12);
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

function pick<T>(items: readonly T[], random: Random): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new AppError('KS_INTERNAL', { reason: 'pick from an empty list' });
  return item;
}

/** True when `name` is a valid IAM user name with no tells and nothing random-looking. */
function isPlausibleName(name: string): boolean {
  return (
    isValidIamUserName(name) && findTells(name).length === 0 && findRandomLooking(name).length === 0
  );
}

function usableWords(
  words: readonly string[] | undefined,
  fallback: readonly string[],
): readonly string[] {
  const usable = (words ?? []).filter(
    (w) => w.length <= 32 && /^[a-z0-9]/i.test(w) && isPlausibleName(w),
  );
  return usable.length > 0 ? usable : fallback;
}

function mergeVocabulary(vocab: Partial<NameVocabulary> | undefined): NameVocabulary {
  const d = DEFAULT_NAME_VOCABULARY;
  return {
    teams: usableWords(vocab?.teams, d.teams),
    services: usableWords(vocab?.services, d.services),
    envs: usableWords(vocab?.envs, d.envs),
    repos: usableWords(vocab?.repos, d.repos),
  };
}

function fill(template: string, vocab: NameVocabulary, random: Random): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => {
    switch (name) {
      case 'team':
        return pick(vocab.teams, random);
      case 'service':
        return pick(vocab.services, random);
      case 'env':
        return pick(vocab.envs, random);
      case 'repo':
        return pick(vocab.repos, random);
      default:
        // {n}: a small number like real numbered workers; 1–99.
        return String(1 + Math.floor(random() * 99));
    }
  });
}

const ATTEMPTS = 200;

function withSuffix(candidates: readonly string[], taken: ReadonlySet<string>): string | undefined {
  for (const base of candidates) {
    for (let k = 2; k <= 99; k++) {
      const name = `${base.slice(0, 64 - String(k).length - 1)}-${k}`;
      if (isPlausibleName(name) && !taken.has(name.toLowerCase())) return name;
    }
  }
  return undefined;
}

/**
 * A realistic IAM user name from `templates`, deterministic for `seed`, not in `taken`
 * (case-insensitively). Tries other picks first; as a last resort appends `-2`, `-3`, ….
 *
 * @throws AppError KS_NAME_TEMPLATE when no template is usable or every candidate is taken.
 * @example
 * generateUserName({ templates: ['svc-{service}-{env}'], seed: 'a', taken: new Set() }) // 'svc-ledger-prd'
 */
export function generateUserName(opts: GenerateUserNameOptions): string {
  const templates = opts.templates.filter((t) => checkNameTemplate(t).length === 0);
  if (templates.length === 0) {
    const first = opts.templates[0];
    const reason =
      first === undefined
        ? 'no name templates configured'
        : `template "${first}" ${checkNameTemplate(first).join('; ')}`;
    throw new AppError('KS_NAME_TEMPLATE', { reason });
  }
  const vocab = mergeVocabulary(opts.vocab);
  const random = seededRandom(opts.seed);
  const candidates: string[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    const name = fill(pick(templates, random), vocab, random);
    if (!isPlausibleName(name)) continue;
    if (!opts.taken.has(name.toLowerCase())) return name;
    if (candidates.length < 8 && !candidates.includes(name)) candidates.push(name);
  }
  const suffixed = withSuffix(candidates, opts.taken);
  if (suffixed !== undefined) return suffixed;
  throw new AppError('KS_NAME_TEMPLATE', {
    reason: 'every name the templates can produce is already taken; add templates or vocabulary',
  });
}
