/**
 * A parsed JSON document → records, by delivery shape: S3 log file `{"Records":[…]}`, arrays,
 * EventBridge envelopes, LookupEvents responses and items, CloudWatch Logs subscription payloads and
 * single records. Documents that are recognisably something else (digest files, S3 and SNS
 * notifications) are skipped or rejected with a reason saying what they are.
 */
import { RecordCollector } from './collector.js';
import type { DeliveryFormat, ExtractResult } from './extract-types.js';
import {
  describeValue,
  isCloudTrailRecord,
  isEventBridgeEnvelope,
  isInsightRecord,
  isLookupEventsItem,
  isObject,
  jsonTypeName,
  recordFromString,
  shown,
  type RecordChecks,
} from './shapes.js';

type Json = Record<string, unknown>;

/** How to read a document. */
export interface DocumentOptions {
  readonly checks: RecordChecks;
  /** Reads a base64 gzip payload (`awslogs.data`); absent when already one level deep. */
  readonly decodeNested?: (base64: string) => ExtractResult;
}

type Handler = (file: string, v: Json, opts: DocumentOptions) => ExtractResult | undefined;

function rejectFile(file: string, reason: string): ExtractResult {
  return { records: [], rejections: [{ file, reason }] };
}

function skipFile(reason: string): ExtractResult {
  return { records: [], rejections: [], skipped: reason };
}

function collect(
  file: string,
  items: readonly unknown[],
  opts: DocumentOptions,
  format: DeliveryFormat,
): ExtractResult {
  const collector = new RecordCollector(file, opts.checks);
  for (const item of items) collector.add(item);
  return collector.result(format);
}

function arrayFormat(items: readonly unknown[]): DeliveryFormat {
  const first = items.find(isObject);
  if (isEventBridgeEnvelope(first)) return 'eventbridge';
  if (isLookupEventsItem(first) && !isCloudTrailRecord(first)) return 'lookup-events';
  return 'json-array';
}

function isS3Notification(v: unknown): boolean {
  return isObject(v) && v.eventSource === 'aws:s3' && isObject(v.s3);
}

const fromS3Delivery: Handler = (file, v, opts) => {
  if (!('Records' in v)) return undefined;
  const records = v.Records;
  if (!Array.isArray(records)) return rejectFile(file, '"Records" is not an array');
  if (isS3Notification(records[0])) {
    const reason =
      'looks like an S3 event notification (eventSource "aws:s3"), not a CloudTrail log file';
    return rejectFile(file, reason);
  }
  return collect(file, records, opts, 'cloudtrail-s3');
};

const fromOtherNotifications: Handler = (file, v) => {
  if ('digestStartTime' in v && 'logFiles' in v) return skipFile('CloudTrail digest file');
  if (v.Event === 's3:TestEvent') {
    return rejectFile(
      file,
      'looks like an S3 test event notification (s3:TestEvent), not CloudTrail records',
    );
  }
  if (v.Type === 'Notification' && typeof v.Message === 'string') {
    return rejectFile(file, 'looks like an SNS notification envelope, not CloudTrail records');
  }
  if ('s3ObjectKey' in v && 's3Bucket' in v) {
    const reason =
      'looks like a CloudTrail SNS delivery notification: it names log files but holds no records';
    return rejectFile(file, reason);
  }
  return undefined;
};

const fromAwsLogs: Handler = (file, v, opts) => {
  const awslogs = v.awslogs;
  if (!isObject(awslogs) || typeof awslogs.data !== 'string') return undefined;
  if (!opts.decodeNested) return rejectFile(file, 'awslogs payload nested inside another');
  return opts.decodeNested(awslogs.data);
};

const fromCloudWatch: Handler = (file, v, opts) => {
  if (typeof v.messageType !== 'string') return undefined;
  if (v.messageType === 'CONTROL_MESSAGE') return skipFile('CloudWatch Logs control message');
  if (v.messageType !== 'DATA_MESSAGE' || !Array.isArray(v.logEvents)) {
    const type = shown(v.messageType);
    return rejectFile(file, `CloudWatch Logs payload of type "${type}" without logEvents`);
  }
  const collector = new RecordCollector(file, opts.checks);
  for (const event of v.logEvents as unknown[]) {
    if (isObject(event) && typeof event.message === 'string') {
      const ctx = collector.context();
      collector.take(recordFromString(event.message, 'its message', ctx));
    } else {
      collector.reject('log event has no message string');
    }
  }
  return collector.result('cloudwatch-logs');
};

const fromLookupResponse: Handler = (file, v, opts) => {
  if (!Array.isArray(v.Events)) return undefined;
  return collect(file, v.Events as unknown[], opts, 'lookup-events');
};

const fromSingle: Handler = (file, v, opts) => {
  if (isEventBridgeEnvelope(v)) return collect(file, [v], opts, 'eventbridge');
  if (isCloudTrailRecord(v)) return collect(file, [v], opts, 'single-record');
  if (isLookupEventsItem(v)) return collect(file, [v], opts, 'lookup-events');
  if (isInsightRecord(v))
    return { records: [], rejections: [], format: 'single-record', skippedRecords: 1 };
  return undefined;
};

const HANDLERS: readonly Handler[] = [
  fromS3Delivery,
  fromOtherNotifications,
  fromAwsLogs,
  fromCloudWatch,
  fromLookupResponse,
  fromSingle,
];

/** Read the records out of one parsed document. */
export function fromDocument(file: string, value: unknown, opts: DocumentOptions): ExtractResult {
  if (Array.isArray(value)) return collect(file, value, opts, arrayFormat(value));
  if (!isObject(value))
    return rejectFile(file, `not CloudTrail data: the file holds ${jsonTypeName(value)}`);
  for (const handler of HANDLERS) {
    const result = handler(file, value, opts);
    if (result) return result;
  }
  return rejectFile(file, `not CloudTrail data: the file holds ${describeValue(value)}`);
}
