/**
 * The record choice of a sliced text: which records of a compact delivery file some enabled rule
 * may match, found in the text itself (see {@link recordsToRead}), and the file's Bloom filter of
 * identifiers a later pass may learn. Only the chosen records are parsed (read.ts).
 */
import type { SourceKind } from '../core/index.js';
import { classifySource } from '../normalize/index.js';
import type { Bloom } from './bloom.js';
import { bloomAdd, createBloom } from './bloom.js';
import type { Earliest } from './earliest.js';
import { apiId, copyOf, dayAt, identityId, ipId, ipv4At, ipv4Id, isEarliest } from './earliest.js';
import type { Conjunct, Conjuncts, MentionPattern, Needles, Prefilter } from './prefilter.js';
import { AGENT_PART, IDENTITY_PART, mentionMask, NAME_PART } from './prefilter.js';
import { DENIED_TARGET_TEXT } from './prefilter.js';
import type { RecordSlices } from './slices.js';
import { recordAt } from './slices.js';

const UPPER = /[A-Z]/;

/** {@link RecordChoice.earliest}: a record only a first-seen rule needs. */
export const EARLIEST_ONLY = 2;

/**
 * A `userName` value, or what an `arn` value ends with (the user or session name), in raw text:
 * one scan for both (see {@link recordMentions}).
 */
const NAME_OR_ARN_TAIL_TEXT = /(?:userName|"arn)\\?"\s*:\s*\\?"(?:[^"\\]*\/)?([^"\\/]{1,128})/g;

/** Which records of a sliced text to read, and the identifiers seen in it. */
export interface RecordChoice {
  /** Per record: 1 when some enabled rule may match it. */
  readonly chosen: Uint8Array;
  readonly count: number;
  /**
   * Every key id, principal id and user name in the text, when the canary scan ran over it (then
   * a later pass re-reads the file only when one may be a newly learned identifier).
   */
  readonly bloom?: Bloom;
  /**
   * Per record: 1 when its identity named a canary, so its identifiers are not in the filter yet:
   * the reader adds them after the rules ran, unless the event was a canary's (then every canary
   * rule has seen it, and a later pass need not find it again).
   */
  readonly unfiltered?: Uint8Array;
  /**
   * Per record: 1 when a first-seen rule needs it (the earliest of its kind this thread has seen,
   * or a record whose parts could not be found in the text), {@link EARLIEST_ONLY} when no other
   * enabled rule can match it; present when such a rule is enabled.
   */
  readonly earliest?: Uint8Array;
}

/**
 * The records of a sliced text that some enabled rule may match, found in the text itself, record
 * by record, in CloudTrail's field order (`eventVersion`, `userIdentity`, `eventTime`,
 * `eventSource`, `eventName`, …, `userAgent`, then the nested request, response and the rest):
 * - made by a canary: a canary key id, principal id, user name or ARN in the record's
 *   `userIdentity` (the text from it to `eventTime`);
 * - naming a canary user: the whole record is read when its event source is one a naming canary
 *   rule takes (or the text is scanned for names, when such a rule takes any source);
 * - a rule's selector: its `eventSource` or `eventName` value, or a user-agent word in the
 *   `userAgent` value.
 *
 * A record is read whole whenever one of these fields is not where and how CloudTrail writes it
 * (compact, no escape in the value), and the whole text is read when some `eventVersion` is not
 * where a slice starts (a record in another field order). The text has no `\u` or `\/` escape
 * ({@link sliceRecords}), so an escape cannot spell a word differently; a selector word has no
 * character JSON escapes, so it is in a raw value exactly when it is in the decoded one. What is
 * taken on trust, as CloudTrail writes it: each record has `eventVersion` first, and its top-level
 * fields before any nested object holding the same key. `text` may be one piece of a file: what
 * the file's pieces share (its Bloom filter, its verdicts) is `shared` ({@link choiceShared}).
 */
export function recordsToRead(
  text: string,
  slices: RecordSlices,
  p: Prefilter,
  tracker: Earliest | undefined,
  shared: ChoiceShared,
): RecordChoice {
  const n = slices.starts.length;
  const chosen = new Uint8Array(n);
  const words = p.canaryRulesOnly ? null : p.words;
  const needs = p.earliest && tracker ? p.earliest : null;
  if ((!p.canaryRulesOnly && !words) || slices.nestedKeys !== 0) {
    const all = { chosen: chosen.fill(1), count: n };
    return needs ? { ...all, earliest: new Uint8Array(n).fill(1) } : all;
  }
  const needles = p.needles;
  const bloom = shared.bloom;
  const named = needles ? p.named : 'none';
  const look: Looking = {
    text,
    canary: needles !== null && bloom !== undefined,
    bySource: typeof named === 'object' ? named : undefined,
    sources: words?.eventSources.size ? words.eventSources : undefined,
    names: words?.eventNames.size ? words.eventNames : undefined,
    agents: words?.agents ?? null,
    identities: shared.identities,
    agentWords: shared.agentWords,
    conj: words?.conjuncts ?? null,
    identityMentions: shared.identityMentions,
    agentMentions: shared.agentMentions,

    found: found(),
  };
  const unfiltered = new Uint8Array(needles ? n : 0);
  const earliest = needs ? new Uint8Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const verdict = lookAt(look, slices.starts[i]!, slices.ends[i]!);
    if (verdict !== QUIET) chosen[i] = 1;
    if (verdict === CANARY) unfiltered[i] = 1;
    if (earliest && tracker && needs && earliestHere(look, tracker, needs, slices.ends[i]!))
      earliest[i] = 1;
  }
  if (words?.failed) markFailed(text, slices, chosen);
  if (needles && bloom && named === 'everywhere') markNamed(text, slices, needles, bloom, chosen);
  if (earliest) {
    for (let i = 0; i < n; i++) {
      if (earliest[i] === 0) continue;
      if (chosen[i] === 0) earliest[i] = EARLIEST_ONLY;
      chosen[i] = 1;
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += chosen[i]!;
  const choice = bloom ? { chosen, count, bloom, unfiltered } : { chosen, count };
  return earliest ? { ...choice, earliest } : choice;
}

/**
 * What the record choices of one file's pieces share (read.ts reads a large file in pieces): its
 * Bloom filter, and the verdicts on identities and user agents, which repeat across the file.
 */
export interface ChoiceShared {
  /** Present when the canary scan runs (the prefilter has needles). */
  readonly bloom: Bloom | undefined;
  readonly identities: Memo;
  readonly agentWords: Memo;
  /**
   * Each identity text, and each user agent, seen: their entries keep the mask of the conjunct
   * rules whose mentions they hold (`Judged.mention`, worked out when first asked).
   */
  readonly identityMentions: Memo;
  readonly agentMentions: Memo;
}

/**
 * A file's {@link ChoiceShared}, for a text of `length` characters. `pieces`: the memo outlives
 * each piece's text, so it keeps copies of what it judged (a substring would keep its piece alive).
 */
export function choiceShared(p: Prefilter, length: number, pieces: boolean): ChoiceShared {
  const needles = p.needles;
  const bloom = needles ? createBloom(length / 250) : undefined;
  const words = p.canaryRulesOnly ? null : p.words;
  const agents = words?.agents ?? null;
  const keep = pieces ? copyOf : undefined;
  return {
    bloom,
    identities: memo(
      (identity) =>
        needles !== null && bloom !== undefined && madeByCanary(identity, needles, bloom),
      keep,
    ),
    agentWords: memo((agent) => agents?.test(agent) === true, keep),
    identityMentions: memo(() => false, keep),
    agentMentions: memo(() => false, keep),
  };
}

/** What {@link lookAt} found of the record it looked at last, for {@link earliestHere}. */
interface Found {
  /** The identity (`userIdentity` to `eventTime`); `identityTo` -1 when not found. */
  identityFrom: number;
  identityTo: number;
  /** The identity's memo entry, when lookAt judged it (the canary scan ran). */
  identity: Judged | undefined;
  /** The `eventSource` and `eventName` values, when lookAt read both, and where the name ends. */
  source: string | undefined;
  name: string | undefined;
  nameEnd: number;
  /** The user agent's memo entry, when lookAt judged it for the user-agent words. */
  agent: Judged | undefined;
}

function found(): Found {
  return {
    identityFrom: -1,
    identityTo: -1,
    identity: undefined,
    source: undefined,
    name: undefined,
    nameEnd: -1,
    agent: undefined,
  };
}

/**
 * Does a first-seen rule need the record {@link lookAt} just looked at (ending at `end`)? Yes when
 * it is the earliest of its principal, day and API or source IP that this thread has seen, and
 * when any part is not where and how CloudTrail writes it.
 */
function earliestHere(
  l: Looking,
  t: Earliest,
  needs: { readonly api: boolean; readonly sourceIp: boolean },
  end: number,
): boolean {
  const text = l.text;
  const { identityFrom, identityTo } = l.found;
  if (identityTo < 0) return true;
  const timeAt = identityTo + EVENT_TIME.key.length;
  const day = dayAt(text, timeAt);
  if (day < 0) return true;
  // One tracker lookup per distinct identity text of a file, when the canary scan judged it.
  const judgedHere = l.found.identity;
  let id = judgedHere && judgedHere.generation === t.generation ? judgedHere.id : -1;
  if (id < 0) {
    id = identityId(t, text, identityFrom, identityTo, fingerprint(text, identityFrom, identityTo));
    if (judgedHere) {
      judgedHere.id = id;
      judgedHere.generation = t.generation;
    }
  }
  let source = l.found.source;
  let name = l.found.name;
  let pos = l.found.nameEnd;
  if (source === undefined || name === undefined) {
    const s = valueAt(text, EVENT_SOURCE, identityTo, end);
    if (s < 0) return true;
    source = value;
    pos = valueAt(text, EVENT_NAME, s, end);
    if (pos < 0) return true;
    name = value;
  }
  // The source address: an IPv4 one is read as a number where it stands, anything else as text.
  const at = nextKey(text, SOURCE_IP, pos);
  if (at < 0 || at >= end) return true;
  const v4 = ipv4At(text, at + SOURCE_IP.key.length);
  let ip: number;
  if (v4 >= 0) ip = ipv4Id(t, v4);
  else {
    if (valueAt(text, SOURCE_IP, pos, end) < 0) return true;
    // An AWS service calling for the account: no first-seen rule takes such an event.
    if (value.length <= MAX_SERVICE_NAME && isServiceSource(classifySource(value))) return false;
    ip = needs.sourceIp ? ipId(t, value) : -1;
  }
  let needed = false;
  if (needs.api && isEarliest(t, id, apiId(t, source, name), day, text, timeAt)) needed = true;
  if (needs.sourceIp && isEarliest(t, id, ip, day, text, timeAt)) needed = true;
  return needed;
}

/** What {@link lookAt} looks for in each record. */
interface Looking {
  readonly text: string;
  /** Look for canary identifiers in each identity. */
  readonly canary: boolean;
  /** Event sources where a naming canary rule reads the whole record. */
  readonly bySource: ReadonlySet<string> | undefined;
  readonly sources: ReadonlySet<string> | undefined;
  readonly names: ReadonlySet<string> | undefined;
  readonly agents: RegExp | null;
  /** The rules read as conjunctions (Sigma), with their mention memos and record marks. */
  readonly conj: Conjuncts | null;
  readonly identityMentions: Memo;
  readonly agentMentions: Memo;

  /** Whether each identity text seen in this text named a canary (see {@link madeByCanary}). */
  readonly identities: Memo;
  /** Whether each user agent seen in this text has a selector word. */
  readonly agentWords: Memo;
  readonly found: Found;
}

/**
 * Verdicts about substrings of one text, found again by a cheap fingerprint and confirmed by
 * comparing the substrings: a principal's records repeat its identity and its user agent, and what
 * is looked for does not change while one text is looked at. Hashing a whole substring for a Map
 * key costs more than the comparison that confirms a match.
 */
interface Memo {
  readonly seen: Map<number, Judged[]>;
  readonly judge: (s: string) => boolean;
  /** What an entry keeps of the substring (a copy, when the memo outlives the text). */
  readonly keep: ((s: string) => string) | undefined;
}

/** A substring judged, and (identities) its id in this thread's {@link Earliest}, -1 until asked. */
interface Judged {
  readonly text: string;
  readonly verdict: boolean;
  /** The mask of the conjunct rules whose mentions the substring holds; -1 until asked. */
  mention: number;
  id: number;
  /** The tracker generation `id` belongs to. */
  generation: number;
}

/** Substrings kept per fingerprint: beyond this, a substring is judged afresh every time. */
const SEEN_PER_FINGERPRINT = 8;

function memo(judge: (s: string) => boolean, keep?: (s: string) => string): Memo {
  return { seen: new Map(), judge, keep };
}

/** `m.judge` of the substring of `text` from `from` to `to`, judged once per distinct substring. */
function judged(m: Memo, text: string, from: number, to: number): Judged {
  const sub = text.slice(from, to);
  const fp = fingerprint(text, from, to);
  const seen = m.seen.get(fp);
  if (seen) for (const s of seen) if (s.text === sub) return s;
  const entry: Judged = {
    text: m.keep ? m.keep(sub) : sub,
    verdict: m.judge(sub),
    mention: -1,
    id: -1,
    generation: -1,
  };
  if (!seen) m.seen.set(fp, [entry]);
  else if (seen.length < SEEN_PER_FINGERPRINT) seen.push(entry);
  return entry;
}

/**
 * A cheap number most distinct substrings differ in: their length and characters at spread places
 * (for an identity: the principal id near the start, a session's creation date or a user's name
 * near the end).
 */
function fingerprint(text: string, from: number, to: number): number {
  const length = to - from;
  let h = length;
  for (const at of [
    from + 48,
    from + 64,
    from + (length >> 1),
    to - 3,
    to - 12,
    to - 30,
    to - 36,
  ]) {
    h = (Math.imul(h, 31) + (at >= from && at < to ? text.charCodeAt(at) : 0)) | 0;
  }
  return h;
}

const QUIET = 0;
const CHOSEN = 1;
/** Chosen because its identity named a canary (its identifiers are not in the filter yet). */
const CANARY = 2;

/** One record's verdict, from its text (`start` to `end`). */
function lookAt(l: Looking, start: number, end: number): number {
  const text = l.text;
  const ui = nextKey(text, USER_IDENTITY, start);
  const stop = ui < 0 || ui >= end ? -1 : nextKey(text, EVENT_TIME, ui);
  const f = l.found;
  f.identityFrom = ui;
  f.identityTo = stop >= 0 && stop < end ? stop : -1;
  f.identity = undefined;
  f.source = undefined;
  f.name = undefined;
  f.agent = undefined;
  if (stop < 0 || stop >= end) return CHOSEN;
  // An identity's identifiers go into the Bloom filter the first time it is judged.
  f.identity = l.canary ? judged(l.identities, text, ui, stop) : undefined;
  if (f.identity?.verdict === true) return CANARY;
  let pos = stop;
  if (l.bySource || l.sources) {
    const at = valueAt(text, EVENT_SOURCE, pos, end);
    if (at >= 0) f.source = value;
    if (at < 0 || l.bySource?.has(value) === true || l.sources?.has(value) === true) return CHOSEN;
    pos = at;
  }
  if (l.names) {
    const at = valueAt(text, EVENT_NAME, pos, end);
    if (at >= 0 && f.source !== undefined) {
      f.name = value;
      f.nameEnd = at;
    }
    if (at < 0 || l.names.has(value)) return CHOSEN;
    pos = at;
  }
  if (l.agents) {
    const at = nextKey(text, USER_AGENT, pos);
    const close = at < 0 || at >= end ? -1 : stringEnd(text, at + USER_AGENT.key.length, end);
    f.agent =
      close >= 0 ? judged(l.agentWords, text, at + USER_AGENT.key.length, close) : undefined;
    const picked = f.agent ? f.agent.verdict : hasAgent(text, start, end);
    if (picked) return CHOSEN;
  }
  return l.conj ? conjunctVerdict(l, l.conj, start, end) : QUIET;
}

const NO_CONJUNCTS: readonly Conjunct[] = [];

/**
 * The verdict of the conjunct rules (Sigma) on the record {@link lookAt} looked at: chosen when one
 * of them has its event name and source, and (if it has mentions) a mention is in the part of
 * the record it names. Anything not where and how CloudTrail writes it chooses the record.
 */
function conjunctVerdict(l: Looking, c: Conjuncts, start: number, end: number): number {
  const text = l.text;
  const f = l.found;
  const identityTo = f.identityTo;
  // The source and name lookAt read, or read them now (earliestHere reuses them too).
  if (f.source === undefined || f.name === undefined) {
    const s = valueAt(text, EVENT_SOURCE, identityTo, end);
    if (s < 0) return CHOSEN;
    f.source = value;
    const n = valueAt(text, EVENT_NAME, s, end);
    if (n < 0) {
      f.source = undefined;
      return CHOSEN;
    }
    f.name = value;
    f.nameEnd = n;
  }
  const source = f.source;
  const name = f.name;
  let lowerSource: string | undefined;
  // Each part's mask is worked out once, when a rule first needs it (-1: not yet).
  let identity = -1;
  let agent = -1;
  let inName = -1;
  for (let k = 0; k < 2; k++) {
    const list = k === 0 ? conjunctsNamed(c, name) : c.anyName;
    for (let i = 0; i < list.length; i++) {
      const cj = list[i]!;
      if (cj.sources && !cj.sources.has((lowerSource ??= source.toLowerCase()))) continue;
      if (cj.bit < 0) return CHOSEN;
      const bit = 1 << cj.bit;
      if ((cj.parts & IDENTITY_PART) !== 0) {
        if (identity < 0) identity = identityMask(l, c.identity);
        if ((identity & bit) !== 0) return CHOSEN;
      }
      if ((cj.parts & AGENT_PART) !== 0) {
        if (agent < 0) agent = agentMask(l, c.userAgent, start, end, f.nameEnd);
        if ((agent & bit) !== 0) return CHOSEN;
      }
      if ((cj.parts & NAME_PART) !== 0) {
        if (inName < 0) inName = mentionMask(c.eventName, name);
        if ((inName & bit) !== 0) return CHOSEN;
      }
      // The record's own text, with its characters as they are (Unicode case folding is exact).
      if (cj.record?.test(text.slice(start, end)) === true) return CHOSEN;
    }
  }
  return QUIET;
}

/** The conjunct rules of an event name (any case), cached per name as written. */
function conjunctsNamed(c: Conjuncts, name: string): readonly Conjunct[] {
  let list = c.nameCache.get(name);
  if (list === undefined) {
    list = c.byName.get(name.toLowerCase()) ?? NO_CONJUNCTS;
    // Event names are attacker-controlled only in forged files: bound the cache anyway.
    if (c.nameCache.size < 4096) c.nameCache.set(name, list);
  }
  return list;
}

/** The identity's mask of conjunct rules' mentions (kept on the canary scan's entry when it ran). */
function identityMask(l: Looking, patterns: readonly MentionPattern[]): number {
  const f = l.found;
  const entry = f.identity ?? judged(l.identityMentions, l.text, f.identityFrom, f.identityTo);
  if (entry.mention < 0) entry.mention = mentionMask(patterns, entry.text);
  return entry.mention;
}

/**
 * A compact key (`"eventName":"`), found by its `tail` (`Name":"`): a tail starting with a rarer
 * character than `"` makes String.indexOf skip several times faster through JSON text.
 */
interface Key {
  readonly key: string;
  readonly tail: string;
}

const key = (k: string, tail: string): Key => ({ key: k, tail });
const USER_IDENTITY = key('"userIdentity":', 'Identity":');
const EVENT_TIME = key(',"eventTime":"', 'Time":"');
const EVENT_SOURCE = key('"eventSource":"', 'Source":"');
const EVENT_NAME = key('"eventName":"', 'Name":"');
const USER_AGENT = key('"userAgent":"', 'Agent":"');
const SOURCE_IP = key('"sourceIPAddress":"', 'Address":"');

/** Longest source text taken for a service name (normalize keeps far longer ones whole). */
const MAX_SERVICE_NAME = 253;

/** A source first-seen rules never take: an AWS service, or AWS Internal. */
function isServiceSource(kind: SourceKind): boolean {
  return kind === 'aws-service' || kind === 'aws-internal';
}

/** The position of the next `k.key` at or after `from`, or -1. */
function nextKey(text: string, k: Key, from: number): number {
  const lead = k.key.length - k.tail.length;
  for (let at = text.indexOf(k.tail, from + lead); at >= 0; at = text.indexOf(k.tail, at + 1)) {
    if (text.startsWith(k.key, at - lead)) return at - lead;
  }
  return -1;
}

/** Mark every record with an `errorCode` key, in any form (`Code"` found fast, then checked). */
function markFailed(text: string, slices: RecordSlices, chosen: Uint8Array): void {
  for (let at = text.indexOf('Code"'); at >= 0; at = text.indexOf('Code"', at + 5)) {
    if (!text.startsWith('"error', at - 6)) continue;
    const i = recordAt(slices, at);
    if (i >= 0) chosen[i] = 1;
  }
}

/**
 * The mask of the conjunct rules whose user-agent mentions the record's user agent holds (every
 * rule's, when the user agent is not where and how CloudTrail writes it).
 */
function agentMask(
  l: Looking,
  patterns: readonly MentionPattern[],
  start: number,
  end: number,
  from: number,
): number {
  // lookAt judged this user agent already: its entry keeps the mask too.
  const seen = l.found.agent;
  if (seen) {
    if (seen.mention < 0) seen.mention = mentionMask(patterns, seen.text);
    return seen.mention;
  }
  const text = l.text;
  const at = nextKey(text, USER_AGENT, from);
  const close = at < 0 || at >= end ? -1 : stringEnd(text, at + USER_AGENT.key.length, end);
  if (close < 0) return hasAgent(text, start, end) ? -1 >>> 1 : 0;
  const entry = judged(l.agentMentions, text, at + USER_AGENT.key.length, close);
  if (entry.mention < 0) entry.mention = mentionMask(patterns, entry.text);
  return entry.mention;
}

/** The value {@link valueAt} found last. */
let value = '';

/**
 * Find the first compact `k` at or after `from` in the record ending at `end`, with a value that
 * has no escape: sets {@link value} and returns where the value ends, or -1 (absent, escaped).
 */
function valueAt(text: string, k: Key, from: number, end: number): number {
  const at = nextKey(text, k, from);
  if (at < 0 || at >= end) return -1;
  const v = at + k.key.length;
  const close = text.indexOf('"', v);
  if (close < 0 || close >= end) return -1;
  value = text.slice(v, close);
  return value.includes('\\') ? -1 : close;
}

/** True when the record has a `userAgent` key in some form (not the compact one looked for). */
function hasAgent(text: string, start: number, end: number): boolean {
  const at = text.indexOf('Agent"', start);
  return at >= 0 && at < end && text.lastIndexOf('"userAgent"', at) >= start;
}

/** The index of the `"` that closes a JSON string whose text starts at `from`, or -1. */
function stringEnd(text: string, from: number, end: number): number {
  for (let q = text.indexOf('"', from); q >= 0 && q < end; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

/** Identifiers of the identity being looked at, for the Bloom filter (reused: no allocation). */
const pending: string[] = [];

/**
 * Does a record's identity text (from `userIdentity` to `eventTime`) name a canary? When it does
 * not, its key ids, principal ids and names go into the file's Bloom filter (those a later pass may
 * learn). When it does, they wait ({@link RecordChoice.unfiltered}): if the event turns out to be a
 * canary's, a later pass need not find it again, and the canary's own principal id, learned from
 * that very event, then sends no file back to be read whose canary events were all found.
 */
function madeByCanary(identity: string, n: Needles, bloom: Bloom): boolean {
  const { principalIds, names: learnNames } = n.learnable;
  pending.length = 0;
  const ids = n.idPattern;
  ids.lastIndex = 0;
  for (let m = ids.exec(identity); m; m = ids.exec(identity)) {
    const v = m[0];
    if (n.ids.has(v)) return true;
    if (principalIds || v.startsWith('ASIA')) pending.push(v);
  }
  if (n.names.size > 0) {
    const re = NAME_OR_ARN_TAIL_TEXT;
    re.lastIndex = 0;
    for (let m = re.exec(identity); m; m = re.exec(identity)) {
      const raw = m[1] ?? '';
      const v = UPPER.test(raw) ? raw.toLowerCase() : raw;
      if (n.names.has(v)) return true;
      if (learnNames) pending.push(v);
    }
  }
  for (const v of pending) bloomAdd(bloom, v);
  return false;
}

/**
 * Mark the records whose text names a canary user anywhere (`userName` values, identity ARNs, the
 * user a denial names), for a naming canary rule that takes any event source.
 */
function markNamed(
  text: string,
  slices: RecordSlices,
  n: Needles,
  bloom: Bloom,
  chosen: Uint8Array,
): void {
  for (const re of [NAME_OR_ARN_TAIL_TEXT, DENIED_TARGET_TEXT]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const raw = m[1] ?? '';
      const v = UPPER.test(raw) ? raw.toLowerCase() : raw;
      if (n.learnable.names) bloomAdd(bloom, v);
      if (!n.names.has(v)) continue;
      const i = recordAt(slices, m.index);
      if (i >= 0) chosen[i] = 1;
    }
  }
}
