/**
 * A fake SQS (AWS JSON 1.0 protocol, `X-Amz-Target: AmazonSQS.<Action>`, aws.md §2.5): standard
 * queues with visibility timeouts, receive counts, receipt handles that change on every receive,
 * long polling, and SendMessage / ReceiveMessage / DeleteMessage / ChangeMessageVisibility.
 * Timed by the fake's clock. As on AWS, deleting with a receipt handle from an earlier receive
 * succeeds without deleting the message.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AwsFault } from './fault.js';
import type { DataExchange, DataOperation, DataProtocol, DataReply } from './data-plane.js';
import type { SignableRequest } from './sigv4.js';

/** A message in a queue. */
export interface FakeSqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: Date;
  receiveCount: number;
  firstReceivedAt?: Date;
  /** Invisible until then (in flight after a receive, or delayed). */
  visibleAt: Date;
  /** The handle of the latest receive. */
  receiptHandle?: string;
}

/** A standard queue. */
export interface FakeQueue {
  readonly name: string;
  /** Default visibility timeout, seconds. */
  readonly visibilityTimeout: number;
  readonly messages: FakeSqsMessage[];
}

/** Queues by name (the URL's last path segment). */
export interface FakeSqsState {
  readonly queues: Map<string, FakeQueue>;
}

/** A message as a test sees it. */
export interface FakeSqsMessageSnapshot {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  /** True while received and not yet visible again. */
  readonly inFlight: boolean;
}

/** Test controls of the fake SQS. */
export interface FakeSqsControl {
  /** Create a queue; returns its URL (`<endpoint>/<account>/<name>`). */
  createQueue(name: string, opts?: { readonly visibilityTimeout?: number }): string;
  /** Send a message as SendMessage does; returns its MessageId. */
  sendMessage(queueUrl: string, body: string, opts?: { readonly delaySeconds?: number }): string;
  /** Messages not yet deleted, oldest first. */
  messages(queueUrl: string): FakeSqsMessageSnapshot[];
}

/** Empty SQS. */
export function createSqsState(): FakeSqsState {
  return { queues: new Map() };
}

function queueNameOf(url: unknown): string {
  if (typeof url !== 'string') {
    throw new AwsFault('MissingParameter', 'The request must contain the parameter QueueUrl.');
  }
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  return (
    path
      .split('/')
      .filter((s) => s !== '')
      .at(-1) ?? ''
  );
}

function queueOf(sqs: FakeSqsState, url: unknown): FakeQueue {
  const q = sqs.queues.get(queueNameOf(url));
  if (!q) throw new AwsFault('QueueDoesNotExist', 'The specified queue does not exist.', 400);
  return q;
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

function send(queue: FakeQueue, body: string, now: Date, delaySeconds = 0): FakeSqsMessage {
  const message: FakeSqsMessage = {
    messageId: randomUUID(),
    body,
    sentAt: now,
    receiveCount: 0,
    visibleAt: new Date(now.getTime() + delaySeconds * 1000),
  };
  queue.messages.push(message);
  return message;
}

/** The controls over `sqs`; queue URLs are built from `endpoint()` and the account. */
export function createSqsControl(
  sqs: FakeSqsState,
  opts: { readonly endpoint: () => string; readonly accountId: string; readonly now: () => Date },
): FakeSqsControl {
  return {
    createQueue(name, o = {}) {
      if (!sqs.queues.has(name)) {
        sqs.queues.set(name, { name, visibilityTimeout: o.visibilityTimeout ?? 30, messages: [] });
      }
      return `${opts.endpoint()}/${opts.accountId}/${name}`;
    },
    sendMessage: (queueUrl, body, o = {}) =>
      send(queueOf(sqs, queueUrl), body, opts.now(), o.delaySeconds).messageId,
    messages(queueUrl) {
      const now = opts.now().getTime();
      return queueOf(sqs, queueUrl).messages.map((m) => ({
        messageId: m.messageId,
        body: m.body,
        receiveCount: m.receiveCount,
        inFlight: m.receiveCount > 0 && m.visibleAt.getTime() > now,
      }));
    },
  };
}

function intIn(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AwsFault(
      'InvalidParameterValue',
      `Value ${JSON.stringify(value)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`,
    );
  }
  return value;
}

function wantedAttributes(input: Record<string, unknown>): Set<string> {
  const names = [input['MessageSystemAttributeNames'], input['AttributeNames']].flatMap((v) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [],
  );
  return new Set(names);
}

function attributesOf(m: FakeSqsMessage, wanted: Set<string>): Record<string, string> {
  const all: Record<string, string> = {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: String(m.sentAt.getTime()),
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt?.getTime() ?? ''),
  };
  if (wanted.has('All')) return all;
  return Object.fromEntries(Object.entries(all).filter(([k]) => wanted.has(k)));
}

function takeVisible(
  queue: FakeQueue,
  max: number,
  visibility: number,
  now: Date,
): FakeSqsMessage[] {
  const out: FakeSqsMessage[] = [];
  for (const m of queue.messages) {
    if (out.length === max) break;
    if (m.visibleAt.getTime() > now.getTime()) continue;
    m.receiveCount += 1;
    m.firstReceivedAt ??= now;
    m.visibleAt = new Date(now.getTime() + visibility * 1000);
    m.receiptHandle = Buffer.from(
      `${m.messageId}:${m.receiveCount}:${randomBytes(6).toString('hex')}`,
    ).toString('base64');
    out.push(m);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function receive(sqs: FakeSqsState, input: Record<string, unknown>, ex: DataExchange) {
  const queue = queueOf(sqs, input['QueueUrl']);
  const max = intIn(input['MaxNumberOfMessages'], 'MaxNumberOfMessages', 1, 10, 1);
  const wait = intIn(input['WaitTimeSeconds'], 'WaitTimeSeconds', 0, 20, 0);
  const visibility = intIn(
    input['VisibilityTimeout'],
    'VisibilityTimeout',
    0,
    43200,
    queue.visibilityTimeout,
  );
  const wanted = wantedAttributes(input);
  // Long polling waits in real time; what is visible is judged by the fake's clock.
  const deadline = Date.now() + wait * 1000;
  let got = takeVisible(queue, max, visibility, ex.clock());
  while (got.length === 0 && Date.now() < deadline && !ex.closed()) {
    await sleep(20);
    got = takeVisible(queue, max, visibility, ex.clock());
  }
  return {
    Messages: got.map((m) => ({
      MessageId: m.messageId,
      ReceiptHandle: m.receiptHandle,
      MD5OfBody: md5(m.body),
      Body: m.body,
      ...(wanted.size > 0 ? { Attributes: attributesOf(m, wanted) } : {}),
    })),
  };
}

function byHandle(
  queue: FakeQueue,
  handle: unknown,
): { message?: FakeSqsMessage; current: boolean } {
  if (typeof handle !== 'string' || handle === '') {
    throw new AwsFault('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
  }
  const id = /^([0-9a-f-]{36}):\d+:[0-9a-f]+$/.exec(
    Buffer.from(handle, 'base64').toString('utf8'),
  )?.[1];
  if (!id)
    throw new AwsFault(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    );
  const message = queue.messages.find((m) => m.messageId === id);
  return message ? { message, current: message.receiptHandle === handle } : { current: false };
}

function remove(sqs: FakeSqsState, input: Record<string, unknown>): Record<string, never> {
  const queue = queueOf(sqs, input['QueueUrl']);
  const { message, current } = byHandle(queue, input['ReceiptHandle']);
  if (message && current) queue.messages.splice(queue.messages.indexOf(message), 1);
  return {};
}

function changeVisibility(
  sqs: FakeSqsState,
  input: Record<string, unknown>,
  now: Date,
): Record<string, never> {
  const queue = queueOf(sqs, input['QueueUrl']);
  const seconds = intIn(input['VisibilityTimeout'], 'VisibilityTimeout', 0, 43200, -1);
  if (seconds < 0)
    throw new AwsFault(
      'MissingParameter',
      'The request must contain the parameter VisibilityTimeout.',
    );
  const { message, current } = byHandle(queue, input['ReceiptHandle']);
  if (!message || !current || message.visibleAt.getTime() <= now.getTime()) {
    throw new AwsFault(
      'MessageNotInflight',
      'Message does not exist or is not available for visibility timeout change.',
    );
  }
  message.visibleAt = new Date(now.getTime() + seconds * 1000);
  return {};
}

function sendMessage(sqs: FakeSqsState, input: Record<string, unknown>, now: Date) {
  const queue = queueOf(sqs, input['QueueUrl']);
  const body = input['MessageBody'];
  if (typeof body !== 'string' || body === '') {
    throw new AwsFault('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  const delay = intIn(input['DelaySeconds'], 'DelaySeconds', 0, 900, 0);
  const m = send(queue, body, now, delay);
  return { MessageId: m.messageId, MD5OfMessageBody: md5(body) };
}

type Handler = (input: Record<string, unknown>, ex: DataExchange) => unknown;

function handlers(sqs: FakeSqsState): Readonly<Record<string, Handler>> {
  return {
    ReceiveMessage: (input, ex) => receive(sqs, input, ex),
    DeleteMessage: (input) => remove(sqs, input),
    ChangeMessageVisibility: (input, ex) => changeVisibility(sqs, input, ex.clock()),
    SendMessage: (input, ex) => sendMessage(sqs, input, ex.clock()),
  };
}

/** The query-compatible error code SQS puts in `x-amzn-query-error`. */
const QUERY_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
};
const MODELLED = new Set([
  'QueueDoesNotExist',
  'MessageNotInflight',
  'ReceiptHandleIsInvalid',
  'InvalidAddress',
  'RequestThrottled',
  'OverLimit',
]);

function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): DataReply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
    body: JSON.stringify(body),
  };
}

function parseJson(req: SignableRequest): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(req.body.toString('utf8') || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AwsFault('SerializationException', 'The request body is not a JSON object.', 400);
}

function operation(sqs: FakeSqsState, req: SignableRequest, target: string): DataOperation {
  const action = target.replace(/^AmazonSQS\./, '');
  const handler = handlers(sqs)[action];
  if (!handler)
    throw new AwsFault('InvalidAction', `The action ${action} is not valid for this endpoint.`);
  const input = parseJson(req);
  const params = Object.fromEntries(
    Object.entries(input).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  return {
    action,
    iamAction: `sqs:${action}`,
    resource: `arn:aws:sqs:*:*:${queueNameOf(input['QueueUrl'] ?? '')}`,
    params,
    run: async (ex) => jsonReply(200, await handler(input, ex)),
  };
}

/** The SQS JSON protocol over `sqs`. */
export function sqsProtocol(sqs: FakeSqsState): DataProtocol {
  return {
    service: 'sqs',
    parse: (req, target) => operation(sqs, req, target ?? ''),
    error: (fault, requestId) =>
      jsonReply(
        fault.status,
        {
          __type: MODELLED.has(fault.code) ? `com.amazonaws.sqs#${fault.code}` : fault.code,
          message: fault.message,
        },
        {
          'x-amzn-requestid': requestId,
          'x-amzn-query-error': `${QUERY_CODES[fault.code] ?? fault.code};${fault.status >= 500 ? 'Receiver' : 'Sender'}`,
        },
      ),
    success: (reply, requestId) => ({
      ...reply,
      headers: { ...reply.headers, 'x-amzn-requestid': requestId },
    }),
  };
}
