/**
 * Authentication for the data-plane services (S3, SQS, CloudTrail): the same keys and sessions as
 * IAM/STS, with each service's signing rule. S3 signs the path exactly as sent (its keys are
 * encoded once) and may declare `UNSIGNED-PAYLOAD`; the JSON services sign like IAM does.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsFault } from './fault.js';
import type { Caller } from './operation.js';
import {
  canonicalQuery,
  headerValues,
  parseAuthorization,
  signingKey,
  verifySignature,
  type SignableRequest,
  type SigV4Authorization,
} from './sigv4.js';
import { findUser, type FakeState } from './state.js';

/** The services served beside IAM and STS. */
export type DataService = 's3' | 'sqs' | 'cloudtrail';

/** A signed caller and the parsed header (its credential scope names the region). */
export interface DataCaller {
  readonly caller: Caller;
  readonly auth: SigV4Authorization;
}

const UNKNOWN_KEY: Readonly<Record<DataService, readonly [string, string]>> = {
  s3: ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
  sqs: ['InvalidClientTokenId', 'The security token included in the request is invalid.'],
  cloudtrail: [
    'UnrecognizedClientException',
    'The security token included in the request is invalid.',
  ],
};

const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your key and signing method.';

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** S3's canonical request: the path as sent, no second encoding; the declared payload hash. */
function verifyS3(
  req: SignableRequest,
  auth: SigV4Authorization,
  secret: string,
): string | undefined {
  const amzDate = headerValues(req.rawHeaders, 'x-amz-date')[0];
  if (!amzDate || !amzDate.startsWith(auth.date)) return 'missing or mismatched x-amz-date';
  if (!auth.signedHeaders.includes('host')) return 'host is not signed';
  const declared = headerValues(req.rawHeaders, 'x-amz-content-sha256')[0];
  if (declared === undefined) return 'missing x-amz-content-sha256';
  if (declared !== 'UNSIGNED-PAYLOAD' && declared !== sha256Hex(req.body)) {
    return 'payload hash mismatch';
  }
  const q = req.url.indexOf('?');
  const headers = auth.signedHeaders
    .map((name) => {
      const values = headerValues(req.rawHeaders, name).map((v) => v.trim().replace(/\s+/g, ' '));
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
  const canonical = [
    req.method.toUpperCase(),
    q < 0 ? req.url : req.url.slice(0, q),
    canonicalQuery(q < 0 ? '' : req.url.slice(q + 1)),
    headers,
    auth.signedHeaders.join(';'),
    declared,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const expected = createHmac('sha256', signingKey(secret, auth.date, auth.region, auth.service))
    .update(toSign, 'utf8')
    .digest();
  const given = Buffer.from(auth.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? undefined
    : 'signature mismatch';
}

function resolve(
  state: FakeState,
  req: SignableRequest,
  accessKeyId: string,
): { caller: Caller; secret: string } | undefined {
  const key = state.keys.get(accessKeyId);
  if (key) {
    const user = findUser(state, key.userName);
    if (!user || key.status !== 'Active') return undefined;
    return { caller: { accessKeyId, user, key }, secret: key.secretAccessKey };
  }
  const session = state.sessions.get(accessKeyId);
  const user = session && findUser(state, session.userName);
  if (!session || !user) return undefined;
  if (headerValues(req.rawHeaders, 'x-amz-security-token')[0] !== session.sessionToken) {
    return undefined;
  }
  if (session.expiration.getTime() <= state.clock.now().getTime()) return undefined;
  return { caller: { accessKeyId, user, session }, secret: session.secretAccessKey };
}

/** Authenticate a data-plane request; throws an AwsFault as the service words it. */
export function authenticateData(
  state: FakeState,
  req: SignableRequest,
  service: DataService,
): DataCaller {
  const header = headerValues(req.rawHeaders, 'authorization')[0];
  const auth = header === undefined ? undefined : parseAuthorization(header);
  if (!auth) {
    throw new AwsFault(
      service === 's3' ? 'AccessDenied' : 'MissingAuthenticationToken',
      'Request is missing a valid SigV4 Authorization header',
      403,
    );
  }
  const found = resolve(state, req, auth.accessKeyId);
  if (!found) throw new AwsFault(UNKNOWN_KEY[service][0], UNKNOWN_KEY[service][1], 403);
  const why =
    service === 's3' ? verifyS3(req, auth, found.secret) : verifySignature(req, auth, found.secret);
  if (why !== undefined) throw new AwsFault('SignatureDoesNotMatch', BAD_SIGNATURE, 403);
  return { caller: found.caller, auth };
}
