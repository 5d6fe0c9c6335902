/**
 * SQS message bodies about new CloudTrail files (reference/aws.md §2.5–2.6): an S3 event
 * notification (`{"Records":[{"eventSource":"aws:s3","s3":{…}}]}`), the same wrapped in an SNS
 * envelope (`{"Type":"Notification","Message":"<JSON text>"}`), CloudTrail's own SNS message
 * (`{"s3Bucket":…,"s3ObjectKey":[…]}`, keys not encoded), and S3's `s3:TestEvent`. Bodies are
 * attacker-reachable input: nothing here throws, and anything else is `invalid` with a reason.
 */

/** An object a notification names. */
export interface NotifiedObject {
  readonly bucket: string;
  /** The key, decoded. */
  readonly key: string;
  readonly size?: number;
  /** The notification's eventTime (epoch ms), when given. */
  readonly eventTime?: number;
}

/** What a message body says. */
export type Notification =
  | { readonly kind: 'objects'; readonly objects: readonly NotifiedObject[] }
  | { readonly kind: 'test' }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * An S3 notification key decoded: form-style URL encoding, `+` is a space
 * (`decodeURIComponent(key.replace(/\+/g, ' '))`). Undefined when the encoding is broken.
 */
export function decodeS3Key(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;

function parseObject(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function s3Record(r: unknown, i: number): NotifiedObject | string | null {
  if (!isObject(r)) return `Records[${i}] is not an object`;
  if (r['eventSource'] !== 'aws:s3') return `Records[${i}].eventSource is not aws:s3`;
  const name = r['eventName'];
  // Removals, restores and the like name no new file.
  if (typeof name !== 'string' || !name.startsWith('ObjectCreated:')) return null;
  const s3 = r['s3'];
  const bucket = isObject(s3) && isObject(s3['bucket']) ? s3['bucket']['name'] : undefined;
  const object = isObject(s3) && isObject(s3['object']) ? s3['object'] : undefined;
  const rawKey = object?.['key'];
  if (typeof bucket !== 'string' || bucket === '' || typeof rawKey !== 'string') {
    return `Records[${i}] names no bucket and key`;
  }
  const key = decodeS3Key(rawKey);
  if (key === undefined || key === '') return `Records[${i}].s3.object.key is not URL-encoded text`;
  const size = object?.['size'];
  const time = typeof r['eventTime'] === 'string' ? Date.parse(r['eventTime']) : NaN;
  return {
    bucket,
    key,
    ...(typeof size === 'number' && Number.isFinite(size) ? { size } : {}),
    ...(Number.isFinite(time) ? { eventTime: time } : {}),
  };
}

function fromRecords(records: unknown[]): Notification {
  const objects: NotifiedObject[] = [];
  for (const [i, r] of records.entries()) {
    const o = s3Record(r, i);
    if (typeof o === 'string') return { kind: 'invalid', reason: o };
    if (o) objects.push(o);
  }
  return { kind: 'objects', objects };
}

function fromCloudTrailSns(body: Json): Notification {
  const bucket = body['s3Bucket'];
  const keys = body['s3ObjectKey'];
  const list = Array.isArray(keys) ? keys : [keys];
  if (
    typeof bucket !== 'string' ||
    bucket === '' ||
    !list.every((k) => typeof k === 'string' && k !== '')
  ) {
    return {
      kind: 'invalid',
      reason: 's3Bucket / s3ObjectKey are not a bucket name and key strings',
    };
  }
  return { kind: 'objects', objects: (list as string[]).map((key) => ({ bucket, key })) };
}

function classify(body: Json): Notification {
  if (body['Event'] === 's3:TestEvent') return { kind: 'test' };
  if (Array.isArray(body['Records'])) return fromRecords(body['Records']);
  if ('s3Bucket' in body) return fromCloudTrailSns(body);
  return { kind: 'invalid', reason: 'not an S3 event notification' };
}

/** What an SQS message body says (see the module comment). */
export function parseNotification(text: string): Notification {
  const body = parseObject(text);
  if (!body) return { kind: 'invalid', reason: 'the message body is not a JSON object' };
  if (body['Type'] === 'Notification' && typeof body['Message'] === 'string') {
    const inner = parseObject(body['Message']);
    if (!inner) return { kind: 'invalid', reason: 'the SNS Message is not a JSON object' };
    return classify(inner);
  }
  return classify(body);
}
