/**
 * Classification of `sourceIPAddress`, which is not always an IP: AWS services put their DNS name
 * there, internal calls say `AWS Internal`, and forged records can say anything.
 */
import { isIP } from 'node:net';
import type { SourceKind } from '../../core/event.js';

/** Longest IPv6 text with a zone id we bother parsing; longer strings cannot be addresses. */
const MAX_IP_TEXT = 64;
/** RFC 1035 limit on a DNS name's length. */
const MAX_DNS_NAME = 253;
const AWS_SERVICE_SUFFIX = '.amazonaws.com';

function isInternal(s: string): boolean {
  if (s === 'AWS Internal') return true;
  if (!s.startsWith('AWS Internal/') || s.length > 24) return false;
  const digits = s.slice('AWS Internal/'.length);
  return digits.length > 0 && isDigits(digits);
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isLabelChar(c: number): boolean {
  // a-z, A-Z, 0-9, '-', '_' (some service names and internal hosts use underscores)
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95
  );
}

/**
 * True when `s` looks like a DNS name: at least two dot-separated labels of 1–63 letters, digits,
 * hyphens or underscores, not starting or ending with a hyphen, total ≤ 253, and a last label that is
 * not all digits (so a malformed dotted quad is not a hostname).
 */
export function isDnsNameLike(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  if (name.length === 0 || name.length > MAX_DNS_NAME) return false;
  let labelStart = 0;
  let labels = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 46;
    if (c !== 46) {
      if (!isLabelChar(c)) return false;
      continue;
    }
    const len = i - labelStart;
    if (len === 0 || len > 63) return false;
    if (name.charCodeAt(labelStart) === 45 || name.charCodeAt(i - 1) === 45) return false;
    labels++;
    labelStart = i + 1;
  }
  const last = name.slice(name.lastIndexOf('.') + 1);
  return labels >= 2 && !isDigits(last);
}

/**
 * Classify a `sourceIPAddress` value.
 *
 * - `ipv4`: strict dotted quad, each part 0–255 without leading zeros (`010.0.0.1` is ambiguous —
 *   octal to some parsers — and would slip past string allow-lists, so it counts as invalid).
 * - `ipv6`: any form `node:net` accepts, including compressed, v4-mapped and zone-id forms.
 * - `aws-internal`: `AWS Internal` or `AWS Internal/<n>`.
 * - `aws-service`: a DNS name under `amazonaws.com`; `hostname`: any other DNS-name-looking value.
 * - `missing`: undefined or empty; `invalid`: everything else.
 */
export function classifySource(s: string | undefined): SourceKind {
  if (s === undefined || s.length === 0) return 'missing';
  if (s.length <= MAX_IP_TEXT) {
    const family = isIP(s);
    if (family === 4) return 'ipv4';
    if (family === 6) return 'ipv6';
  }
  if (isInternal(s)) return 'aws-internal';
  if (!isDnsNameLike(s)) return 'invalid';
  const lower = s.toLowerCase();
  const host = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  return host.endsWith(AWS_SERVICE_SUFFIX) ? 'aws-service' : 'hostname';
}
