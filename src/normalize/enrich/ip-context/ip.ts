/**
 * IP address parsing for the IP-context tables: IPv4 as one unsigned 32-bit number, IPv6 as four
 * big-endian 32-bit words. Parsers read bytes (so data files are parsed without building a string
 * per field) and are strict: a dotted quad with a leading zero (`010.0.0.1`, octal to some
 * parsers) or a fifth part is invalid, as `classifySource` has it.
 */

/** A parsed address. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) parses as the IPv4 address. */
export type Address =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly words: Uint32Array };

/** Longest address text considered (IPv6 with a zone id); longer strings are not addresses. */
export const MAX_ADDRESS_TEXT = 64;

const DOT = 46;
const COLON = 58;
const PERCENT = 37;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The IPv4 address in `b[start, end)` as an unsigned number, or -1 when it is not one. */
export function parseIpv4(b: Uint8Array, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? b[i]! : DOT;
    if (c === DOT) {
      if (digits === 0 || part > 255 || parts === 4) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero
      if (++digits > 3) return -1;
      part = part * 10 + (c - 48);
    } else return -1;
  }
  return parts === 4 ? value : -1;
}

/**
 * Parse the IPv6 address in `b[start, end)` into `out[at…at+3]`; false when it is not one.
 * Accepts `::` compression and a trailing dotted quad (`::ffff:1.2.3.4`), not zone ids.
 */
export function parseIpv6(
  b: Uint8Array,
  start: number,
  end: number,
  out: Uint32Array,
  at: number,
): boolean {
  const groups = GROUPS;
  let count = 0;
  let gap = -1;
  let i = start;
  if (end - start < 2) return false;
  if (b[i] === COLON) {
    if (b[i + 1] !== COLON) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    const groupStart = i;
    let value = 0;
    let digits = 0;
    while (i < end && digits <= 4) {
      const h = hexValue(b[i]!);
      if (h < 0) break;
      value = value * 16 + h;
      digits++;
      i++;
    }
    if (i < end && b[i] === DOT) {
      if (count > 6) return false;
      const v4 = parseIpv4(b, groupStart, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = value;
    if (i === end) break;
    if (b[i] !== COLON) return false;
    i++;
    if (i === end) return false;
    if (b[i] === COLON) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return false;
  const fill = 8 - count;
  for (let w = 0; w < 4; w++) {
    const hi = groupAt(groups, 2 * w, gap, fill);
    const lo = groupAt(groups, 2 * w + 1, gap, fill);
    out[at + w] = ((hi << 16) | lo) >>> 0;
  }
  return true;
}

const GROUPS = new Uint16Array(8);

/** Group `n` of the expanded address, given the parsed groups and where `::` stood. */
function groupAt(groups: Uint16Array, n: number, gap: number, fill: number): number {
  if (gap < 0 || n < gap) return groups[n]!;
  if (n < gap + fill) return 0;
  return groups[n - fill]!;
}

/** True for `::ffff:0:0/96`, the IPv4-mapped IPv6 addresses. */
export function isIpv4Mapped(words: Uint32Array, at = 0): boolean {
  return words[at] === 0 && words[at + 1] === 0 && words[at + 2] === 0xffff;
}

const scratch = Buffer.alloc(MAX_ADDRESS_TEXT);

/**
 * Parse address text (a `sourceIPAddress`): IPv4, IPv6 (a zone id such as `%eth0` is dropped),
 * IPv4-mapped IPv6 as IPv4. Anything else, including text longer than {@link MAX_ADDRESS_TEXT}
 * or not ASCII, is undefined. Never throws.
 *
 * @example
 * parseAddress('8.8.8.8') // { family: 4, value: 134744072 }
 * parseAddress('::ffff:8.8.8.8') // { family: 4, value: 134744072 }
 * parseAddress('010.0.0.1') // undefined
 */
export function parseAddress(text: string): Address | undefined {
  const n = text.length;
  if (n === 0 || n > MAX_ADDRESS_TEXT) return undefined;
  let colon = false;
  let end = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) return undefined;
    scratch[i] = c;
    if (c === COLON) colon = true;
    else if (c === PERCENT && end === n) end = i;
  }
  if (!colon) {
    if (end !== n) return undefined;
    const value = parseIpv4(scratch, 0, n);
    return value < 0 ? undefined : { family: 4, value };
  }
  if (end !== n && end === n - 1) return undefined; // empty zone id
  const words = new Uint32Array(4);
  if (!parseIpv6(scratch, 0, end, words, 0)) return undefined;
  if (isIpv4Mapped(words)) return { family: 4, value: words[3]! };
  return { family: 6, words };
}

/** Dotted-quad text of an IPv4 number. */
export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Full (uncompressed, lower-case) IPv6 text of four words at `words[at]`. */
export function formatIpv6(words: Uint32Array, at = 0): string {
  const parts: string[] = [];
  for (let w = 0; w < 4; w++) {
    const v = words[at + w]!;
    parts.push((v >>> 16).toString(16), (v & 0xffff).toString(16));
  }
  return parts.join(':');
}

/** Canonical text of an address: the form the mmdb reader is given and sets are keyed by. */
export function formatAddress(a: Address): string {
  return a.family === 4 ? formatIpv4(a.value) : formatIpv6(a.words);
}

/** A CIDR prefix: its address (host bits as given) and length. */
export type Cidr = Address & { readonly length: number };

/**
 * Parse `a.b.c.d/n` or `x:y::/n` (no zone id). An IPv4-mapped IPv6 prefix stays IPv6.
 *
 * @example
 * parseCidr('3.5.140.0/22') // { family: 4, value: 50695168, length: 22 }
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 1 || text.length > MAX_ADDRESS_TEXT + 4) return undefined;
  const digits = text.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(digits)) return undefined;
  const length = Number(digits);
  const bytes = Buffer.from(text.slice(0, slash), 'latin1');
  if (text.includes(':')) {
    const words = new Uint32Array(4);
    if (length > 128 || !parseIpv6(bytes, 0, bytes.length, words, 0)) return undefined;
    return { family: 6, words, length };
  }
  const value = parseIpv4(bytes, 0, bytes.length);
  return value < 0 || length > 32 ? undefined : { family: 4, value, length };
}
