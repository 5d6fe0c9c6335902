/**
 * The records first-seen rules need (`selector.earliestPer`), found in unparsed text: per
 * principal and UTC day, the earliest record of each API (event source and name) and/or each
 * source IP. One tracker per thread lives across the files it reads, so a record is chosen only
 * when it is earlier than every record of its principal, value and day the thread has seen:
 * the earliest of all (whatever order files come in) is always among the chosen, which is all a
 * first-seen rule's state needs at day granularity (detect/rules/lib/first-seen.ts). A principal is
 * what {@link stablePrincipal} makes of the identity text (parsed once per distinct text): the
 * sessions of one role are one principal, as the rules see them.
 */
import { stablePrincipal } from '../core/index.js';
import { DEFAULT_FIELD_LIMITS, flattenIdentity } from '../normalize/index.js';

/** Distinct principals (or identity texts) before the tracker starts over. */
const MAX_IDS = 1 << 20;
/** Distinct values (APIs, source IPs) before it starts over: value × 32768 + day stays a small integer. */
const MAX_VALUES = 1 << 16;

/**
 * Identity texts remembered per fingerprint; past this, a text is parsed again each time it comes
 * (its principal, and so its id, is the same).
 */
const TEXTS_PER_FINGERPRINT = 8;

/**
 * A copy of `s` that holds no reference to the text it was sliced from. V8 keeps a substring of
 * 13 characters or more as a view of its parent: one kept for good would keep the whole 4 MB
 * text of the file it came from alive.
 */
export function copyOf(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

/**
 * The principal an identity text (`"userIdentity":{…}`) names, as first-seen rules key it
 * ({@link stablePrincipal} of the identity normalize would make), or undefined when the text does
 * not parse on its own.
 */
function principalOfText(identity: string): string | undefined {
  try {
    const parsed = JSON.parse(`{${identity}}`) as { userIdentity?: unknown };
    return stablePrincipal(flattenIdentity(parsed.userIdentity, DEFAULT_FIELD_LIMITS));
  } catch {
    return undefined;
  }
}

/** A thread's memory of the earliest records it has seen. */
export interface Earliest {
  /**
   * Identity text → the id of the principal it names, by a cheap fingerprint (see record-choice.ts
   * `fingerprint`): the sessions of one role are one principal.
   */
  identities: Map<number, { readonly text: string; readonly id: number }[]>;
  /** Principal → id (a text that does not parse is a principal of its own). */
  principals: Map<string, number>;
  identityCount: number;
  /** Identity texts remembered. */
  textCount: number;
  /** `eventName` → its event sources and their ids (one lookup: names rarely share a service); source IPs → id. */
  apis: Map<string, { readonly source: string; readonly id: number }[]>;
  ips: Map<string, number>;
  /** IPv4 addresses (as numbers) → id. */
  ipv4s: Map<number, number>;
  valueCount: number;
  /** By identity id: value id × 32768 + day ({@link dayAt}) → earliest `eventTime` text seen. */
  earliest: (Map<number, string> | undefined)[];
  /** Counts {@link reset}s: an identity id handed out before one is void. */
  generation: number;
}

export function createEarliest(): Earliest {
  return {
    identities: new Map(),
    principals: new Map(),
    identityCount: 0,
    textCount: 0,
    apis: new Map(),
    ips: new Map(),
    ipv4s: new Map(),
    valueCount: 0,
    earliest: [],
    generation: 0,
  };
}

/** Start over (bounded memory): afterwards more records are chosen, never fewer. */
function reset(t: Earliest): void {
  t.identities.clear();
  t.principals.clear();
  t.identityCount = 0;
  t.textCount = 0;
  t.apis.clear();
  t.ips.clear();
  t.ipv4s.clear();
  t.valueCount = 0;
  t.earliest.length = 0;
  t.generation++;
}

/** The id of the principal the identity text `text.slice(from, to)` (fingerprint `fp`) names. */
export function identityId(
  t: Earliest,
  text: string,
  from: number,
  to: number,
  fp: number,
): number {
  const sub = text.slice(from, to);
  const list = t.identities.get(fp);
  if (list) for (const e of list) if (e.text === sub) return e.id;
  if (t.identityCount >= MAX_IDS || t.textCount >= MAX_IDS) reset(t);
  t.textCount++;
  const kept = copyOf(sub);
  const principal = principalOfText(kept) ?? `\u0000${kept}`;
  let id = t.principals.get(principal);
  if (id === undefined) {
    id = t.identityCount++;
    t.principals.set(principal, id);
  }
  const entry = { text: kept, id };
  if (!list) t.identities.set(fp, [entry]);
  else if (list.length < TEXTS_PER_FINGERPRINT) list.push(entry);
  return id;
}

function newValueId(t: Earliest): number {
  if (t.valueCount >= MAX_VALUES) reset(t);
  return t.valueCount++;
}

/** The id of an API (event source, event name). */
export function apiId(t: Earliest, source: string, name: string): number {
  let sources = t.apis.get(name);
  if (!sources) {
    sources = [];
    t.apis.set(copyOf(name), sources);
  }
  for (const s of sources) if (s.source === source) return s.id;
  const id = newValueId(t);
  sources.push({ source: copyOf(source), id });
  return id;
}

/**
 * The IPv4 address written at `at` in `text` and closed by `"` (`198.51.100.7"`), as an unsigned
 * 32-bit number, or -1 when the text there is anything else (the caller then takes the text).
 */
export function ipv4At(text: string, at: number): number {
  let ip = 0;
  let part = -1;
  let parts = 0;
  for (let i = at; i < at + 16; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (part === 0) return -1; // a leading zero
      part = part < 0 ? c - 48 : part * 10 + c - 48;
      if (part > 255) return -1;
    } else if (c === 46 || c === 34) {
      if (part < 0) return -1;
      ip = ip * 256 + part;
      parts++;
      part = -1;
      if (c === 34) return parts === 4 ? ip : -1;
      if (parts === 4) return -1;
    } else return -1;
  }
  return -1;
}

/** The id of an IPv4 address (as {@link ipv4At} reads it). */
export function ipv4Id(t: Earliest, ip: number): number {
  const key = ip | 0; // a small integer key, not a boxed number
  let id = t.ipv4s.get(key);
  if (id === undefined) t.ipv4s.set(key, (id = newValueId(t)));
  return id;
}

/** The id of a source IP text. */
export function ipId(t: Earliest, ip: string): number {
  let id = t.ips.get(ip);
  if (id === undefined) t.ips.set(copyOf(ip), (id = newValueId(t)));
  return id;
}

/**
 * The UTC day of a compact `eventTime` value at `at` in `text` (`2025-03-01T10:05:07Z`, as
 * CloudTrail writes it), counted in 31-day months from 2000 (ordered, under 32768), or -1 when it
 * is not in that form or not in 2000–2087.
 */
export function dayAt(text: string, at: number): number {
  if (text.charCodeAt(at + 19) !== 0x5a || text.charCodeAt(at + 10) !== 0x54) return -1;
  if (text.charCodeAt(at + 4) !== 0x2d || text.charCodeAt(at + 7) !== 0x2d) return -1;
  const year = digits(text, at, 4);
  const month = digits(text, at + 5, 2);
  const day = digits(text, at + 8, 2);
  if (year < 2000 || year >= 2088 || month < 1 || month > 12 || day < 1 || day > 31) return -1;
  return ((year - 2000) * 12 + month - 1) * 31 + day - 1;
}

/** The decimal number of `n` digits at `at`, or -1. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(at + i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** How the time written at `at` compares with `min` (both compact times of one UTC day). */
function compareTime(text: string, at: number, min: string): number {
  for (let i = 11; i < 19; i++) {
    const a = text.charCodeAt(at + i);
    const b = min.charCodeAt(i);
    if (a !== b) return a - b;
  }
  return 0;
}

/**
 * Is the record with this identity, value and day, at the time written at `timeAt`, the earliest
 * the thread has seen (ties included, so every record of the earliest second is chosen)? It is
 * then remembered as the earliest.
 */
export function isEarliest(
  t: Earliest,
  identity: number,
  value: number,
  day: number,
  text: string,
  timeAt: number,
): boolean {
  let mins = t.earliest[identity];
  if (!mins) t.earliest[identity] = mins = new Map();
  const key = value * 32768 + day;
  const min = mins.get(key);
  const order = min === undefined ? -1 : compareTime(text, timeAt, min);
  if (order > 0) return false;
  if (order < 0) mins.set(key, copyOf(text.slice(timeAt, timeAt + 20)));
  return true;
}
