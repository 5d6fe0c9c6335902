import { describe, it, expect } from 'vitest';
import { gzipSync } from 'node:zlib';
import { extractRecords, extractRecordsFromText, type ExtractResult } from './records.js';
import {
  buildCloudWatchPayload,
  buildEnvelope,
  buildInsightRecord,
  buildLookupItem,
  buildLookupResponse,
  buildRecord,
  buildRecords,
  buildS3Delivery,
} from './fixtures/records.js';

const LIMITS = { maxDecompressedBytes: 10 * 1024 * 1024, maxRecordBytes: 1024 * 1024 };
const FILE = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/01/01/x.json.gz';

function extract(value: unknown, file = FILE): ExtractResult {
  return extractRecordsFromText(file, JSON.stringify(value), LIMITS);
}

function eventIds(r: ExtractResult): unknown[] {
  return r.records.map((x) => x.value.eventID);
}

const THREE = buildRecords(3);
const IDS = THREE.map((r) => r.eventID);

describe('extractRecords: delivery shapes', () => {
  it('reads an S3 log file {"Records":[…]}', () => {
    const r = extract(buildS3Delivery(THREE));
    expect(r).toMatchObject({ format: 'cloudtrail-s3', rejections: [] });
    expect(r.records.map((x) => x.index)).toEqual([0, 1, 2]);
    expect(eventIds(r)).toEqual(IDS);
  });

  it('reads a JSON array of records', () => {
    const r = extract(THREE);
    expect(r.format).toBe('json-array');
    expect(eventIds(r)).toEqual(IDS);
  });

  it('reads an empty array as no records and no rejections', () => {
    expect(extract([])).toEqual({ records: [], rejections: [], format: 'json-array' });
  });

  it('reads JSON lines, ignoring blank lines', () => {
    const text = THREE.map((x) => JSON.stringify(x)).join('\n\n') + '\n';
    const r = extractRecordsFromText(FILE, text, LIMITS);
    expect(r.format).toBe('json-lines');
    expect(eventIds(r)).toEqual(IDS);
  });

  it('keeps the good lines when one JSON line is broken', () => {
    const lines = THREE.map((x) => JSON.stringify(x));
    const text = [lines[0], '{"eventName": "Broken", ', lines[1], lines[2]].join('\n');
    const r = extractRecordsFromText(FILE, text, LIMITS);
    expect(eventIds(r)).toEqual(IDS);
    expect(r.records.map((x) => x.index)).toEqual([0, 2, 3]);
    expect(r.rejections).toEqual([
      {
        file: FILE,
        index: 1,
        reason: 'invalid JSON at line 2: unexpected end of JSON (truncated line?)',
      },
    ]);
  });

  it('unwraps EventBridge envelopes alone, in an array and in JSON lines', () => {
    const envelopes = THREE.map((x) => buildEnvelope(x));
    expect(extract(envelopes[0])).toMatchObject({
      format: 'eventbridge',
      records: [{ index: 0, value: THREE[0] }],
    });
    expect(eventIds(extract(envelopes))).toEqual(IDS);
    expect(extract(envelopes).format).toBe('eventbridge');
    const lines = extractRecordsFromText(
      FILE,
      envelopes.map((e) => JSON.stringify(e)).join('\n'),
      LIMITS,
    );
    expect(eventIds(lines)).toEqual(IDS);
  });

  it('accepts every CloudTrail EventBridge detail-type and rejects others by name', () => {
    for (const type of [
      'AWS Console Signin via CloudTrail',
      'AWS Console Action via CloudTrail',
      'AWS Service Event via CloudTrail',
    ]) {
      expect(extract(buildEnvelope(buildRecord(), type)).records).toHaveLength(1);
    }
    const r = extract([
      buildEnvelope({ instance: 'i-1' }, 'EC2 Instance State-change Notification'),
    ]);
    expect(r.rejections[0]?.reason).toBe(
      'an EventBridge event of type "EC2 Instance State-change Notification", not a CloudTrail event',
    );
  });

  it('reads LookupEvents items alone, in an array, and as a whole response', () => {
    expect(extract(buildLookupItem(THREE[0]!))).toMatchObject({
      format: 'lookup-events',
      records: [{ value: THREE[0] }],
    });
    expect(eventIds(extract(THREE.map((x) => buildLookupItem(x))))).toEqual(IDS);
    const response = extract({ ...buildLookupResponse(THREE), NextToken: 'abc' });
    expect(response.format).toBe('lookup-events');
    expect(eventIds(response)).toEqual(IDS);
  });

  it('rejects only the LookupEvents item whose CloudTrailEvent is broken', () => {
    const items = [
      buildLookupItem(THREE[0]!),
      buildLookupItem(THREE[1]!, '{"eventName":'),
      buildLookupItem(THREE[2]!),
    ];
    const r = extract({ Events: items });
    expect(r.records.map((x) => x.index)).toEqual([0, 2]);
    expect(r.rejections).toEqual([
      {
        file: FILE,
        index: 1,
        reason:
          'its CloudTrailEvent is not valid JSON (invalid JSON: unexpected end of JSON (truncated file?))',
      },
    ]);
  });

  it('builds a record from a LookupEvents item that lacks CloudTrailEvent', () => {
    const item = buildLookupItem(THREE[0]!);
    delete item.CloudTrailEvent;
    const [rec] = extract([item]).records;
    expect(rec?.value).toMatchObject({
      eventID: THREE[0]!.eventID,
      eventName: 'ListBuckets',
      eventTime: 1735725907,
      userIdentity: { userName: 'backup-sync', accessKeyId: 'AKIAEXAMPLEKEYID0001' },
    });
  });

  it('reads a CloudWatch Logs DATA_MESSAGE and rejects only its bad messages', () => {
    const payload = buildCloudWatchPayload([
      JSON.stringify(THREE[0]),
      'not json',
      JSON.stringify(THREE[1]),
    ]);
    const r = extract(payload);
    expect(r.format).toBe('cloudwatch-logs');
    expect(r.records.map((x) => x.index)).toEqual([0, 2]);
    expect(r.rejections[0]).toMatchObject({
      index: 1,
      reason: expect.stringMatching(/^its message is not valid JSON/),
    });
  });

  it('reads a CloudWatch Logs Lambda event with base64 gzip data', () => {
    const data = gzipSync(
      JSON.stringify(buildCloudWatchPayload(THREE.map((x) => JSON.stringify(x)))),
    ).toString('base64');
    const r = extract({ awslogs: { data } });
    expect(r.format).toBe('cloudwatch-logs');
    expect(eventIds(r)).toEqual(IDS);
  });

  it('skips a CloudWatch Logs CONTROL_MESSAGE', () => {
    expect(extract({ messageType: 'CONTROL_MESSAGE', logEvents: [] })).toEqual({
      records: [],
      rejections: [],
      skipped: 'CloudWatch Logs control message',
    });
  });

  it('reads a single bare record', () => {
    expect(extract(THREE[0])).toEqual({
      records: [{ index: 0, value: THREE[0] }],
      rejections: [],
      format: 'single-record',
    });
  });

  it('skips Insights events without rejecting them', () => {
    const r = extract(buildS3Delivery([THREE[0]!, buildInsightRecord(), THREE[1]!]));
    expect(r.records.map((x) => x.index)).toEqual([0, 2]);
    expect(r.rejections).toEqual([]);
    expect(r.skippedRecords).toBe(1);
    expect(
      extract(buildEnvelope(buildInsightRecord(), 'AWS Insight via CloudTrail')).skippedRecords,
    ).toBe(1);
  });

  it('rejects a non-CloudTrail item inside an array with its index', () => {
    const r = extract([THREE[0], 42, { hello: 'world' }]);
    expect(r.records).toHaveLength(1);
    expect(r.rejections).toEqual([
      { file: FILE, index: 1, reason: 'not a CloudTrail record: it is a JSON number' },
      {
        file: FILE,
        index: 2,
        reason: 'not a CloudTrail record: it is a JSON object with keys "hello"',
      },
    ]);
  });
});

describe('extractRecords: files that are not CloudTrail logs', () => {
  const DIGEST = {
    awsAccountId: '111122223333',
    digestStartTime: '2025-01-01T09:00:00Z',
    digestEndTime: '2025-01-01T10:00:00Z',
    logFiles: [],
  };

  it('skips digest files by path without decoding them, and by content', () => {
    const path = 'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/01/01/x.json.gz';
    expect(extractRecords(path, Buffer.from('garbage'), LIMITS)).toEqual({
      records: [],
      rejections: [],
      skipped: 'CloudTrail digest file',
    });
    expect(extract(DIGEST, 'digest.json').skipped).toBe('CloudTrail digest file');
  });

  it('says what an S3 notification, test event or SNS envelope is', () => {
    const notification = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { object: { key: 'AWSLogs/x.json.gz' } },
        },
      ],
    };
    expect(extract(notification).rejections[0]?.reason).toBe(
      'looks like an S3 event notification (eventSource "aws:s3"), not a CloudTrail log file',
    );
    expect(
      extract({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }).rejections,
    ).toEqual([
      {
        file: FILE,
        reason: 'looks like an S3 test event notification (s3:TestEvent), not CloudTrail records',
      },
    ]);
    expect(extract({ Type: 'Notification', Message: '{}' }).rejections[0]?.reason).toMatch(
      /SNS notification envelope/,
    );
    expect(extract({ s3Bucket: 'b', s3ObjectKey: ['k'] }).rejections[0]?.reason).toMatch(
      /CloudTrail SNS delivery notification/,
    );
  });

  it('describes other JSON without echoing markup', () => {
    expect(extract({ '<script>': 1, b: 2 }).rejections[0]?.reason).toBe(
      'not CloudTrail data: the file holds a JSON object with keys "<script>", "b"',
    );
    expect(extract('just a string').rejections[0]?.reason).toBe(
      'not CloudTrail data: the file holds a JSON string',
    );
    expect(extract({ Records: 'nope' }).rejections[0]?.reason).toBe('"Records" is not an array');
  });

  it('skips an empty file', () => {
    expect(extractRecords(FILE, Buffer.alloc(0), LIMITS).skipped).toBe('empty file');
    expect(extractRecordsFromText(FILE, ' \n\t', LIMITS).skipped).toBe('empty file');
  });

  it('names the line and column of broken JSON', () => {
    const text = '{\n  "Records": [\n    {"eventName": "x",}\n  ]\n}';
    expect(extractRecordsFromText(FILE, text, LIMITS).rejections).toEqual([
      { file: FILE, reason: expect.stringMatching(/^invalid JSON at line 3, column 23: /) },
    ]);
  });
});
