/**
 * The pre-filter, derived from the enabled rules: which files can be passed over without parsing,
 * and which records need not be normalized. It is built from two things only — the canary
 * identifiers (for canary-only rules) and the other rules' selectors — so a new rule edits no
 * pipeline code. It may let through records no rule matches; it never passes over one a rule
 * would match (a property test pins it to the full parse).
 */
import type { Token, TokenFact } from '../core/index.js';
import type { Rule } from '../detect/index.js';
import { anyOfWords } from '../core/index.js';
import type { Mention } from '../detect/index.js';
import { isCanaryOnly, userAgentPattern } from '../detect/index.js';
import { deniedTarget } from '../normalize/index.js';
import type { Bloom } from './bloom.js';
import { bloomAdd, bloomHas, createBloom } from './bloom.js';

/** Canary identifiers prepared for fast text and record checks. */
export interface Needles {
  /** Key ids and principal ids (case-sensitive). */
  readonly ids: ReadonlySet<string>;
  /** IAM user names, lower-cased. */
  readonly names: ReadonlySet<string>;
  readonly idPattern: RegExp;
  /** What a later pass may learn besides session keys, so parsed records add it to their file's Bloom filter. */
  readonly learnable: Learnable;
}

/**
 * Canary identifiers a later pass may learn besides session keys (ASIA…, always learnable):
 * principal ids when some token lacks one, user names when some token lacks one.
 */
export interface Learnable {
  readonly principalIds: boolean;
  readonly names: boolean;
}

/** Everything learnable: for callers that know nothing of the tokens. */
const LEARN_EVERYTHING: Learnable = { principalIds: true, names: true };

/** One non-canary rule's selector, ready for raw records. */
interface RawSelector {
  readonly names?: ReadonlySet<string>;
  readonly sources?: ReadonlySet<string>;
  /** Names and sources compare without case (given in lower case). */
  readonly anyCase?: boolean;
  readonly failed?: boolean;
  /** `userAgentContains` as one case-insensitive pattern. */
  readonly agents?: RegExp;
  /** `mentions`: not tested on a parsed record (the record is then read). */
  readonly mentions?: boolean;
}

/**
 * A rule the reader takes as a conjunction (`selector.anyCase`, Sigma rules): a record is read for
 * it when its event source is one of `sources` (lower case; any when absent) and, when it has
 * mentions, one of its own mentions is found in the part of the record it names. Its event names
 * index it ({@link Conjuncts}).
 */
export interface Conjunct {
  readonly sources?: ReadonlySet<string>;
  /** Its bit in the mention masks ({@link Conjuncts}); -1: no mentions (pins only). */
  readonly bit: number;
  /** The parts it has mentions in: {@link IDENTITY_PART}, {@link AGENT_PART}, {@link NAME_PART}. */
  readonly parts: number;
  /**
   * Its mentions anywhere in the record, tested on the record's text only once its names and
   * sources hold (a scan of every file for them would cost more than the records it spares).
   */
  readonly record?: RegExp;
}

/** Bits of {@link Conjunct.parts}. */
export const IDENTITY_PART = 1;
export const AGENT_PART = 2;
export const NAME_PART = 4;

/** Rules with mentions that get a bit of their own; any further one is read on its pins alone. */
export const MENTION_BITS = 30;

/** One rule's mentions in one part of the record: case-insensitive, Unicode case folding. */
export interface MentionPattern {
  readonly mask: number;
  readonly pattern: RegExp;
}

/**
 * The conjunct rules by lower-cased event name, and those taking any name, with each rule's
 * mentions per part of the record. A part's mask says which rules' mentions it holds.
 */
export interface Conjuncts {
  readonly byName: ReadonlyMap<string, readonly Conjunct[]>;
  readonly anyName: readonly Conjunct[];
  readonly identity: readonly MentionPattern[];
  readonly userAgent: readonly MentionPattern[];
  readonly eventName: readonly MentionPattern[];
  /** Event names as written → their conjunct rules (a cache the reader fills). */
  readonly nameCache: Map<string, readonly Conjunct[]>;
}

/** The mask of the rules whose pattern is found in `text`. */
export function mentionMask(patterns: readonly MentionPattern[], text: string): number {
  let mask = 0;
  for (const p of patterns) if (p.pattern.test(text)) mask |= p.mask;
  return mask;
}

/** Selector parts looked for in unparsed text ({@link recordsToRead}). */
export interface TextSelectors {
  readonly eventNames: ReadonlySet<string>;
  readonly eventSources: ReadonlySet<string>;
  /** The rules taken as conjunctions (Sigma rules); null when there are none. */
  readonly conjuncts: Conjuncts | null;
  /** True when a rule selects failed events (those with an `errorCode`). */
  readonly failed: boolean;
  /** Case-insensitive, tested on each `userAgent` value; null when no rule selects by user agent. */
  readonly agents: RegExp | null;
}

/** What the reader may skip, for the enabled rules and the canaries known. */
export interface Prefilter {
  /** Canary identifiers, when a canary-only rule is enabled; null otherwise. */
  readonly needles: Needles | null;
  /** Selectors of the enabled rules that are not canary-only. */
  readonly selectors: readonly RawSelector[];
  /**
   * Strings one of which any file a non-canary rule may match must contain (case-insensitive);
   * null when such a rule may match any event, so no file can be passed over for it.
   */
  readonly probe: RegExp | null;
  /** True when every enabled rule is canary-only (the probe is then never tried). */
  readonly canaryRulesOnly: boolean;
  /**
   * The other rules' most selective parts, for finding records in unparsed text: event names and
   * sources (compared with each record's `eventName` / `eventSource` value) and user-agent words
   * (one case-insensitive pattern). Null when such a rule may match any event.
   */
  readonly words: TextSelectors | null;
  /**
   * Where a rule may match an event that only names a canary user (in the request or a denial),
   * not made by one: `none` when every canary rule is `canary: 'actor'`, the event sources of
   * those rules, or `everywhere` when one of them takes any source.
   */
  readonly named: 'none' | 'everywhere' | ReadonlySet<string>;
  /**
   * What the first-seen rules need (`selector.earliestPer`): the earliest record, per principal
   * and UTC day, of each API and/or each source IP. Null when no such rule is enabled.
   */
  readonly earliest: { readonly api: boolean; readonly sourceIp: boolean } | null;
}

const NAME_PATTERN = /userName\\?"\s*:\s*\\?"([^"\\]{1,128})/g;
/** The user a denied IAM call was about, in raw text: a superset of normalize's parser. */
export const DENIED_TARGET_TEXT =
  /on resource: (?:user |arn:aws[\w-]*:iam::\d{12}:user\/(?:[\x21-\x7e]*?\/)?)([\w+=,.@-]{1,64})/g;

/**
 * What events may teach besides session keys: the principal id or user name of a canary user whose
 * token lacks it (learned facts are session keys, and a canary user's ids and names; see
 * detect/canary-index.ts).
 */
export function learnableFrom(tokens: readonly Token[]): Learnable {
  return {
    principalIds: tokens.some((t) => t.principalId === undefined),
    names: tokens.some((t) => t.userName === undefined),
  };
}

/**
 * Can a file whose Bloom filter is `b` hold `needle`, a canary identifier learned after it was
 * read? A parsed file's filter holds only the learnable kinds, so anything else is assumed to be
 * anywhere (a text-scanned file's filter holds every identifier, a superset).
 */
export function mayHoldLearned(b: Bloom, needle: string, learnable: Learnable): boolean {
  const kept = ID_SHAPE.test(needle)
    ? needle.startsWith('ASIA') || learnable.principalIds
    : learnable.names;
  return kept ? bloomHas(b, needle) : true;
}

const ID_SHAPE = /^A[A-Z]{3}[A-Z0-9]{12,124}$/;

/**
 * Add the identifiers learned facts make canary needles (session and previous keys, principal
 * ids, user names: what `CanaryIndex.needles()` lists), so files read from now on are read
 * knowing them. Mutates `n`.
 */
export function addFactNeedles(n: Needles, facts: readonly TokenFact[]): void {
  const ids = n.ids as Set<string>;
  const names = n.names as Set<string>;
  for (const f of facts) {
    if (f.kind === 'session-key' || f.kind === 'previous-key' || f.kind === 'principal-id') {
      if (!ID_SHAPE.test(f.value)) names.add(f.value.toLowerCase());
      else if (!ids.has(f.value)) {
        ids.add(f.value);
        const prefix = f.value.slice(0, 4);
        if (!n.idPattern.source.includes(prefix)) {
          const all = new Set([...n.idPattern.source.matchAll(/[A-Z]{4}/g)].map((m) => m[0]));
          all.add(prefix);
          (n as { idPattern: RegExp }).idPattern = new RegExp(
            `(?:${[...all].sort().join('|')})[A-Z0-9]{12,124}`,
            'g',
          );
        }
      }
    } else if (f.kind === 'user-name') names.add(f.value.toLowerCase());
  }
}

/** Split identifier strings into ids (AKIA…/AIDA…) and names, and build the id scanner. */
export function prepareNeedles(
  values: Iterable<string>,
  learnable: Learnable = LEARN_EVERYTHING,
): Needles {
  const ids = new Set<string>();
  const names = new Set<string>();
  const prefixes = new Set<string>();
  for (const v of values) {
    if (ID_SHAPE.test(v)) {
      ids.add(v);
      prefixes.add(v.slice(0, 4));
    } else {
      names.add(v.toLowerCase());
    }
  }
  for (const p of ['AKIA', 'ASIA', 'AIDA']) prefixes.add(p);
  const idPattern = new RegExp(`(?:${[...prefixes].sort().join('|')})[A-Z0-9]{12,124}`, 'g');
  return { ids, names, idPattern, learnable };
}

/**
 * The pre-filter for `rules` (the enabled ones) and the canary identifiers known, or null when
 * nothing may be skipped (the caller turned it off).
 */
export function buildPrefilter(
  rules: readonly Rule[],
  canaryIds: Iterable<string>,
  learnable: Learnable = LEARN_EVERYTHING,
): Prefilter {
  const canaryRules = rules.filter(isCanaryOnly);
  const others = rules.filter((r) => !isCanaryOnly(r));
  // Each other rule's most selective strings; a rule with none may match any event. First-seen
  // rules (`earliestPer`) take every event, but only the earliest of each kind per principal and
  // day: the record choice finds those itself (record-choice.ts), so they leave the others'
  // words selective, while no file can be passed over whole.
  const earliestRules = others.filter((r) => r.selector.earliestPer !== undefined);
  const selective = others.filter((r) => r.selector.earliestPer === undefined);
  const selectors = selective.map((r): RawSelector => {
    const s = r.selector;
    return {
      ...(s.eventNames ? { names: new Set(s.eventNames) } : {}),
      ...(s.eventSources ? { sources: new Set(s.eventSources) } : {}),
      ...(s.anyCase ? { anyCase: true } : {}),
      ...(s.userAgentContains ? { agents: userAgentPattern(s.userAgentContains) } : {}),
      ...(s.failed ? { failed: true } : {}),
      ...(s.mentions && !s.eventNames && !s.eventSources ? { mentions: true } : {}),
    };
  });
  // Each rule's most selective strings, for the file probe.
  const words = selective.map((r) => {
    const s = r.selector;
    return (
      s.userAgentContains ??
      s.eventNames ??
      s.eventSources ??
      s.mentions?.map((m) => m.text) ??
      (s.failed ? ['errorCode'] : undefined)
    );
  });
  const everyEvent = words.some((w) => w === undefined);
  const eventNames = new Set<string>();
  const eventSources = new Set<string>();
  const agents = new Set<string>();
  let failed = false;
  const conjunct: Rule[] = [];
  for (const r of selective) {
    const s = r.selector;
    if (s.anyCase) conjunct.push(r);
    else if (s.userAgentContains) for (const w of s.userAgentContains) agents.add(w);
    else if (s.eventNames) for (const w of s.eventNames) eventNames.add(w);
    else if (s.eventSources) for (const w of s.eventSources) eventSources.add(w);
    else if (s.failed) failed = true;
  }
  const text: TextSelectors = {
    eventNames,
    eventSources,
    agents: agents.size > 0 ? userAgentPattern([...agents]) : null,
    conjuncts: conjunct.length > 0 ? conjunctsOf(conjunct) : null,
    failed,
  };
  const naming = canaryRules.filter((r) => r.selector.canary === true);
  const named =
    naming.length === 0
      ? 'none'
      : naming.some((r) => !r.selector.eventSources)
        ? 'everywhere'
        : new Set(naming.flatMap((r) => r.selector.eventSources ?? []));
  return {
    named,
    words: everyEvent ? null : text,
    needles: canaryRules.length > 0 ? prepareNeedles(canaryIds, learnable) : null,
    selectors,
    probe:
      everyEvent || earliestRules.length > 0
        ? null
        : anyOfWords([...new Set(words.flatMap((w) => w ?? []))], 'i'),
    canaryRulesOnly: others.length === 0,
    earliest:
      earliestRules.length === 0
        ? null
        : {
            api: earliestRules.some((r) => r.selector.earliestPer === 'api'),
            sourceIp: earliestRules.some((r) => r.selector.earliestPer === 'sourceIp'),
          },
  };
}

/** The conjunct rules ({@link Conjuncts}) of `rules` (all `anyCase`). */
function conjunctsOf(rules: readonly Rule[]): Conjuncts {
  const byName = new Map<string, Conjunct[]>();
  const anyName: Conjunct[] = [];
  const parts: Record<Exclude<Mention['in'], 'record'>, MentionPattern[]> = {
    identity: [],
    userAgent: [],
    eventName: [],
  };
  let bits = 0;
  for (const r of rules) {
    const s = r.selector;
    const sources = s.eventSources ? { sources: new Set(s.eventSources) } : {};
    let c: Conjunct = { ...sources, bit: -1, parts: 0 };
    // Beyond MENTION_BITS rules with mentions, a rule is read on its names and sources alone.
    if (s.mentions && bits < MENTION_BITS) {
      const bit = bits++;
      const anywhere = s.mentions.filter((m) => m.in === 'record').map((m) => m.text);
      const flags = { identity: IDENTITY_PART, userAgent: AGENT_PART, eventName: NAME_PART };
      let has = 0;
      for (const where of ['identity', 'userAgent', 'eventName'] as const) {
        const texts = s.mentions.filter((m) => m.in === where).map((m) => m.text);
        if (texts.length === 0) continue;
        has |= flags[where];
        parts[where].push({ mask: 1 << bit, pattern: anyOfWords(texts, 'iu') });
      }
      const record = anywhere.length > 0 ? { record: anyOfWords(anywhere, 'iu') } : {};
      c = { ...sources, bit, parts: has, ...record };
    }
    if (!s.eventNames) anyName.push(c);
    else for (const n of s.eventNames) byName.set(n, [...(byName.get(n) ?? []), c]);
  }
  return { byName, anyName, ...parts, nameCache: new Map() };
}

/** A character beyond ASCII. */
const NON_ASCII = /[\u0080-\uffff]/;

/** What the pre-filter says of a whole file's text. */
export interface TextVerdict {
  /** False only when no enabled rule can match any record of the text. */
  readonly mayMatch: boolean;
  /**
   * Every identifier the canary scan saw, when it ran: a later pass (new canary identifiers
   * learned) reads the file again only when one may be in it. Absent: the reader fills one from
   * the parsed records ({@link recordMentions}).
   */
  readonly bloom?: Bloom;
}

/**
 * Can any enabled rule match a record of this text? A rule's selector string is looked for first:
 * it is usually found early, and then the file is parsed anyway, without the slower canary scan.
 * A text with a JSON `\u` escape is always parsed (an escape can spell any identifier).
 */
export function textVerdict(text: string, p: Prefilter): TextVerdict {
  if (p.probe === null || text.includes('\\u')) return { mayMatch: true };
  if (!p.canaryRulesOnly && p.probe.test(text)) return { mayMatch: true };
  // Unicode case folding can spell a rule's mention with characters beyond ASCII.
  if (!p.canaryRulesOnly && p.words?.conjuncts && NON_ASCII.test(text)) return { mayMatch: true };
  if (!p.needles) return { mayMatch: false };
  const bloom = createBloom(text.length / 250);
  return { mayMatch: textMentions(text, p.needles, bloom), bloom };
}

/**
 * True when the text may mention a canary identifier (false means it certainly does not). With a
 * Bloom filter the whole text is scanned and every key id, principal id and user name is added.
 */
export function textMentions(text: string, n: Needles, bloom?: Bloom): boolean {
  let found = false;
  const scan = (pattern: RegExp, group: number, lower: boolean): boolean => {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const raw = m[group] ?? '';
      const value = lower ? raw.toLowerCase() : raw;
      if (lower ? n.names.has(value) : n.ids.has(value)) {
        found = true;
        if (!bloom) return true;
      }
      if (bloom) bloomAdd(bloom, value);
    }
    return false;
  };
  if (scan(n.idPattern, 0, false)) return true;
  if (scan(NAME_PATTERN, 1, true)) return true;
  if (scan(DENIED_TARGET_TEXT, 1, true)) return true;
  return found;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Add a parsed record's identity identifiers to a Bloom filter, as {@link madeByCanary} would
 * have (session keys; principal ids and names when learnable).
 */
export function addIdentity(r: Record<string, unknown>, n: Needles, bloom: Bloom): void {
  const ui = obj(r['userIdentity']);
  const issuer = obj(obj(ui?.['sessionContext'])?.['sessionIssuer']);
  const key = ui?.['accessKeyId'];
  addSessionKey(r, bloom);
  if (n.learnable.principalIds) {
    for (const v of [key, ui?.['principalId'], issuer?.['principalId']]) {
      if (typeof v === 'string') bloomAdd(bloom, v);
    }
  }
  if (n.learnable.names) {
    const arn = ui?.['arn'];
    const tail = typeof arn === 'string' ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;
    for (const v of [ui?.['userName'], issuer?.['userName'], tail]) {
      if (typeof v === 'string') bloomAdd(bloom, v.toLowerCase());
    }
  }
}

/** Add the record's session key (an `ASIA…` access key id), if it has one, to the filter. */
export function addSessionKey(r: Record<string, unknown>, bloom: Bloom): void {
  const key = obj(r['userIdentity'])?.['accessKeyId'];
  if (typeof key === 'string' && key.startsWith('ASIA')) bloomAdd(bloom, key);
}

/** True when `v` is a string in the id set; with a Bloom filter, `v` is added to it. */
function isId(v: unknown, n: Needles, bloom: Bloom | undefined): boolean {
  if (typeof v !== 'string') return false;
  if (bloom) bloomAdd(bloom, v);
  return n.ids.has(v);
}

const UPPER = /[A-Z]/;

/**
 * True when `v` names a canary user (case-insensitive); with a Bloom filter, it is added (lower
 * case). A name with no upper-case letter is looked up as it is, without a lower-cased copy.
 */
function isName(v: unknown, n: Needles, bloom: Bloom | undefined): boolean {
  if (typeof v !== 'string') return false;
  const lower = UPPER.test(v) ? v.toLowerCase() : v;
  if (bloom) bloomAdd(bloom, lower);
  return n.names.has(lower);
}

/**
 * Record-level check over the raw record: does any identity field name a canary? With a Bloom
 * filter, the identifiers a later pass may learn ({@link Learnable}, and session keys) are added
 * to it on the way, so that pass re-reads the file only when it may hold a newly learned one. It
 * stops at the first hit: that record is read in this pass anyway, and the file's other records
 * fill the filter. Runs on every record of every parsed file, so it creates no closures or copies.
 */
export function recordMentions(r: Record<string, unknown>, n: Needles, bloom?: Bloom): boolean {
  const ui = obj(r['userIdentity']);
  const key = ui?.['accessKeyId'];
  const session = bloom && typeof key === 'string' && key.startsWith('ASIA') ? bloom : undefined;
  if (isId(key, n, session)) return true;
  const ids = n.learnable.principalIds ? bloom : undefined;
  const issuer = obj(obj(ui?.['sessionContext'])?.['sessionIssuer']);
  if (isId(ui?.['principalId'], n, ids) || isId(issuer?.['principalId'], n, ids)) return true;
  if (n.names.size === 0) return false;
  const names = n.learnable.names ? bloom : undefined;
  const message = r['errorMessage'];
  const arn = ui?.['arn'];
  return (
    isName(ui?.['userName'], n, names) ||
    isName(issuer?.['userName'], n, names) ||
    isName(obj(r['requestParameters'])?.['userName'], n, names) ||
    (typeof message === 'string' && isName(deniedTarget(message)?.name, n, names)) ||
    (typeof arn === 'string' && isName(arn.slice(arn.lastIndexOf('/') + 1), n, names))
  );
}

/**
 * True when some enabled rule may match this raw record (false: no rule can). With a Bloom filter,
 * the record's canary identifiers are added to it on the way. Runs on every record parsed, against
 * every selector: the name and source are read, and lower-cased, once.
 */
export function recordMayMatch(r: Record<string, unknown>, p: Prefilter, bloom?: Bloom): boolean {
  if (p.needles && recordMentions(r, p.needles, bloom)) return true;
  const name = str(r['eventName']) ?? '';
  const source = str(r['eventSource']) ?? '';
  let lowerName: string | undefined;
  let lowerSource: string | undefined;
  for (const s of p.selectors) {
    if (s.mentions) return true;
    if (s.names && !s.names.has(name)) {
      if (!s.anyCase || !s.names.has((lowerName ??= name.toLowerCase()))) continue;
    }
    if (s.sources && !s.sources.has(source)) {
      if (!s.anyCase || !s.sources.has((lowerSource ??= source.toLowerCase()))) continue;
    }
    if (s.failed && r['errorCode'] === undefined) continue;
    if (s.agents) {
      const ua = r['userAgent'];
      if (typeof ua !== 'string' || !s.agents.test(ua)) continue;
    }
    return true;
  }
  return false;
}
