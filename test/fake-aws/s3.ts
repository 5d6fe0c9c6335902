/**
 * A fake S3 (path-style REST, aws.md §2.1): buckets of objects, ListObjectsV2 (Prefix, Delimiter,
 * StartAfter, ContinuationToken, MaxKeys; keys in UTF-8 byte order), GetObject, PutObject, and a
 * failure injected for one key. Data events are not logged to the fake's CloudTrail.
 */
import { createHash } from 'node:crypto';
import { AwsFault } from './fault.js';
import type { DataOperation, DataProtocol, DataReply } from './data-plane.js';
import type { SignableRequest } from './sigv4.js';
import { textEl } from './xml.js';

/** A stored object. */
export interface FakeS3Object {
  readonly body: Buffer;
  readonly lastModified: Date;
  readonly etag: string;
  readonly contentType: string;
}

/** A failure queued for one key. */
interface KeyFailure {
  readonly code: string;
  readonly status: number;
  readonly message: string;
  remaining: number;
}

/** Buckets by name; objects by key. */
export interface FakeS3State {
  readonly buckets: Map<string, Map<string, FakeS3Object>>;
  readonly keyFailures: Map<string, KeyFailure>;
}

/** Options of {@link FakeS3Control.failKey}. */
export interface KeyFailOptions {
  /** HTTP status (default: S3's for the code, else 500). */
  readonly status?: number;
  /** How many GetObject calls of this key fail (default 1; Infinity for every one). */
  readonly times?: number;
  readonly message?: string;
}

/** Test controls of the fake S3. */
export interface FakeS3Control {
  createBucket(bucket: string): void;
  /** Store an object (creating the bucket); `lastModified` defaults to the fake's clock. */
  putObject(bucket: string, key: string, body: Buffer | string, lastModified?: Date): void;
  /** Make GetObject of this key fail with `code`. */
  failKey(bucket: string, key: string, code: string, opts?: KeyFailOptions): void;
  /** The bucket's keys in S3 order. */
  keys(bucket: string): string[];
}

const S3_STATUS: Readonly<Record<string, number>> = {
  NoSuchKey: 404,
  NoSuchBucket: 404,
  AccessDenied: 403,
  InternalError: 500,
  SlowDown: 503,
  ServiceUnavailable: 503,
};

/** Empty S3. */
export function createS3State(): FakeS3State {
  return { buckets: new Map(), keyFailures: new Map() };
}

/** S3's key order: UTF-8 bytes. */
export function compareS3Keys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function stored(body: Buffer, lastModified: Date): FakeS3Object {
  return {
    body,
    lastModified,
    etag: `"${createHash('md5').update(body).digest('hex')}"`,
    contentType: 'application/octet-stream',
  };
}

/** The test controls over `s3`, timed by `now`. */
export function createS3Control(s3: FakeS3State, now: () => Date): FakeS3Control {
  const bucketOf = (name: string): Map<string, FakeS3Object> => {
    let b = s3.buckets.get(name);
    if (!b) {
      b = new Map();
      s3.buckets.set(name, b);
    }
    return b;
  };
  return {
    createBucket: (bucket) => void bucketOf(bucket),
    putObject: (bucket, key, body, lastModified) =>
      void bucketOf(bucket).set(
        key,
        stored(typeof body === 'string' ? Buffer.from(body) : body, lastModified ?? now()),
      ),
    failKey: (bucket, key, code, opts = {}) =>
      void s3.keyFailures.set(`${bucket}/${key}`, {
        code,
        status: opts.status ?? S3_STATUS[code] ?? 500,
        message: opts.message ?? `Injected ${code}`,
        remaining: opts.times ?? 1,
      }),
    keys: (bucket) => [...(s3.buckets.get(bucket)?.keys() ?? [])].sort(compareS3Keys),
  };
}

function xml(status: number, body: string, headers: Record<string, string> = {}): DataReply {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

function bucketIn(s3: FakeS3State, name: string): Map<string, FakeS3Object> {
  const b = s3.buckets.get(name);
  if (!b) throw new AwsFault('NoSuchBucket', 'The specified bucket does not exist', 404);
  return b;
}

interface ListQuery {
  readonly prefix: string;
  readonly delimiter: string;
  readonly after: string | undefined;
  readonly maxKeys: number;
}

type Entry =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'prefix'; readonly key: string };

/** Keys and common prefixes after `after`, in order, each prefix once. */
function* entries(keys: readonly string[], q: ListQuery): Generator<Entry> {
  let lastPrefix: string | undefined;
  for (const key of keys) {
    if (!key.startsWith(q.prefix)) continue;
    if (q.after !== undefined && compareS3Keys(key, q.after) <= 0) continue;
    const cut = q.delimiter === '' ? -1 : key.indexOf(q.delimiter, q.prefix.length);
    if (cut < 0) {
      yield { kind: 'key', key };
      continue;
    }
    const common = key.slice(0, cut + q.delimiter.length);
    // A prefix already returned (on this page or before the token) is not returned again.
    if (common === lastPrefix || (q.after !== undefined && q.after.startsWith(common))) continue;
    lastPrefix = common;
    yield { kind: 'prefix', key: common };
  }
}

function encodeToken(key: string): string {
  return Buffer.from(`s3-fake:${key}`, 'utf8').toString('base64');
}

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith('s3-fake:')) {
    throw new AwsFault('InvalidArgument', 'The continuation token provided is incorrect', 400);
  }
  return text.slice('s3-fake:'.length);
}

function listObjectsV2(s3: FakeS3State, bucket: string, query: URLSearchParams): DataReply {
  const objects = bucketIn(s3, bucket);
  const maxKeys = Number(query.get('max-keys') ?? '1000');
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw new AwsFault(
      'InvalidArgument',
      'Provided max-keys not an integer or within integer range',
    );
  }
  const token = query.get('continuation-token') ?? undefined;
  const startAfter = query.get('start-after') ?? undefined;
  const q: ListQuery = {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') ?? '',
    after: token !== undefined ? decodeToken(token) : startAfter,
    maxKeys: Math.min(maxKeys, 1000),
  };
  const keys = [...objects.keys()].sort(compareS3Keys);
  const page: Entry[] = [];
  let truncated = false;
  for (const e of entries(keys, q)) {
    if (page.length === q.maxKeys) {
      truncated = true;
      break;
    }
    page.push(e);
  }
  const contents = page.flatMap((e) => {
    const o = e.kind === 'key' ? objects.get(e.key) : undefined;
    if (!o) return [];
    return [
      '<Contents>' +
        textEl('Key', e.key) +
        textEl('LastModified', o.lastModified.toISOString()) +
        textEl('ETag', o.etag) +
        textEl('Size', o.body.length) +
        textEl('StorageClass', 'STANDARD') +
        '</Contents>',
    ];
  });
  const prefixes = page
    .filter((e) => e.kind === 'prefix')
    .map((e) => `<CommonPrefixes>${textEl('Prefix', e.key)}</CommonPrefixes>`);
  const last = page.at(-1);
  const body =
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    textEl('Name', bucket) +
    textEl('Prefix', q.prefix) +
    (q.delimiter ? textEl('Delimiter', q.delimiter) : '') +
    textEl('MaxKeys', q.maxKeys) +
    textEl('KeyCount', page.length) +
    textEl('IsTruncated', truncated) +
    (token !== undefined ? textEl('ContinuationToken', token) : '') +
    (truncated && last ? textEl('NextContinuationToken', encodeToken(last.key)) : '') +
    (startAfter !== undefined ? textEl('StartAfter', startAfter) : '') +
    contents.join('') +
    prefixes.join('') +
    '</ListBucketResult>';
  return xml(200, body);
}

function takeKeyFailure(s3: FakeS3State, bucket: string, key: string): void {
  const f = s3.keyFailures.get(`${bucket}/${key}`);
  if (!f) return;
  f.remaining -= 1;
  if (f.remaining <= 0) s3.keyFailures.delete(`${bucket}/${key}`);
  throw new AwsFault(f.code, f.message, f.status);
}

function getObject(s3: FakeS3State, bucket: string, key: string): DataReply {
  const o = bucketIn(s3, bucket).get(key);
  takeKeyFailure(s3, bucket, key);
  if (!o) throw new AwsFault('NoSuchKey', 'The specified key does not exist.', 404);
  return {
    status: 200,
    headers: {
      'content-type': o.contentType,
      'content-length': String(o.body.length),
      etag: o.etag,
      'last-modified': o.lastModified.toUTCString(),
      'accept-ranges': 'bytes',
    },
    body: o.body,
  };
}

function putObject(
  s3: FakeS3State,
  bucket: string,
  key: string,
  body: Buffer,
  now: Date,
): DataReply {
  const o = stored(body, now);
  bucketIn(s3, bucket).set(key, o);
  return { status: 200, headers: { etag: o.etag }, body: '' };
}

/** Bucket and key of a path-style URL (`/bucket/key…`, the key percent-decoded). */
function target(url: string): { bucket: string; key: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const slash = path.indexOf('/', 1);
  const rawBucket = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const rawKey = slash < 0 ? '' : path.slice(slash + 1);
  try {
    return { bucket: decodeURIComponent(rawBucket), key: decodeURIComponent(rawKey), query };
  } catch (err) {
    throw new AwsFault('InvalidURI', "Couldn't parse the specified URI.", 400, { cause: err });
  }
}

function operation(s3: FakeS3State, req: SignableRequest): DataOperation {
  const { bucket, key, query } = target(req.url);
  const method = req.method.toUpperCase();
  const arn = `arn:aws:s3:::${bucket}`;
  if (method === 'GET' && key === '' && query.get('list-type') === '2') {
    return {
      action: 'ListObjectsV2',
      iamAction: 's3:ListBucket',
      resource: arn,
      params: { Bucket: bucket, ...Object.fromEntries(query) },
      run: () => listObjectsV2(s3, bucket, query),
    };
  }
  if (method === 'GET' && key !== '') {
    return {
      action: 'GetObject',
      iamAction: 's3:GetObject',
      resource: `${arn}/${key}`,
      params: { Bucket: bucket, Key: key },
      run: () => getObject(s3, bucket, key),
    };
  }
  if (method === 'PUT' && key !== '') {
    return {
      action: 'PutObject',
      iamAction: 's3:PutObject',
      resource: `${arn}/${key}`,
      params: { Bucket: bucket, Key: key },
      run: (ex) => putObject(s3, bucket, key, ex.req.body, ex.now),
    };
  }
  throw new AwsFault('NotImplemented', `The fake does not implement ${method} ${req.url}`, 501);
}

/** The S3 REST protocol over `s3`. */
export function s3Protocol(s3: FakeS3State): DataProtocol {
  return {
    service: 's3',
    parse: (req) => operation(s3, req),
    error: (fault, requestId) =>
      xml(
        fault.status,
        '<Error>' +
          textEl('Code', fault.code) +
          textEl('Message', fault.message) +
          textEl('RequestId', requestId) +
          '</Error>',
        { 'x-amz-request-id': requestId },
      ),
    success: (reply, requestId) => ({
      ...reply,
      headers: { ...reply.headers, 'x-amz-request-id': requestId },
    }),
  };
}
