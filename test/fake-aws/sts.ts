/**
 * STS operations: GetCallerIdentity, GetSessionToken (ASIA session credentials that are then valid
 * callers), GetAccessKeyInfo.
 */
import { accountIdFromKeyId } from '../../src/core/key-anatomy.js';
import { AwsFault, validationError } from './fault.js';
import { generateAccessKeyId, generateSecret, generateSessionToken } from './ids.js';
import { javaDate, type OpContext, type OpOutput, type Operation } from './operation.js';
import type { FakeSession } from './state.js';
import { el, isoSeconds, textEl } from './xml.js';

/** GetSessionToken duration bounds for IAM users (seconds). */
export const SESSION_DURATION = { min: 900, max: 129_600, default: 43_200 } as const;

function getCallerIdentity(ctx: OpContext): OpOutput {
  const { user } = ctx.caller;
  const xml =
    textEl('Arn', user.arn) +
    textEl('UserId', user.userId) +
    textEl('Account', ctx.state.accountId);
  return { xml };
}

function refuseSessionCaller(ctx: OpContext, action: string): void {
  if (ctx.caller.session) {
    throw new AwsFault('AccessDenied', `Cannot call ${action} with session credentials`);
  }
}

function getSessionToken(ctx: OpContext): OpOutput {
  refuseSessionCaller(ctx, 'GetSessionToken');
  const duration = ctx.params.int(
    'DurationSeconds',
    SESSION_DURATION.min,
    SESSION_DURATION.max,
    SESSION_DURATION.default,
  );
  const session: FakeSession = {
    accessKeyId: generateAccessKeyId('ASIA', ctx.state.accountId),
    secretAccessKey: generateSecret(),
    sessionToken: generateSessionToken(),
    userName: ctx.caller.user.userName,
    parentAccessKeyId: ctx.caller.accessKeyId,
    createDate: ctx.now,
    expiration: new Date(ctx.now.getTime() + duration * 1000),
  };
  ctx.state.sessions.set(session.accessKeyId, session);
  const xml = el(
    'Credentials',
    textEl('AccessKeyId', session.accessKeyId) +
      textEl('SecretAccessKey', session.secretAccessKey) +
      textEl('SessionToken', session.sessionToken) +
      textEl('Expiration', isoSeconds(session.expiration)),
  );
  const credentials = {
    accessKeyId: session.accessKeyId,
    sessionToken: session.sessionToken,
    expiration: javaDate(session.expiration),
  };
  return { xml, responseElements: { credentials } };
}

function getAccessKeyInfo(ctx: OpContext): OpOutput {
  const id = ctx.params.require('AccessKeyId');
  if (id.length < 16 || id.length > 128 || !/^\w+$/.test(id)) {
    throw validationError(
      'accessKeyId',
      id,
      'Member must satisfy regular expression pattern: [\\w]*',
    );
  }
  const known = ctx.state.keys.has(id) || ctx.state.sessions.has(id);
  const account = known ? ctx.state.accountId : accountIdFromKeyId(id);
  if (account === undefined) {
    throw new AwsFault('InvalidParameterValue', `Invalid access key id ${id}`, 400);
  }
  return { xml: textEl('Account', account) };
}

/** The STS operations. GetCallerIdentity and GetSessionToken need no permission. */
export const STS_OPERATIONS = {
  GetCallerIdentity: {
    service: 'sts',
    readOnly: true,
    needsNoPermission: true,
    handle: getCallerIdentity,
  },
  GetSessionToken: {
    service: 'sts',
    readOnly: false,
    needsNoPermission: true,
    handle: getSessionToken,
  },
  GetAccessKeyInfo: { service: 'sts', readOnly: true, handle: getAccessKeyInfo },
} as const satisfies Record<string, Operation>;
