/**
 * The pre-filter, derived from the enabled rules: which files can be passed over without parsing,
 * and which records need not be normalized. It is built from two things only — the canary
 * identifiers (for canary-only rules) and the other rules' selectors — so a new rule edits no
 * pipeline code. It may let through records no rule matches; it never passes over one a rule
 * would match (a property test pins it to the full parse).
 */
import type { Rule } from '../detect/index.js';
import { anyOfWords } from '../core/index.js';
import { isCanaryOnly, userAgentPattern } from '../detect/index.js';
import { deniedTarget } from '../normalize/index.js';
import type { Bloom } from './bloom.js';
import { bloomAdd, createBloom } from './bloom.js';

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
  /** `userAgentContains` as one case-insensitive pattern. */
  readonly agents?: RegExp;
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
      ...(s.userAgentContains ? { agents: userAgentPattern(s.userAgentContains) } : {}),
    };
  });
  // Each other rule's most selective strings; a rule with none may match any event.
  const words = others.map((r) => {
    const s = r.selector;
    return s.userAgentContains ?? s.eventNames ?? s.eventSources;
  });
  const everyEvent = words.some((w) => w === undefined);
  return {
    needles: canaryRules.length > 0 ? prepareNeedles(canaryIds) : null,
    selectors,
    probe: everyEvent ? null : anyOfWords([...new Set(words.flatMap((w) => w ?? []))], 'i'),
    canaryRulesOnly: others.length === 0,
  };
}

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

/** True when `v` is a string in the id set; with a Bloom filter, `v` is added to it. */
function isId(v: unknown, n: Needles, bloom: Bloom | undefined): boolean {
  if (typeof v !== 'string') return false;
  if (bloom) bloomAdd(bloom, v);
  return n.ids.has(v);
}

/** True when `v` names a canary user (case-insensitive); with a Bloom filter, it is added. */
function isName(v: unknown, n: Needles, bloom: Bloom | undefined): boolean {
  if (typeof v !== 'string') return false;
  const lower = v.toLowerCase();
  if (bloom) bloomAdd(bloom, lower);
  return n.names.has(lower);
}

/**
 * Record-level check over the raw record: does any identity field name a canary? With a Bloom
 * filter, every identifier it reads is added (a later pass then re-reads the file only when it may
 * hold a newly learned one) and it does not stop early. Runs on every record of every parsed file,
 * so it creates no closures or copies on the way.
 */
export function recordMentions(r: Record<string, unknown>, n: Needles, bloom?: Bloom): boolean {
  const ui = obj(r['userIdentity']);
  const issuer = obj(obj(ui?.['sessionContext'])?.['sessionIssuer']);
  const message = r['errorMessage'];
  const arn = ui?.['arn'];
  // Bitwise | evaluates every check when a filter is being filled; || stops at the first hit.
  if (bloom) {
    const hit =
      +isId(ui?.['accessKeyId'], n, bloom) |
      +isId(ui?.['principalId'], n, bloom) |
      +isId(issuer?.['principalId'], n, bloom) |
      +isName(ui?.['userName'], n, bloom) |
      +isName(issuer?.['userName'], n, bloom) |
      +isName(obj(r['requestParameters'])?.['userName'], n, bloom) |
      +(typeof message === 'string' && isName(deniedTarget(message)?.name, n, bloom)) |
      +(typeof arn === 'string' && isName(arn.slice(arn.lastIndexOf('/') + 1), n, bloom));
    return hit !== 0;
  }
  return (
    isId(ui?.['accessKeyId'], n, undefined) ||
    isId(ui?.['principalId'], n, undefined) ||
    isId(issuer?.['principalId'], n, undefined) ||
    (n.names.size > 0 &&
      (isName(ui?.['userName'], n, undefined) ||
        isName(issuer?.['userName'], n, undefined) ||
        isName(obj(r['requestParameters'])?.['userName'], n, undefined) ||
        (typeof message === 'string' && isName(deniedTarget(message)?.name, n, undefined)) ||
        (typeof arn === 'string' && isName(arn.slice(arn.lastIndexOf('/') + 1), n, undefined))))
  );
}

function selected(r: Record<string, unknown>, s: RawSelector): boolean {
  if (s.names && !s.names.has(str(r['eventName']) ?? '')) return false;
  if (s.sources && !s.sources.has(str(r['eventSource']) ?? '')) return false;
  if (s.agents) {
    const ua = r['userAgent'];
    if (typeof ua !== 'string' || !s.agents.test(ua)) return false;
  }
  return true;
}

/**
 * True when some enabled rule may match this raw record (false: no rule can). With a Bloom filter,
 * the record's canary identifiers are added to it on the way.
 */
export function recordMayMatch(r: Record<string, unknown>, p: Prefilter, bloom?: Bloom): boolean {
  if (p.needles && recordMentions(r, p.needles, bloom)) return true;
  return p.selectors.some((s) => selected(r, s));
}
