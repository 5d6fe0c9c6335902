/**
 * The data-plane services beside IAM and STS: S3 (path-style REST), SQS (JSON 1.0) and CloudTrail
 * LookupEvents (JSON 1.1) on the same endpoint. A request is routed here by its `X-Amz-Target`
 * (SQS, CloudTrail) or by a path below `/` (S3, path style); it is authenticated with the
 * account's keys, can be failed by `control.failNext(action, …)`, authorized by the user's
 * policies (`s3:GetObject`, `sqs:ReceiveMessage`, `cloudtrail:LookupEvents` …) and logged in
 * `control.calls`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize } from './authz.js';
import { lookupProtocol, createLookupState, type FakeLookupState } from './cloudtrail-lookup.js';
import { authenticateData, type DataService } from './data-auth.js';
import { AwsFault } from './fault.js';
import { generateRequestId } from './ids.js';
import type { Caller } from './operation.js';
import { createS3State, s3Protocol, type FakeS3State } from './s3.js';
import type { FakeServerContext } from './server.js';
import { credentialKeyId, headerValues, type SignableRequest } from './sigv4.js';
import { createSqsState, sqsProtocol, type FakeSqsState } from './sqs.js';
import { takeFailure, type FakeState } from './state.js';

export type { DataService } from './data-auth.js';

/** What an operation runs with. */
export interface DataExchange {
  readonly state: FakeState;
  readonly req: SignableRequest;
  readonly caller: Caller;
  /** The region of the credential scope (CloudTrail keeps events per region). */
  readonly region: string;
  /** The fake's clock when the request arrived. */
  readonly now: Date;
  /** The fake's clock now (long polls span time). */
  readonly clock: () => Date;
  /** True once the client went away. */
  readonly closed: () => boolean;
}

/** An HTTP answer. */
export interface DataReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

/** A parsed request: its action, the IAM action and resource it needs, and how to run it. */
export interface DataOperation {
  readonly action: string;
  readonly iamAction: string;
  readonly resource: string;
  /** Flat parameters for the call log. */
  readonly params: Readonly<Record<string, string>>;
  run(ex: DataExchange): DataReply | Promise<DataReply>;
}

/** One service's wire protocol. */
export interface DataProtocol {
  readonly service: DataService;
  /** Throws an AwsFault for a request the service does not understand. */
  parse(req: SignableRequest, target: string | undefined): DataOperation;
  error(fault: AwsFault, requestId: string): DataReply;
  success(reply: DataReply, requestId: string): DataReply;
}

/** Everything the data-plane services hold. */
export interface DataPlaneState {
  readonly s3: FakeS3State;
  readonly sqs: FakeSqsState;
  readonly lookup: FakeLookupState;
}

/** Empty S3, SQS and Event history. */
export function createDataPlaneState(): DataPlaneState {
  return { s3: createS3State(), sqs: createSqsState(), lookup: createLookupState() };
}

/** Which data-plane service a request is for; undefined for the IAM/STS Query protocol. */
export function dataServiceOf(req: IncomingMessage): DataService | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    if (target.startsWith('AmazonSQS.')) return 'sqs';
    if (target.includes('CloudTrail_20131101.')) return 'cloudtrail';
    return undefined;
  }
  // IAM and STS are served at `/` (POST or GET); path-style S3 always names a bucket.
  const path = (req.url ?? '/').split('?')[0];
  return path === '/' || path === '' ? undefined : 's3';
}

function toFault(err: unknown): AwsFault {
  if (err instanceof AwsFault) return err;
  return new AwsFault('InternalFailure', 'The fake failed to process the request.', 500, {
    cause: err,
  });
}

function protocolOf(data: DataPlaneState, service: DataService): DataProtocol {
  switch (service) {
    case 's3':
      return s3Protocol(data.s3);
    case 'sqs':
      return sqsProtocol(data.sqs);
    case 'cloudtrail':
      return lookupProtocol(data.lookup);
  }
}

/** Answer one data-plane request. */
export async function serveDataPlane(
  ctx: FakeServerContext,
  service: DataService,
  req: SignableRequest,
  res: ServerResponse,
): Promise<void> {
  const requestId = generateRequestId();
  const now = ctx.state.clock.now();
  const protocol = protocolOf(ctx.data, service);
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  let op: DataOperation | undefined;
  let region: string | undefined;
  let reply: DataReply;
  let errorCode: string | undefined;
  try {
    op = protocol.parse(req, headerValues(req.rawHeaders, 'x-amz-target')[0]);
    const { caller, auth } = authenticateData(ctx.state, req, service);
    region = auth.region;
    const injected = takeFailure(ctx.state, op.action);
    if (injected) throw new AwsFault(injected.code, injected.message, injected.status);
    authorize(caller.user, op.iamAction, op.resource);
    const ex: DataExchange = {
      state: ctx.state,
      req,
      caller,
      region,
      now,
      clock: () => ctx.state.clock.now(),
      closed: () => closed,
    };
    reply = protocol.success(await op.run(ex), requestId);
  } catch (err) {
    const fault = toFault(err);
    errorCode = fault.code;
    reply = protocol.error(fault, requestId);
  }
  const header = headerValues(req.rawHeaders, 'authorization')[0];
  const accessKeyId = header === undefined ? undefined : credentialKeyId(header);
  ctx.calls.push({
    action: op?.action ?? '',
    method: req.method,
    service,
    ...(region ? { region } : {}),
    params: op?.params ?? {},
    ...(accessKeyId ? { accessKeyId } : {}),
    time: now,
    status: reply.status,
    ...(errorCode ? { errorCode } : {}),
    requestId,
  });
  if (closed) return;
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}
