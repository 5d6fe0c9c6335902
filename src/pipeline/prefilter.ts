/**
 * The pre-filter, derived from the enabled rules: which files can be passed over without parsing,
 * and which records need not be normalized. It is built from two things only — the canary
 * identifiers (for canary-only rules) and the other rules' selectors — so a new rule edits no
 * pipeline code. It may let through records no rule matches; it never passes over one a rule
 * would match (a property test pins it to the full parse).
 */
import type { Rule } from '../detect/index.js';
import { isCanaryOnly } from '../detect/index.js';
import { deniedTarget } from '../normalize/index.js';
import type { Bloom } from './bloom.js';
import { bloomAdd } from './bloom.js';

/** Canary identifiers prepared for fast text and record checks. */
export interface Needles {
  /** Key ids and principal ids (case-sensitive). */
  readonly ids: ReadonlySet<string>;
  /** IAM user names, lower-cased. */
  readonly names: ReadonlySet<string>;
  readonly idPattern: RegExp;
}

/** One non-canary rule's selector, ready for raw records. */
interface RawSelector {
  readonly names?: ReadonlySet<string>;
  readonly sources?: ReadonlySet<string>;
  /** Lower-cased user-agent substrings. */
  readonly agents?: readonly string[];
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
}

const NAME_PATTERN = /userName\\?"\s*:\s*\\?"([^"\\]{1,128})/g;
/** The user a denied IAM call was about, in raw text: a superset of normalize's parser. */
const DENIED_TARGET_TEXT =
  /on resource: (?:user |arn:aws[\w-]*:iam::\d{12}:user\/(?:[\x21-\x7e]*?\/)?)([\w+=,.@-]{1,64})/g;

/** Split identifier strings into ids (AKIA…/AIDA…) and names, and build the id scanner. */
export function prepareNeedles(values: Iterable<string>): Needles {
  const ids = new Set<string>();
  const names = new Set<string>();
  const prefixes = new Set<string>();
  for (const v of values) {
    if (/^A[A-Z]{3}[A-Z0-9]{12,124}$/.test(v)) {
      ids.add(v);
      prefixes.add(v.slice(0, 4));
    } else {
      names.add(v.toLowerCase());
    }
  }
  for (const p of ['AKIA', 'ASIA', 'AIDA']) prefixes.add(p);
  const idPattern = new RegExp(`(?:${[...prefixes].sort().join('|')})[A-Z0-9]{12,124}`, 'g');
  return { ids, names, idPattern };
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The pre-filter for `rules` (the enabled ones) and the canary identifiers known, or null when
 * nothing may be skipped (the caller turned it off).
 */
export function buildPrefilter(rules: readonly Rule[], canaryIds: Iterable<string>): Prefilter {
  const canaryRules = rules.filter(isCanaryOnly);
  const others = rules.filter((r) => !isCanaryOnly(r));
  const selectors = others.map((r): RawSelector => {
    const s = r.selector;
    return {
      ...(s.eventNames ? { names: new Set(s.eventNames) } : {}),
      ...(s.eventSources ? { sources: new Set(s.eventSources) } : {}),
      ...(s.userAgentContains ? { agents: s.userAgentContains.map((a) => a.toLowerCase()) } : {}),
    };
  });
  let probe: RegExp | null = null;
  const words: string[] = [];
  let everyEvent = false;
  for (const r of others) {
    const s = r.selector;
    const most = s.userAgentContains ?? s.eventNames ?? s.eventSources;
    if (!most) everyEvent = true;
    else words.push(...most);
  }
  if (!everyEvent && words.length > 0)
    probe = new RegExp([...new Set(words)].map(escape).join('|'), 'i');
  if (!everyEvent && words.length === 0) probe = /(?!)/;
  return {
    needles: canaryRules.length > 0 ? prepareNeedles(canaryIds) : null,
    selectors,
    probe: everyEvent ? null : probe,
  };
}

/** True when no enabled rule needs any record of a file that does not pass {@link textMayMatch}. */
export function canPassOver(p: Prefilter): boolean {
  return p.probe !== null;
}

/**
 * False only when no enabled rule can match a record of this text: no canary identifier and none
 * of the rules' selector strings appear. A text with a JSON `\u` escape is never passed over (an
 * escape can spell any identifier). With a Bloom filter, every identifier seen is added to it.
 */
export function textMayMatch(text: string, p: Prefilter, bloom?: Bloom): boolean {
  if (p.probe === null || text.includes('\\u')) return true;
  const canary = p.needles ? textMentions(text, p.needles, bloom) : false;
  return canary || p.probe.test(text);
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

/** Record-level check over the raw record: does any identity field name a canary? */
export function recordMentions(r: Record<string, unknown>, n: Needles): boolean {
  const ui = obj(r['userIdentity']);
  const issuer = obj(obj(ui?.['sessionContext'])?.['sessionIssuer']);
  for (const id of [ui?.['accessKeyId'], ui?.['principalId'], issuer?.['principalId']]) {
    const s = str(id);
    if (s !== undefined && n.ids.has(s)) return true;
  }
  const names = [ui?.['userName'], issuer?.['userName'], obj(r['requestParameters'])?.['userName']];
  for (const name of names) {
    const s = str(name);
    if (s !== undefined && n.names.has(s.toLowerCase())) return true;
  }
  const message = str(r['errorMessage']);
  const target = message === undefined ? undefined : deniedTarget(message);
  if (target && n.names.has(target.name.toLowerCase())) return true;
  const arn = str(ui?.['arn']);
  if (arn !== undefined) {
    const last = arn.slice(arn.lastIndexOf('/') + 1).toLowerCase();
    if (n.names.has(last)) return true;
  }
  return false;
}

function selected(r: Record<string, unknown>, s: RawSelector): boolean {
  if (s.names && !s.names.has(str(r['eventName']) ?? '')) return false;
  if (s.sources && !s.sources.has(str(r['eventSource']) ?? '')) return false;
  if (s.agents) {
    const ua = str(r['userAgent'])?.toLowerCase();
    if (ua === undefined || !s.agents.some((a) => ua.includes(a))) return false;
  }
  return true;
}

/** True when some enabled rule may match this raw record (false: no rule can). */
export function recordMayMatch(r: Record<string, unknown>, p: Prefilter): boolean {
  if (p.needles && recordMentions(r, p.needles)) return true;
  return p.selectors.some((s) => selected(r, s));
}
