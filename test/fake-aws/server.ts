/**
 * The HTTP side of the fake: body parsing, dispatch by `Action` + `Version`, authentication,
 * failure injection, authorization, the call log and CloudTrail emission. S3, SQS and CloudTrail
 * LookupEvents requests go to data-plane.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { authenticate, AuthFailure } from './auth.js';
import { authorize } from './authz.js';
import { buildCallRecord, type CloudTrailLog } from './cloudtrail.js';
import { REPORT_OPERATIONS } from './credential-report.js';
import {
  dataServiceOf,
  serveDataPlane,
  type DataPlaneState,
  type DataService,
} from './data-plane.js';
import { AwsFault } from './fault.js';
import { GROUP_OPERATIONS } from './iam-groups.js';
import { KEY_OPERATIONS } from './iam-keys.js';
import { POLICY_OPERATIONS } from './iam-policies.js';
import { USER_OPERATIONS } from './iam-users.js';
import { generateRequestId } from './ids.js';
import type { Caller, Operation, OpOutput } from './operation.js';
import { Params, parseForm, toRequestParameters } from './params.js';
import { credentialKeyId, headerValues, type SignableRequest } from './sigv4.js';
import { findUser, noteKeyUse, takeFailure, type FakeState } from './state.js';
import { STS_OPERATIONS } from './sts.js';
import { errorEnvelope, successEnvelope, type FakeService } from './xml.js';

/** Every operation the fake emulates, by action name. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  ...USER_OPERATIONS,
  ...GROUP_OPERATIONS,
  ...KEY_OPERATIONS,
  ...POLICY_OPERATIONS,
  ...REPORT_OPERATIONS,
  ...STS_OPERATIONS,
};

const VERSIONS: Readonly<Record<string, FakeService>> = {
  '2010-05-08': 'iam',
  '2011-06-15': 'sts',
};

/** One request as the fake saw it, for test assertions. */
export interface FakeCall {
  readonly action: string;
  readonly method: string;
  readonly service?: FakeService | DataService;
  /** The credential scope's region (data-plane calls). */
  readonly region?: string;
  /**
   * Form fields as sent (flat, e.g. `Tags.member.1.Key`); for data-plane calls the request's
   * parameters (S3: Bucket, Key and the query; JSON services: top-level members as text).
   */
  readonly params: Readonly<Record<string, string>>;
  /** The signing access key id, when the request named one. */
  readonly accessKeyId?: string;
  readonly time: Date;
  readonly status: number;
  readonly errorCode?: string;
  readonly requestId: string;
}

/** What the request handler works on. */
export interface FakeServerContext {
  readonly state: FakeState;
  readonly trail: CloudTrailLog;
  readonly calls: FakeCall[];
  /** S3, SQS and the CloudTrail Event history. */
  readonly data: DataPlaneState;
}

const MAX_BODY = 1024 * 1024;
/** Errors that mean "not authenticated/authorized": CloudTrail logs no request parameters. */
const AUTH_CODES = new Set([
  'AccessDenied',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
]);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY)
        reject(new AwsFault('RequestEntityTooLarge', 'Request is too large.', 413));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function formFields(req: IncomingMessage, body: Buffer): Map<string, string> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const fields = parseForm(q < 0 ? '' : url.slice(q + 1));
  const type = req.headers['content-type'] ?? '';
  if (body.length > 0 && type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of parseForm(body.toString('utf8'))) fields.set(k, v);
  }
  return fields;
}

interface Exchange {
  readonly ctx: FakeServerContext;
  readonly req: SignableRequest;
  readonly fields: Map<string, string>;
  readonly userAgent: string | undefined;
  readonly requestId: string;
  readonly now: Date;
}

interface Reply {
  readonly status: number;
  readonly xml: string;
  readonly errorCode?: string;
}

/**
 * The resource an AccessDenied message names: `user <name>` for access key calls (as in real
 * records), otherwise the target user's ARN, or the account's user ARN prefix.
 */
function resourceOf(ex: Exchange, caller: Caller, service: FakeService): string {
  if (service === 'sts') return '*';
  const userName = ex.fields.get('UserName');
  if (/AccessKey/.test(ex.fields.get('Action') ?? '')) {
    return `user ${userName ?? caller.user.userName}`;
  }
  if (userName === undefined) return `arn:aws:iam::${ex.ctx.state.accountId}:user/`;
  const existing = findUser(ex.ctx.state, userName);
  return existing?.arn ?? `arn:aws:iam::${ex.ctx.state.accountId}:user/${userName}`;
}

/** Run an authenticated call; returns the handler output or throws an AwsFault. */
function runOperation(ex: Exchange, op: Operation, action: string, caller: Caller): OpOutput {
  const injected = takeFailure(ex.ctx.state, action);
  if (injected) throw new AwsFault(injected.code, injected.message, injected.status);
  if (!op.needsNoPermission) {
    authorize(caller.user, `${op.service}:${action}`, resourceOf(ex, caller, op.service));
  }
  return op.handle({ state: ex.ctx.state, params: new Params(ex.fields), caller, now: ex.now });
}

function record(
  ex: Exchange,
  call: { action: string; op: Operation; caller: Caller | undefined },
  outcome: { output?: OpOutput; fault?: AwsFault },
): void {
  const { fault } = outcome;
  const hideParams = fault !== undefined && AUTH_CODES.has(fault.code);
  ex.ctx.trail.append(
    buildCallRecord({
      accountId: ex.ctx.state.accountId,
      service: call.op.service,
      action: call.action,
      readOnly: call.op.readOnly,
      ...(call.caller ? { caller: call.caller } : {}),
      time: ex.now,
      ...(ex.userAgent !== undefined ? { userAgent: ex.userAgent } : {}),
      sourceIp: '127.0.0.1',
      requestId: ex.requestId,
      requestParameters: hideParams ? null : redact(toRequestParameters(ex.fields)),
      responseElements: outcome.output?.responseElements ?? null,
      ...(fault ? { error: { code: fault.code, message: fault.message } } : {}),
    }),
  );
}

/** CloudTrail never logs passwords. */
function redact(params: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!params || !('password' in params)) return params;
  const { password: _password, ...rest } = params;
  return Object.keys(rest).length === 0 ? null : rest;
}

function errorReply(service: FakeService, fault: AwsFault, requestId: string): Reply {
  return {
    status: fault.status,
    xml: errorEnvelope(service, fault, requestId),
    errorCode: fault.code,
  };
}

function toFault(err: unknown): AwsFault {
  if (err instanceof AwsFault) return err;
  return new AwsFault(
    'InternalFailure',
    'The request processing has failed because of an unknown error.',
    500,
    { cause: err },
  );
}

function dispatch(ex: Exchange): Reply {
  const action = ex.fields.get('Action') ?? '';
  const version = ex.fields.get('Version') ?? '';
  const service = VERSIONS[version];
  const op = OPERATIONS[action];
  if (!service || !op || op.service !== service) {
    const fault = new AwsFault(
      'InvalidAction',
      `Could not find operation ${action} for version ${version}`,
    );
    return errorReply(service ?? 'iam', fault, ex.requestId);
  }
  let caller: Caller | undefined;
  try {
    const authed = authenticate(ex.ctx.state, ex.req, service);
    caller = authed.caller;
    if (caller.key) {
      const use = { date: ex.now, service: authed.auth.service, region: authed.auth.region };
      noteKeyUse(ex.ctx.state, caller.accessKeyId, use);
    }
    const output = runOperation(ex, op, action, caller);
    record(ex, { action, op, caller }, { output });
    return { status: 200, xml: successEnvelope(service, action, output.xml, ex.requestId) };
  } catch (err) {
    if (err instanceof AuthFailure) caller = err.caller;
    const fault = err instanceof AuthFailure ? err.fault : toFault(err);
    if (caller) record(ex, { action, op, caller }, { fault });
    return errorReply(service, fault, ex.requestId);
  }
}

function logCall(ex: Exchange, reply: Reply): void {
  const header = headerValues(ex.req.rawHeaders, 'authorization')[0];
  const accessKeyId = header === undefined ? undefined : credentialKeyId(header);
  const version = ex.fields.get('Version');
  const service = version === undefined ? undefined : VERSIONS[version];
  ex.ctx.calls.push({
    action: ex.fields.get('Action') ?? '',
    method: ex.req.method,
    ...(service ? { service } : {}),
    params: Object.fromEntries(ex.fields),
    ...(accessKeyId ? { accessKeyId } : {}),
    time: ex.now,
    status: reply.status,
    ...(reply.errorCode ? { errorCode: reply.errorCode } : {}),
    requestId: ex.requestId,
  });
}

async function handle(
  ctx: FakeServerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = generateRequestId();
  let reply: Reply;
  try {
    const body = await readBody(req);
    const signable = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      body,
    };
    const dataService = dataServiceOf(req);
    if (dataService) {
      await serveDataPlane(ctx, dataService, signable, res);
      return;
    }
    const ex: Exchange = {
      ctx,
      req: signable,
      fields: formFields(req, body),
      userAgent: req.headers['user-agent'],
      requestId,
      now: ctx.state.clock.now(),
    };
    reply = dispatch(ex);
    logCall(ex, reply);
  } catch (err) {
    reply = errorReply('iam', toFault(err), requestId);
  }
  res.writeHead(reply.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(reply.xml);
}

/** An http.Server serving the fake (not yet listening). */
export function createFakeServer(ctx: FakeServerContext): Server {
  return createServer((req, res) => {
    void handle(ctx, req, res);
  });
}
