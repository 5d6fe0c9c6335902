/**
 * Authentication of a request: the SigV4 Authorization header must name an existing, active access
 * key (or a live GetSessionToken session with its x-amz-security-token) and carry a valid signature.
 */
import { AwsFault } from './fault.js';
import type { Caller } from './operation.js';
import {
  headerValues,
  parseAuthorization,
  verifySignature,
  type SignableRequest,
  type SigV4Authorization,
} from './sigv4.js';
import { findUser, type FakeState } from './state.js';
import type { FakeService } from './xml.js';

/** Why authentication failed, and who the key belongs to when that is known (for CloudTrail). */
export class AuthFailure extends Error {
  readonly fault: AwsFault;
  readonly caller: Caller | undefined;

  constructor(fault: AwsFault, caller?: Caller) {
    super(fault.message, { cause: fault });
    this.name = 'AuthFailure';
    this.fault = fault;
    this.caller = caller;
  }
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function fail(code: string, message: string, caller?: Caller): never {
  throw new AuthFailure(new AwsFault(code, message), caller);
}

/** The caller and secret for an access key id, or an AuthFailure. */
function resolveKey(
  state: FakeState,
  req: SignableRequest,
  accessKeyId: string,
): { caller: Caller; secret: string } {
  const key = state.keys.get(accessKeyId);
  if (key) {
    const user = findUser(state, key.userName);
    if (!user) return fail('InvalidClientTokenId', INVALID_TOKEN);
    const caller: Caller = { accessKeyId, user, key };
    if (key.status !== 'Active') fail('InvalidClientTokenId', INVALID_TOKEN, caller);
    return { caller, secret: key.secretAccessKey };
  }
  const session = state.sessions.get(accessKeyId);
  const user = session && findUser(state, session.userName);
  if (!session || !user) return fail('InvalidClientTokenId', INVALID_TOKEN);
  const caller: Caller = { accessKeyId, user, session };
  if (headerValues(req.rawHeaders, 'x-amz-security-token')[0] !== session.sessionToken) {
    fail('InvalidClientTokenId', INVALID_TOKEN, caller);
  }
  if (session.expiration.getTime() <= state.clock.now().getTime()) {
    fail('ExpiredToken', 'The security token included in the request is expired', caller);
  }
  return { caller, secret: session.secretAccessKey };
}

/** Parse the Authorization header or fail like AWS does. */
function authorizationOf(req: SignableRequest): SigV4Authorization {
  const header = headerValues(req.rawHeaders, 'authorization')[0];
  if (header === undefined)
    fail('MissingAuthenticationToken', 'Request is missing Authentication Token');
  const auth = parseAuthorization(header);
  if (!auth) {
    fail(
      'IncompleteSignature',
      'Authorization header requires Credential, SignedHeaders and Signature.',
    );
  }
  return auth;
}

/**
 * Authenticate `req` for `service`. Returns the caller and the parsed header; throws
 * {@link AuthFailure}.
 */
export function authenticate(
  state: FakeState,
  req: SignableRequest,
  service: FakeService,
): { caller: Caller; auth: SigV4Authorization } {
  const auth = authorizationOf(req);
  const { caller, secret } = resolveKey(state, req, auth.accessKeyId);
  if (verifySignature(req, auth, secret) !== undefined) {
    fail('SignatureDoesNotMatch', BAD_SIGNATURE, caller);
  }
  // IAM refuses GetSessionToken credentials that carry no MFA information.
  if (service === 'iam' && caller.session) fail('InvalidClientTokenId', INVALID_TOKEN, caller);
  return { caller, auth };
}
