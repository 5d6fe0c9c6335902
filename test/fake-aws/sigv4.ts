/**
 * AWS Signature Version 4 verification (header form), with node:crypto only: canonical request,
 * string to sign and the HMAC signing-key chain.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface SigV4Authorization {
  readonly accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** What the verifier needs from an HTTP request. */
export interface SignableRequest {
  readonly method: string;
  /** Path and query exactly as received (`/` or `/?Action=…`). */
  readonly url: string;
  /** Node's `rawHeaders`: alternating names and values. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;_-]+)\s*,\s*Signature=([0-9a-f]{64})$/;

/** Parse the Authorization header; undefined when it is not a well-formed SigV4 header. */
export function parseAuthorization(header: string): SigV4Authorization | undefined {
  const m = AUTH_RE.exec(header.trim());
  if (!m) return undefined;
  const [, accessKeyId, date, region, service, signed, signature] = m;
  if (!accessKeyId || !date || !region || !service || !signed || !signature) return undefined;
  return { accessKeyId, date, region, service, signedHeaders: signed.split(';'), signature };
}

/** The access key id named by an Authorization header, even when the rest is malformed. */
export function credentialKeyId(header: string): string | undefined {
  return /Credential=([A-Za-z0-9]+)\//.exec(header)?.[1];
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX). */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Canonical URI: each path segment (as received) encoded again, as for non-S3 services. */
export function canonicalPath(rawPath: string): string {
  if (rawPath === '' || rawPath === '/') return '/';
  return rawPath
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

/** Canonical query string: pairs re-encoded, sorted by name then value. */
export function canonicalQuery(rawQuery: string): string {
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const name = safeDecode(eq < 0 ? p : p.slice(0, eq));
      const value = eq < 0 ? '' : safeDecode(p.slice(eq + 1));
      return [uriEncode(name), uriEncode(value)] as const;
    })
    .filter(([name]) => name !== 'X-Amz-Signature');
  pairs.sort((a, b) => (a[0] === b[0] ? cmp(a[1], b[1]) : cmp(a[0], b[0])));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** All values of a header (case-insensitive), in order. */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === name) out.push(rawHeaders[i + 1] ?? '');
  }
  return out;
}

function canonicalHeaders(rawHeaders: readonly string[], signed: readonly string[]): string {
  return signed
    .map((name) => {
      const values = headerValues(rawHeaders, name).map((v) => v.trim().replace(/\s+/g, ' '));
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
}

/** The SigV4 canonical request for `req`, given the signed header names and the payload hash. */
export function canonicalRequest(
  req: SignableRequest,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  return [
    req.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    canonicalHeaders(req.rawHeaders, signedHeaders),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** The signing key: HMAC chain over `AWS4`+secret → date → region → service → `aws4_request`. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  return hmac(hmac(hmac(kDate, region), service), 'aws4_request');
}

/** Why a signature was rejected, or undefined when it verifies. */
export function verifySignature(
  req: SignableRequest,
  auth: SigV4Authorization,
  secret: string,
): string | undefined {
  const amzDate = headerValues(req.rawHeaders, 'x-amz-date')[0];
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) return 'missing or malformed x-amz-date';
  if (!amzDate.startsWith(auth.date)) return 'credential scope date differs from x-amz-date';
  if (!auth.signedHeaders.includes('host')) return 'host is not signed';
  const bodyHash = sha256Hex(req.body);
  const declared = headerValues(req.rawHeaders, 'x-amz-content-sha256')[0];
  if (declared !== undefined && declared !== bodyHash) return 'payload hash mismatch';
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const canonical = canonicalRequest(req, auth.signedHeaders, declared ?? bodyHash);
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const expected = createHmac('sha256', signingKey(secret, auth.date, auth.region, auth.service))
    .update(toSign, 'utf8')
    .digest();
  const given = Buffer.from(auth.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? undefined
    : 'signature mismatch';
}
