/**
 * The live CloudTrail sources (src/sources/live/) with the real AWS SDK against the wire-level
 * fake (test/fake-aws): S3 backfill of an organisation-trail bucket, SQS of S3 notifications and
 * LookupEvents polling, each spooling files, acknowledging only after `ack()`, and resuming from
 * its checkpoint.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  createCloudTrailClient,
  createS3Client,
  createSqsClient,
  type AwsSettings,
} from '../src/aws/clients.js';
import { createCloudTrailPort } from '../src/aws/cloudtrail.js';
import { createS3Port } from '../src/aws/s3.js';
import { createSqsPort } from '../src/aws/sqs.js';
import type { KeyValueStore } from '../src/core/index.js';
import { listInputFiles, ingestFiles } from '../src/pipeline/index.js';
import {
  createLookupEventsSource,
  createS3Source,
  createSpool,
  createSqsSource,
  createTokenBucket,
  decodeS3Key,
  liveSourceDefinitions,
  lookupEventsSourceOptions,
  parseNotification,
  s3SourceOptions,
  spoolName,
  sqsSourceOptions,
  type BackfillProgress,
  type LiveSource,
  type LiveSourceContext,
  type SourceClock,
  type SpooledFile,
} from '../src/sources/live/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { FakeAws } from './fake-aws/index.js';
import { useFakeAws } from './fake-aws/harness.js';
import { ctRecord, iamUser, testKey } from './helpers/cloudtrail.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

const ORG = 'o-abc123def4';
const ACCOUNTS = ['111122223333', '444455556666'] as const;
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const BUCKET = 'org-trail-logs';

/** A checkpoint store in memory that survives "restarts" of a source (a Map). */
function memoryKv(): KeyValueStore & { readonly values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    getValue: (k) => Promise.resolve(values.get(k)),
    setValue: (k, v) => Promise.resolve(void values.set(k, v)),
  };
}

/**
 * A clock shared with the fake (so the fake's rate limit and visibility timeouts see the same
 * time): `sleep` moves it forward at once, `every` runs only when the test ticks.
 */
function sharedClock(fake: FakeAws): SourceClock & { tick(ms: number): void } {
  const timers: { every: number; next: number; fn: () => void }[] = [];
  const now = (): number => fake.control.now().getTime();
  return {
    now,
    sleep(ms) {
      const target = now() + ms;
      if (target > now()) fake.control.setNow(new Date(target));
      return Promise.resolve();
    },
    every(ms, fn) {
      const t = { every: ms, next: now() + ms, fn };
      timers.push(t);
      return () => void timers.splice(timers.indexOf(t), 1);
    },
    tick(ms) {
      const end = now() + ms;
      for (;;) {
        const due = timers.filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        fake.control.setNow(new Date(Math.max(now(), due.next)));
        due.next += due.every;
        due.fn();
      }
      fake.control.setNow(new Date(end));
    },
  };
}

function settings(fake: FakeAws): AwsSettings {
  return { endpoint: fake.endpoint, credentials: fake.admin, maxAttempts: 1, region: 'us-east-1' };
}

function context(
  fake: FakeAws,
  o: { spoolRoot: string; name: string; kv: KeyValueStore; clock?: SourceClock },
  onProgress?: (p: BackfillProgress) => void,
): LiveSourceContext {
  const aws = settings(fake);
  return {
    ports: {
      s3: (region) => createS3Port(createS3Client(aws, region)),
      sqs: (region) => createSqsPort(createSqsClient(aws, region)),
      cloudTrail: () => createCloudTrailPort((region) => createCloudTrailClient(aws, region)),
    },
    checkpoints: o.kv,
    spool: createSpool(o.spoolRoot, o.name),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}

let seq = 0;
/** A CloudTrail record with a unique eventID. */
function record(time: string, region: string = 'us-east-1'): Record<string, unknown> {
  seq += 1;
  return ctRecord({
    time,
    region,
    identity: iamUser('ci-deploy', testKey('AKIA', 7), 'AIDAEXAMPLE0000000007'),
    eventID: `live-${String(seq).padStart(6, '0')}-0000-4000-8000-000000000000`,
  });
}

function deliveryBody(records: readonly Record<string, unknown>[]): Buffer {
  return gzipSync(JSON.stringify({ Records: records }));
}

/** The key of a delivery file (organisation trail layout unless `org` is false). */
function logKey(account: string, region: string, stamp: string, uniq: string, org = true): string {
  const day = `${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}`;
  const root = org ? `AWSLogs/${ORG}/${account}` : `AWSLogs/${account}`;
  return `${root}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${stamp}Z_${uniq}.json.gz`;
}

function eventIdsIn(path: string): string[] {
  const bytes = readFileSync(path);
  const text = (bytes[0] === 0x1f ? gunzipSync(bytes) : bytes).toString('utf8');
  return (JSON.parse(text) as { Records: { eventID: string }[] }).Records.map((r) => r.eventID);
}

function getCounts(fake: FakeAws): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of fake.control.calls) {
    if (c.action !== 'GetObject') continue;
    const key = c.params['Key'] ?? '';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

async function drain(source: LiveSource, polls = 20): Promise<SpooledFile[]> {
  const all: SpooledFile[] = [];
  for (let i = 0; i < polls; i++) {
    const files = await source.poll();
    if (files.length === 0) break;
    all.push(...files);
  }
  return all;
}

describe('the live source registry', () => {
  it('registers the three kinds, each with an option schema that defaults all but its target', () => {
    expect(liveSourceDefinitions.map((d) => d.type)).toEqual(['s3', 'sqs', 'lookup-events']);
    expect(s3SourceOptions.parse({ name: 'trail', bucket: BUCKET })).toMatchObject({
      prefix: '',
      maxObjectsPerPoll: 100,
      maxAttempts: 3,
    });
    expect(
      sqsSourceOptions.parse({ name: 'q', queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q' }),
    ).toMatchObject({ maxReceives: 5, waitSeconds: 20, visibilitySeconds: 120 });
    expect(lookupEventsSourceOptions.parse({ name: 'h', regions: ['us-east-1'] })).toMatchObject({
      requestsPerSecond: 2,
      overlapMinutes: 15,
    });
    expect(() => s3SourceOptions.parse({ name: '../etc', bucket: BUCKET })).toThrow();
    expect(() =>
      lookupEventsSourceOptions.parse({ name: 'h', regions: ['us-east-1'], requestsPerSecond: 3 }),
    ).toThrow();
  });

  it('refuses a spool folder name that could leave the spool', () => {
    expect(() => createSpool('/tmp/spool', '..')).toThrow(/source name/);
  });
});

describe('S3 backfill', () => {
  const h = useFakeAws({ accountId: ACCOUNTS[0] });

  /** A composed organisation-trail bucket: 2 accounts × 2 regions × 3 files, plus noise. */
  function composeBucket(): { logKeys: string[]; ids: Map<string, string[]> } {
    const ids = new Map<string, string[]>();
    const logKeys: string[] = [];
    const stamps = ['20250301T1005', '20250301T1010', '20250301T1015'];
    for (const [a, account] of ACCOUNTS.entries()) {
      for (const [r, region] of REGIONS.entries()) {
        for (const [s, stamp] of stamps.entries()) {
          const key = logKey(account, region, stamp, `Ab${a}${r}${s}CdEfGhIjKlMn`);
          const records = [
            record(`2025-03-01T10:0${s}:00Z`, region),
            record('2025-03-01T10:00:00Z', region),
          ];
          h.fake.s3.putObject(BUCKET, key, deliveryBody(records));
          logKeys.push(key);
          ids.set(
            key,
            records.map((x) => String(x['eventID'])),
          );
        }
        // Hourly digest files and an Insights file live beside the logs: never fetched.
        h.fake.s3.putObject(
          BUCKET,
          `AWSLogs/${ORG}/${account}/CloudTrail-Digest/${region}/2025/03/01/${account}_CloudTrail-Digest_${region}_org-trail_us-east-1_20250301T100000Z.json.gz`,
          gzipSync('{}'),
        );
        h.fake.s3.putObject(
          BUCKET,
          `AWSLogs/${ORG}/${account}/CloudTrail-Insight/${region}/2025/03/01/${account}_CloudTrail-Insight_${region}_20250301T1000Z_x.json.gz`,
          gzipSync('{}'),
        );
      }
      // The zero-byte folder marker CloudTrail writes when the trail is created.
      h.fake.s3.putObject(BUCKET, `AWSLogs/${ORG}/${account}/CloudTrail/`, '');
    }
    h.fake.s3.putObject(BUCKET, `AWSLogs/${ORG}/`, '');
    return { logKeys, ids };
  }

  it('backfills an organisation-trail bucket in delivery order, skipping digests, Insights and markers', async () => {
    h.fake.control.setNow(new Date('2025-03-01T12:00:00Z'));
    const { logKeys, ids } = composeBucket();
    const spoolRoot = join(tempDir('ks-live-s3-'), 'spool');
    const kv = memoryKv();
    const progress: BackfillProgress[] = [];
    const source = createS3Source(
      s3SourceOptions.parse({ name: 'org-trail', bucket: BUCKET, maxObjectsPerPoll: 5 }),
      context(h.fake, { spoolRoot, name: 'org-trail', kv, clock: sharedClock(h.fake) }, (p) =>
        progress.push(p),
      ),
    );
    const files = await drain(source);
    expect(files).toHaveLength(logKeys.length);
    expect(source.health()).toMatchObject({ pending: 12, stored: 0, errorCount: 0 });
    // One stream in delivery order across accounts and regions, not a leaf at a time.
    const stamps = files.map((f) => /_(\d{8}T\d{4}Z)_/.exec(f.path)?.[1]);
    expect(stamps).toEqual([...stamps].sort());
    for (const f of files) {
      const key = f.origin.replace(`s3://${BUCKET}/`, '');
      expect(eventIdsIn(f.path)).toEqual(ids.get(key));
      expect(f.path.startsWith(join(spoolRoot, 'org-trail'))).toBe(true);
      expect(f.path).toMatch(/\.json\.gz$/);
    }
    // The pipeline's own file walk finds exactly these.
    expect(listInputFiles([join(spoolRoot, 'org-trail')]).files.sort()).toEqual(
      files.map((f) => f.path).sort(),
    );
    const fetched = [...getCounts(h.fake).keys()];
    expect(fetched.sort()).toEqual([...logKeys].sort());
    for (const f of files) await f.ack();
    expect(readdirSync(join(spoolRoot, 'org-trail'))).toEqual([]);
    expect(source.health()).toMatchObject({ pending: 0, stored: 12, quarantined: 0 });
    expect(progress.at(-1)).toEqual({
      objectsDone: 12,
      bytesDone: expect.any(Number),
      objectsListed: 12,
      bytesListed: expect.any(Number),
      objectsTotal: 12,
      bytesTotal: progress.at(-1)?.bytesListed,
    });
    const leaves = source.health().partitions ?? [];
    expect(leaves.map((l) => l.id)).toEqual(
      ACCOUNTS.flatMap((a) =>
        [...REGIONS].sort().map((r) => `s3://${BUCKET}/AWSLogs/${ORG}/${a}/CloudTrail/${r}/`),
      ),
    );
    for (const l of leaves) {
      expect(`s3://${BUCKET}/${l.checkpoint ?? ''}`).toMatch(
        new RegExp(`^${l.id}.*_20250301T1015Z_`),
      );
    }
    expect(source.health().lastSeenAt).toBe('2025-03-01T10:15:00.000Z');
    expect(source.health().lagMs).toBe(105 * 60_000);
  });

  it('resumes after a restart from the checkpoint: nothing acknowledged is fetched again, nothing skipped', async () => {
    h.fake.control.setNow(new Date('2025-03-01T12:00:00Z'));
    const keys = Array.from({ length: 8 }, (_, i) =>
      logKey(ACCOUNTS[0], 'us-east-1', `20250301T10${String(10 + i)}`, `Zz${i}AbCdEfGhIjKlMn`),
    );
    for (const k of keys)
      h.fake.s3.putObject(BUCKET, k, deliveryBody([record('2025-03-01T10:00:00Z')]));
    const spoolRoot = join(tempDir('ks-live-s3r-'), 'spool');
    const kv = memoryKv();
    const options = s3SourceOptions.parse({ name: 'trail', bucket: BUCKET, maxObjectsPerPoll: 3 });
    const first = createS3Source(options, context(h.fake, { spoolRoot, name: 'trail', kv }));
    const batch1 = await first.poll();
    expect(batch1.map((f) => f.origin)).toEqual(keys.slice(0, 3).map((k) => `s3://${BUCKET}/${k}`));
    // Acknowledged out of order: the second file is still being ingested when the process dies.
    await batch1[0]!.ack();
    await batch1[2]!.ack();
    const batch2 = await first.poll();
    await batch2[0]!.ack();
    // Killed here: batch1[1], batch2[1] and batch2[2] were never acknowledged.
    const second = createS3Source(options, context(h.fake, { spoolRoot, name: 'trail', kv }));
    const rest = await drain(second);
    expect(rest.map((f) => f.origin)).toEqual(
      [keys[1], keys[4], keys[5], keys[6], keys[7]].map((k) => `s3://${BUCKET}/${k!}`),
    );
    for (const f of rest) await f.ack();
    const counts = getCounts(h.fake);
    for (const [i, k] of keys.entries()) {
      expect([k, counts.get(k)]).toEqual([k, [1, 4, 5].includes(i) ? 2 : 1]);
    }
    // A third start finds nothing left to fetch.
    const third = createS3Source(options, context(h.fake, { spoolRoot, name: 'trail', kv }));
    expect(await third.poll()).toEqual([]);
    expect(getCounts(h.fake)).toEqual(counts);
    expect(JSON.parse([...kv.values.values()][0]!)).toMatchObject({ after: keys[7] });
  });

  it('later picks up a file delivered in the same minute whose name sorts before the last one', async () => {
    h.fake.control.setNow(new Date('2025-03-01T12:00:00Z'));
    const late = logKey(ACCOUNTS[0], 'us-east-1', '20250301T1010', 'AaaaAbCdEfGhIjKl', false);
    const last = logKey(ACCOUNTS[0], 'us-east-1', '20250301T1010', 'ZzzzAbCdEfGhIjKl', false);
    h.fake.s3.putObject(BUCKET, last, deliveryBody([record('2025-03-01T10:09:00Z')]));
    const spoolRoot = join(tempDir('ks-live-s3m-'), 'spool');
    const kv = memoryKv();
    const options = s3SourceOptions.parse({ name: 'trail', bucket: BUCKET, rescanSeconds: 0 });
    const source = createS3Source(options, context(h.fake, { spoolRoot, name: 'trail', kv }));
    for (const f of await source.poll()) await f.ack();
    h.fake.s3.putObject(BUCKET, late, deliveryBody([record('2025-03-01T10:09:30Z')]));
    const [picked, ...none] = await source.poll();
    expect([picked?.origin, none]).toEqual([`s3://${BUCKET}/${late}`, []]);
    await picked!.ack();
    // And after a restart the same holds: the checkpoint lists that minute again, skipping both.
    const again = createS3Source(options, context(h.fake, { spoolRoot, name: 'trail', kv }));
    expect(await again.poll()).toEqual([]);
  });

  it('retries a file that fails, quarantines it after maxAttempts, and moves on', async () => {
    h.fake.control.setNow(new Date('2025-03-01T12:00:00Z'));
    const [broken, refused, big, fine] = ['1010', '1011', '1012', '1013'].map((t, i) =>
      logKey(ACCOUNTS[0], 'us-east-1', `20250301T${t}`, `Qq${i}AbCdEfGhIjKlMn`, false),
    ) as [string, string, string, string];
    for (const k of [broken, refused, fine]) {
      h.fake.s3.putObject(BUCKET, k, deliveryBody([record('2025-03-01T10:00:00Z')]));
    }
    h.fake.s3.putObject(BUCKET, big, Buffer.alloc(4096, 1));
    h.fake.s3.failKey(BUCKET, broken, 'InternalError', { times: Infinity });
    const spoolRoot = join(tempDir('ks-live-s3q-'), 'spool');
    const kv = memoryKv();
    const source = createS3Source(
      s3SourceOptions.parse({
        name: 'trail',
        bucket: BUCKET,
        maxAttempts: 2,
        maxObjectBytes: 1024,
      }),
      context(h.fake, { spoolRoot, name: 'trail', kv }),
    );
    const first = await source.poll();
    expect(first.map((f) => f.origin)).toEqual([refused, fine].map((k) => `s3://${BUCKET}/${k}`));
    await first[1]!.ack();
    await first[0]!.fail('the store refused the batch');
    const second = await source.poll();
    expect(second.map((f) => f.origin)).toEqual([`s3://${BUCKET}/${refused}`]);
    await second[0]!.fail('the store refused the batch again');
    expect(await source.poll()).toEqual([]);
    const quarantine = join(spoolRoot, 'trail', 'quarantine');
    const entries = readdirSync(quarantine).map(
      (n) => JSON.parse(readFileSync(join(quarantine, n), 'utf8')) as Record<string, unknown>,
    );
    expect(entries.map((e) => [e['origin'], e['reason']]).sort()).toEqual(
      [
        [`s3://${BUCKET}/${big}`, expect.stringMatching(/larger than the cap of 1024 bytes/)],
        [`s3://${BUCKET}/${broken}`, expect.stringMatching(/InternalError/)],
        [`s3://${BUCKET}/${refused}`, 'the store refused the batch again'],
      ].sort(),
    );
    expect(getCounts(h.fake).get(broken)).toBe(2);
    expect(getCounts(h.fake).get(big)).toBe(1);
    expect(source.health()).toMatchObject({ quarantined: 3, stored: 1, pending: 0 });
    expect(source.health().errorCount).toBeGreaterThanOrEqual(4);
    // Every file is accounted for, so the checkpoint is past all four.
    expect(source.health().partitions?.[0]?.checkpoint).toBe(fine);
  });

  it('names the bucket when listing is refused, as an AppError', async () => {
    const spoolRoot = join(tempDir('ks-live-s3e-'), 'spool');
    const source = createS3Source(
      s3SourceOptions.parse({ name: 'trail', bucket: 'no-such-bucket' }),
      context(h.fake, { spoolRoot, name: 'trail', kv: memoryKv() }),
    );
    await expect(source.poll()).rejects.toMatchObject({
      code: 'KS_AWS',
      details: { awsCode: 'NoSuchBucket' },
    });
    expect(source.health().lastError?.message).toMatch(/no-such-bucket.*NoSuchBucket/);
  });
});

/** An S3 notification body for `key` (encoded the way S3 encodes notification keys). */
function s3Notification(
  bucket: string,
  encodedKey: string,
  eventName = 'ObjectCreated:Put',
): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2025-03-01T10:10:02.123Z',
        eventName,
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'ct-new-files',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodedKey, size: 100, sequencer: '0055AED6DCD90281E5' },
        },
      },
    ],
  });
}

function snsWrapped(message: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '2a1b3c4d-0000-4000-8000-000000000001',
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:trail-files',
    Message: message,
    Timestamp: '2025-03-01T10:10:03.000Z',
    SignatureVersion: '1',
  });
}

/** Form-style encoding of a key, as S3 notifications carry it (space → +, / kept). */
function s3Encode(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

describe('SQS of S3 notifications', () => {
  const h = useFakeAws({ accountId: ACCOUNTS[0] });
  let spoolRoot = '';
  afterEach(() => {
    spoolRoot = '';
  });

  function sqsSource(
    queueUrl: string,
    clock: SourceClock,
    extra: Record<string, unknown> = {},
    kv: KeyValueStore = memoryKv(),
  ): LiveSource {
    spoolRoot ||= join(tempDir('ks-live-sqs-'), 'spool');
    return createSqsSource(
      sqsSourceOptions.parse({ name: 'ct-queue', queueUrl, waitSeconds: 0, ...extra }),
      context(h.fake, { spoolRoot, name: 'ct-queue', kv, clock }),
    );
  }

  function putLog(key: string): string[] {
    const records = [record('2025-03-01T10:05:00Z'), record('2025-03-01T10:06:00Z')];
    h.fake.s3.putObject(BUCKET, key, deliveryBody(records));
    return records.map((r) => String(r['eventID']));
  }

  const quarantined = (): Record<string, unknown>[] => {
    const dir = join(spoolRoot, 'ct-queue', 'quarantine');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).map(
      (n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as Record<string, unknown>,
    );
  };

  it('fetches a URL-encoded key with a space and a +, and deletes the message only after ack', async () => {
    h.fake.control.setNow(new Date('2025-03-01T10:20:00Z'));
    const clock = sharedClock(h.fake);
    const key = `cloud trail+logs/${logKey(ACCOUNTS[0], 'us-east-1', '20250301T1010', 'AbCdEfGhIjKlMnOp')}`;
    const ids = putLog(key);
    const queue = h.fake.sqs.createQueue('ct-files');
    h.fake.sqs.sendMessage(queue, s3Notification(BUCKET, s3Encode(key)));
    expect(s3Encode(key)).toMatch(/^cloud\+trail%2Blogs\//);
    const source = sqsSource(queue, clock);
    const [file, ...more] = await source.poll();
    expect(more).toEqual([]);
    expect(file!.origin).toBe(`s3://${BUCKET}/${key}`);
    expect(eventIdsIn(file!.path)).toEqual(ids);
    expect(h.fake.sqs.messages(queue)).toEqual([expect.objectContaining({ inFlight: true })]);
    expect(h.fake.control.calls.some((c) => c.action === 'DeleteMessage')).toBe(false);
    await file!.ack();
    expect(h.fake.sqs.messages(queue)).toEqual([]);
    expect(existsSync(file!.path)).toBe(false);
    expect(source.health()).toMatchObject({ stored: 1, pending: 0, errorCount: 0 });
    expect(source.health().lastSeenAt).toBe('2025-03-01T10:10:00.000Z');
  });

  it('unwraps SNS, deletes test events and digest notifications at once, and reads CloudTrail’s own SNS message', async () => {
    h.fake.control.setNow(new Date('2025-03-01T10:20:00Z'));
    const viaSns = logKey(ACCOUNTS[0], 'us-east-1', '20250301T1010', 'SnsAbCdEfGhIjKlM');
    const viaTrail = logKey(ACCOUNTS[1], 'eu-west-1', '20250301T1015', 'TrlAbCdEfGhIjKlM');
    const snsIds = putLog(viaSns);
    const trailIds = putLog(viaTrail);
    const digest = `AWSLogs/${ORG}/${ACCOUNTS[0]}/CloudTrail-Digest/us-east-1/2025/03/01/${ACCOUNTS[0]}_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20250301T100000Z.json.gz`;
    const queue = h.fake.sqs.createQueue('ct-files');
    h.fake.sqs.sendMessage(queue, snsWrapped(s3Notification(BUCKET, s3Encode(viaSns))));
    h.fake.sqs.sendMessage(
      queue,
      JSON.stringify({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: '2025-03-01T10:00:00Z',
        Bucket: BUCKET,
        RequestId: 'R',
        HostId: 'H',
      }),
    );
    h.fake.sqs.sendMessage(queue, s3Notification(BUCKET, s3Encode(digest)));
    h.fake.sqs.sendMessage(
      queue,
      snsWrapped(JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [viaTrail] })),
    );
    const source = sqsSource(queue, sharedClock(h.fake));
    const files = await source.poll();
    expect(files.map((f) => f.origin)).toEqual([
      `s3://${BUCKET}/${viaSns}`,
      `s3://${BUCKET}/${viaTrail}`,
    ]);
    expect(files.map((f) => eventIdsIn(f.path))).toEqual([snsIds, trailIds]);
    expect(h.fake.sqs.messages(queue)).toHaveLength(2);
    expect(getCounts(h.fake).has(digest)).toBe(false);
    for (const f of files) await f.ack();
    expect(h.fake.sqs.messages(queue)).toEqual([]);
    expect(quarantined()).toEqual([]);
  });

  it('quarantines a body that is no notification at once, keeping it with the reason', async () => {
    const queue = h.fake.sqs.createQueue('ct-files');
    h.fake.sqs.sendMessage(queue, '<not json>');
    h.fake.sqs.sendMessage(
      queue,
      JSON.stringify({
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: BUCKET }, object: { key: 'bad%E0%A4%A' } },
          },
        ],
      }),
    );
    const source = sqsSource(queue, sharedClock(h.fake));
    expect(await source.poll()).toEqual([]);
    expect(h.fake.sqs.messages(queue)).toEqual([]);
    expect(
      quarantined()
        .map((q) => [q['reason'], q['sample']])
        .sort(),
    ).toEqual([
      ['Records[0].s3.object.key is not URL-encoded text', expect.stringContaining('bad%E0%A4%A')],
      ['the message body is not a JSON object', '<not json>'],
    ]);
  });

  it('receives an unacknowledged message again after its visibility timeout (the process died)', async () => {
    h.fake.control.setNow(new Date('2025-03-01T10:20:00Z'));
    const clock = sharedClock(h.fake);
    const key = logKey(ACCOUNTS[0], 'us-east-1', '20250301T1010', 'AbCdEfGhIjKlMnOp');
    const ids = putLog(key);
    const queue = h.fake.sqs.createQueue('ct-files');
    h.fake.sqs.sendMessage(queue, s3Notification(BUCKET, s3Encode(key)));
    const dying = sqsSource(queue, clock, { visibilitySeconds: 60 });
    const [lost] = await dying.poll();
    expect(lost).toBeDefined();
    // Nobody acks; no heartbeat runs any more. Within the timeout nobody else gets it…
    h.fake.control.advance(59_000);
    const next = sqsSource(queue, sharedClock(h.fake), { visibilitySeconds: 60 });
    expect(await next.poll()).toEqual([]);
    // …after it, the next process does, into the same spool file.
    h.fake.control.advance(1_000);
    const [again] = await next.poll();
    expect(again?.path).toBe(lost?.path);
    expect(eventIdsIn(again!.path)).toEqual(ids);
    expect(h.fake.sqs.messages(queue)[0]?.receiveCount).toBe(2);
    await again!.ack();
    expect(h.fake.sqs.messages(queue)).toEqual([]);
  });

  it('extends the visibility of a message while its file is slow to be stored', async () => {
    h.fake.control.setNow(new Date('2025-03-01T10:20:00Z'));
    const clock = sharedClock(h.fake);
    const key = logKey(ACCOUNTS[0], 'us-east-1', '20250301T1010', 'AbCdEfGhIjKlMnOp');
    putLog(key);
    const queue = h.fake.sqs.createQueue('ct-files');
    h.fake.sqs.sendMessage(queue, s3Notification(BUCKET, s3Encode(key)));
    const source = sqsSource(queue, clock, { visibilitySeconds: 30 });
    const [file] = await source.poll();
    const extensions = (): number =>
      h.fake.control.calls.filter((c) => c.action === 'ChangeMessageVisibility' && c.status === 200)
        .length;
    for (let i = 1; i <= 4; i++) {
      clock.tick(15_000);
      await vi.waitFor(() => expect(extensions()).toBe(i));
    }
    // 60 s after the receive, twice the timeout: still hidden from every other consumer.
    const other = await h
      .sqs()
      .send(new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 0 }));
    expect(other.Messages ?? []).toEqual([]);
    await file!.ack();
    expect(h.fake.sqs.messages(queue)).toEqual([]);
    clock.tick(60_000);
    expect(extensions()).toBe(4);
  });

  it('quarantines a poisoned message after maxReceives, while the messages behind it still flow', async () => {
    h.fake.control.setNow(new Date('2025-03-01T10:20:00Z'));
    const clock = sharedClock(h.fake);
    const poisoned = logKey(ACCOUNTS[0], 'us-east-1', '20250301T1010', 'PoisonCdEfGhIjKl');
    const rejected = logKey(ACCOUNTS[0], 'us-east-1', '20250301T1011', 'RejectCdEfGhIjKl');
    putLog(poisoned);
    putLog(rejected);
    h.fake.s3.failKey(BUCKET, poisoned, 'InternalError', { times: Infinity });
    const queue = h.fake.sqs.createQueue('ct-files');
    h.fake.sqs.sendMessage(queue, s3Notification(BUCKET, s3Encode(poisoned)));
    h.fake.sqs.sendMessage(queue, s3Notification(BUCKET, s3Encode(rejected)));
    const source = sqsSource(queue, clock, { maxReceives: 3, retrySeconds: 10 });
    const flowing: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const good = logKey(
        ACCOUNTS[0],
        'us-east-1',
        `20250301T102${round}`,
        `Good${round}CdEfGhIjKl`,
      );
      putLog(good);
      h.fake.sqs.sendMessage(queue, s3Notification(BUCKET, s3Encode(good)));
      const files = await source.poll();
      for (const f of files) {
        if (f.origin.endsWith(rejected)) await f.fail('the store refused this file');
        else {
          flowing.push(f.origin);
          await f.ack();
        }
      }
      clock.tick(10_000);
    }
    expect(flowing).toHaveLength(3);
    expect(h.fake.sqs.messages(queue)).toEqual([]);
    const q = quarantined();
    expect(q.map((e) => [e['origin'], e['reason']]).sort()).toEqual([
      [
        `s3://${BUCKET}/${poisoned}`,
        expect.stringMatching(
          /^s3:\/\/.*: AWS GetObject failed: InternalError.*\(received 3 times\)$/,
        ),
      ],
      [`s3://${BUCKET}/${rejected}`, 'the store refused this file (received 3 times)'],
    ]);
    expect(q.every((e) => (e['details'] as Record<string, unknown>)['receiveCount'] === 3)).toBe(
      true,
    );
    expect(source.health()).toMatchObject({ quarantined: 2, stored: 3, pending: 0 });
    expect(source.health().lastError?.message).toBeDefined();
  });

  it('feeds the ingest pipeline: a redelivered file adds no event twice', async () => {
    h.fake.control.setNow(new Date('2025-03-01T10:20:00Z'));
    const store = openSqliteStore(':memory:');
    const clock = sharedClock(h.fake);
    const key = logKey(ACCOUNTS[0], 'us-east-1', '20250301T1010', 'AbCdEfGhIjKlMnOp');
    putLog(key);
    const queue = h.fake.sqs.createQueue('ct-files');
    h.fake.sqs.sendMessage(queue, s3Notification(BUCKET, s3Encode(key)));
    const source = sqsSource(queue, clock, { visibilitySeconds: 30 }, store);
    const ingest = (files: readonly SpooledFile[]) =>
      ingestFiles(
        {
          store,
          tokens: [],
          managementPrincipals: [],
          limits: { maxFileBytes: 50 << 20, maxRecordBytes: 1 << 20 },
        },
        {
          files: files.map((f) => f.path),
          quietGapMs: 0,
          workers: 1,
          now: () => new Date(clock.now()),
        },
      );
    const first = await source.poll();
    expect((await ingest(first)).newEvents).toBe(2);
    // Crash before the ack: delivered again, stored again, nothing new.
    h.fake.control.advance(30_000);
    const second = await sqsSource(queue, clock, { visibilitySeconds: 30 }, store).poll();
    const result = await ingest(second);
    expect([result.newEvents, result.duplicates]).toEqual([0, 2]);
    await second[0]!.ack();
    expect(h.fake.sqs.messages(queue)).toEqual([]);
    await store.close();
  });
});

describe('LookupEvents polling', () => {
  const h = useFakeAws({ accountId: ACCOUNTS[0] });

  function lookupSource(
    clock: SourceClock,
    kv: KeyValueStore,
    spoolRoot: string,
    extra: Record<string, unknown> = {},
  ) {
    return createLookupEventsSource(
      lookupEventsSourceOptions.parse({
        name: 'history',
        regions: ['us-east-1', 'eu-west-1'],
        ...extra,
      }),
      context(h.fake, { spoolRoot, name: 'history', kv, clock }),
    );
  }

  /** `n` events, one a minute back from `end`, in `region`. */
  function history(region: string, n: number, end: string): Record<string, unknown>[] {
    return Array.from({ length: n }, (_, i) =>
      record(new Date(Date.parse(end) - i * 20_000).toISOString().replace('.000Z', 'Z'), region),
    );
  }

  const lookupCalls = (region: string) =>
    h.fake.control.calls.filter((c) => c.service === 'cloudtrail' && c.region === region);

  it('pages two regions into one spool file per page, at most 2 requests per second per region', async () => {
    h.fake.control.setNow(new Date('2025-03-01T11:00:00Z'));
    const clock = sharedClock(h.fake);
    const east = history('us-east-1', 120, '2025-03-01T10:55:00Z');
    const west = history('eu-west-1', 30, '2025-03-01T10:50:00Z');
    h.fake.lookup.addEvents('us-east-1', east);
    h.fake.lookup.addEvents('eu-west-1', west);
    const spoolRoot = join(tempDir('ks-live-le-'), 'spool');
    const source = lookupSource(clock, memoryKv(), spoolRoot);
    const files = await source.poll();
    expect(files.map((f) => eventIdsIn(f.path).length).sort((a, b) => a - b)).toEqual([
      20, 30, 50, 50,
    ]);
    const seen = files.flatMap((f) => eventIdsIn(f.path));
    expect(new Set(seen)).toEqual(new Set([...east, ...west].map((r) => String(r['eventID']))));
    expect(seen).toHaveLength(150);
    for (const f of files)
      expect(f.path).toMatch(
        /(us-east-1|eu-west-1)_LookupEvents_\d{8}T\d{4}Z_[0-9a-f]{16}-\d{4}\.json$/,
      );
    // The fake throttles past 2 per second per region: none was throttled, and the requests of
    // one region are at least 500 ms apart on the shared clock.
    expect(h.fake.control.calls.filter((c) => c.errorCode === 'ThrottlingException')).toEqual([]);
    const eastTimes = lookupCalls('us-east-1').map((c) => c.time.getTime());
    expect(eastTimes).toHaveLength(3);
    for (let i = 1; i < eastTimes.length; i++)
      expect(eastTimes[i]! - eastTimes[i - 1]!).toBeGreaterThanOrEqual(500);
    expect(lookupCalls('eu-west-1')).toHaveLength(1);
    expect(JSON.parse(lookupCalls('us-east-1')[0]!.params['StartTime']!)).toBe(
      Date.parse('2025-03-01T10:00:00Z') / 1000,
    );
    for (const f of files) await f.ack();
    expect(source.health()).toMatchObject({
      stored: 4,
      pending: 0,
      lastSeenAt: '2025-03-01T10:55:00.000Z',
    });
    expect(source.health().partitions).toEqual([
      { id: 'us-east-1', checkpoint: '2025-03-01T10:55:00.000Z' },
      { id: 'eu-west-1', checkpoint: '2025-03-01T10:50:00.000Z' },
    ]);
  });

  it('resumes from each region’s checkpoint less the overlap, and not before every page is stored', async () => {
    h.fake.control.setNow(new Date('2025-03-01T11:00:00Z'));
    const clock = sharedClock(h.fake);
    const kv = memoryKv();
    const spoolRoot = join(tempDir('ks-live-ler-'), 'spool');
    h.fake.lookup.addEvents('us-east-1', history('us-east-1', 60, '2025-03-01T10:55:00Z'));
    const first = lookupSource(clock, kv, spoolRoot, { regions: ['us-east-1'] });
    const pages = await first.poll();
    expect(pages).toHaveLength(2);
    await pages[0]!.ack();
    // Killed with the second page unstored: no checkpoint yet.
    expect(kv.values.size).toBe(0);
    h.fake.control.advance(60_000);
    const second = lookupSource(clock, kv, spoolRoot, { regions: ['us-east-1'] });
    const again = await second.poll();
    expect(again.flatMap((f) => eventIdsIn(f.path))).toHaveLength(60);
    for (const f of again) await f.ack();
    expect([...kv.values.values()]).toEqual(['2025-03-01T10:55:00.000Z']);
    // New events after a restart: asked for from 10:40 (15 minutes of overlap), no earlier.
    const later = history('us-east-1', 3, '2025-03-01T11:05:00Z');
    h.fake.lookup.addEvents('us-east-1', later);
    h.fake.control.setNow(new Date('2025-03-01T11:10:00Z'));
    const third = lookupSource(clock, kv, spoolRoot, { regions: ['us-east-1'] });
    const fresh = await third.poll();
    const call = lookupCalls('us-east-1').at(-1)!;
    expect(JSON.parse(call.params['StartTime']!)).toBe(Date.parse('2025-03-01T10:40:00Z') / 1000);
    const ids = fresh.flatMap((f) => eventIdsIn(f.path));
    expect(ids).toEqual(expect.arrayContaining(later.map((r) => String(r['eventID']))));
    expect(ids).toHaveLength(3 + 46);
    for (const f of fresh) await f.ack();
    expect([...kv.values.values()]).toEqual(['2025-03-01T11:05:00.000Z']);
  });

  it('quarantines an event whose CloudTrailEvent is not JSON and keeps the rest of its page', async () => {
    h.fake.control.setNow(new Date('2025-03-01T11:00:00Z'));
    const spoolRoot = join(tempDir('ks-live-leq-'), 'spool');
    h.fake.lookup.addEvents('us-east-1', history('us-east-1', 2, '2025-03-01T10:30:00Z'));
    h.fake.lookup.addRawEvent('us-east-1', {
      eventId: 'broken-1',
      eventTime: new Date('2025-03-01T10:31:00Z'),
      cloudTrailEvent: '{"eventVersion":"1.09", <script>',
    });
    const source = lookupSource(sharedClock(h.fake), memoryKv(), spoolRoot, {
      regions: ['us-east-1'],
    });
    const [page] = await source.poll();
    expect(eventIdsIn(page!.path)).toHaveLength(2);
    const dir = join(spoolRoot, 'history', 'quarantine');
    const [entry] = readdirSync(dir).map(
      (n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as Record<string, unknown>,
    );
    expect(entry).toMatchObject({
      origin: 'lookup-events://us-east-1/broken-1',
      reason: 'CloudTrailEvent is not a JSON object',
      sample: '{"eventVersion":"1.09", <script>',
    });
  });

  it('spaces takes of the token bucket 1/rate apart on the injected clock', async () => {
    let now = 0;
    const clock: SourceClock = {
      now: () => now,
      sleep: (ms) => {
        now += ms;
        return Promise.resolve();
      },
      every: () => () => undefined,
    };
    const bucket = createTokenBucket({ ratePerSecond: 2, clock });
    const times: number[] = [];
    await Promise.all(Array.from({ length: 5 }, () => bucket.take().then(() => times.push(now))));
    expect(times).toEqual([0, 500, 1000, 1500, 2000]);
  });
});

describe('S3 notification keys', () => {
  it('decode back to the key for any key, however S3 percent-encodes it', () => {
    const javaStyle = (key: string): string =>
      [...Buffer.from(key, 'utf8')]
        .map((b) => {
          const c = String.fromCharCode(b);
          if (/[A-Za-z0-9.\-*_/]/.test(c)) return c;
          return c === ' ' ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
        })
        .join('');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (key) => {
        expect(decodeS3Key(s3Encode(key))).toBe(key);
        expect(decodeS3Key(javaStyle(key))).toBe(key);
        const body = s3Notification(BUCKET, javaStyle(key));
        const parsed = parseNotification(key === '' ? '{}' : snsWrapped(body));
        if (key !== '')
          expect(parsed).toEqual({
            kind: 'objects',
            objects: [expect.objectContaining({ bucket: BUCKET, key })],
          });
      }),
    );
  });

  it('never throw on hostile bodies, and give spool names that stay in the folder', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), fc.string({ unit: 'binary' }), (body, key) => {
        expect(['objects', 'test', 'invalid']).toContain(parseNotification(body).kind);
        expect(decodeS3Key(key) === undefined || typeof decodeS3Key(key) === 'string').toBe(true);
        const name = spoolName(key, BUCKET, true);
        expect(name).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*\.[0-9a-f]{16}\.json\.gz$/);
        expect(name.length).toBeLessThan(160);
      }),
    );
    expect(spoolName('a/b.json.gz', BUCKET, true)).not.toBe(spoolName('c/b.json.gz', BUCKET, true));
  });
});
