/**
 * Text helpers several sinks share: cutting a string to a destination's size without splitting a
 * surrogate pair, plain inert text (see `safeText`), HTML entities, the one link an alert may
 * carry, and the caps and escapes of the JSON sinks. Escaping for one destination's markup
 * (mrkdwn, Teams markdown, wiki markup, SD values, CEF) stays in that sink: it differs on purpose.
 */
import { safeText } from '../../../core/index.js';

/** The first `n` UTF-16 units of `s`, one fewer when the last would be half a surrogate pair. */
export function headOf(s: string, n: number): string {
  const head = s.slice(0, Math.max(0, n));
  const last = head.charCodeAt(head.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? head.slice(0, -1) : head;
}

/**
 * `s` cut to at most `max` UTF-16 units (the unit destinations count in), ending in `mark` when
 * cut, never splitting a surrogate pair.
 *
 * @example
 * clip('abcdef', 4) // 'abc…'
 */
export function clip(s: string, max: number, mark = '…'): string {
  return s.length <= max ? s : `${headOf(s, max - mark.length)}${mark}`;
}

/**
 * `v` as one line of inert text (every control, bidi, zero-width and line-break character a space)
 * of at most `max` UTF-16 units, for destinations that show text as written.
 */
export function plainText(v: string, max: number): string {
  // What lies past `max` is cut anyway, so only that much is neutralised.
  return clip(safeText(v.length > max ? v.slice(0, max + 1) : v), max);
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `s` with `& < > " '` written as entities: inert as HTML text and in a quoted attribute. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * `link` normalised when it is an `http:` or `https:` URL of at most `maxLength` characters;
 * anything else (`javascript:`, `data:`, not a URL, too long) is undefined and not linked.
 */
export function httpLink(link: string | undefined, maxLength = 2048): string | undefined {
  if (link === undefined || !URL.canParse(link)) return undefined;
  const { protocol, href } = new URL(link);
  if (protocol !== 'https:' && protocol !== 'http:') return undefined;
  return href.length <= maxLength ? href : undefined;
}

/** The most a JSON sink keeps of each string (UTF-16 units) and each list (entries). */
export interface JsonCaps {
  readonly string: number;
  readonly list: number;
}

/**
 * `value` with every string longer than `caps.string` cut (with `…`, never splitting a pair) and
 * every list longer than `caps.list` shortened, and whether anything was.
 */
export function capJson(value: unknown, caps: JsonCaps): { value: unknown; truncated: boolean } {
  let truncated = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v.length <= caps.string) return v;
      truncated = true;
      return clip(v, caps.string);
    }
    if (Array.isArray(v)) {
      if (v.length > caps.list) truncated = true;
      return v.slice(0, caps.list).map(walk);
    }
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value), truncated };
}

/**
 * `json` with every character `pattern` (global) matches written as `\uXXXX` escapes, one per
 * UTF-16 unit. Outside its strings JSON is ASCII, so a pattern of non-ASCII, control or markup
 * characters only ever matches inside a string, and `JSON.parse` gives the values back unchanged.
 *
 * @example
 * escapeInJson('{"a":"x\u202ey"}', /\p{Cf}/gu) // '{"a":"x\\u202ey"}'
 */
export function escapeInJson(json: string, pattern: RegExp): string {
  return json.replace(pattern, (c) => {
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

/** `label`, or else the first of `label (2)`, `label (3)`, … that is not yet a key of `taken`. */
export function freeKey(taken: ReadonlyMap<string, unknown>, label: string): string {
  let key = label;
  for (let n = 2; taken.has(key); n++) key = `${label} (${n})`;
  return key;
}
