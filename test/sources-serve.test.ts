/**
 * Live sources wired in, with the real SDK against the wire-level fake: `keysnare ingest
 * s3://bucket/prefix` backfills an organisation trail and resumes from its checkpoint; `serve`
 * polls an SQS queue of S3 notifications, ingests what it names and deletes each message only
 * after its events are stored. (This file sets the SDK's standard environment; it runs in its own
 * process.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src/app.js';
import { startServer } from '../src/server/index.js';
import { useFakeAws } from './fake-aws/harness.js';
import { ctRecord, iamUser, testKey } from './helpers/cloudtrail.js';
import { addToken, jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);
const h = useFakeAws();
const BUCKET = 'org-trail-logs';
const CANARY = testKey('AKIA', 4242);

function env() {
  return {
    AWS_ENDPOINT_URL: h.fake.endpoint,
    AWS_ACCESS_KEY_ID: h.fake.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: h.fake.admin.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
}

/** A workspace with one canary and path-style S3 (the fake is not a virtual-host S3). */
async function workspace(extra = ''): Promise<string> {
  Object.assign(process.env, env());
  const home = tempDir('ks-live-');
  expect((await runCli(['--home', home, 'init'])).code).toBe(0);
  expect((await addToken(home, CANARY, 'svc-etl-prod', 'host=etl-2,owner=data')).code).toBe(0);
  const yaml = readFileSync(join(home, 'keysnare.yaml'), 'utf8');
  writeFileSync(
    join(home, 'keysnare.yaml'),
    `${yaml.replace('aws:\n', 'aws:\n  s3PathStyle: true\n')}${extra}`,
  );
  return home;
}

function putLog(account: string, stamp: string, n: number): string {
  const key = `AWSLogs/o-abc123def4/${account}/CloudTrail/us-east-1/2026/11/30/${account}_CloudTrail_us-east-1_${stamp}Z_Uniq${n}AbCdEfGhIj.json.gz`;
  const records = [
    ctRecord({
      identity: iamUser('svc-etl-prod', CANARY, 'AIDAQETL0000000001', account),
      ip: '185.220.101.33',
      time: `2026-11-30T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:00Z`,
      eventID: `live-${n}-0000-4000-8000-000000000000`,
    }),
  ];
  h.fake.s3.putObject(BUCKET, key, gzipSync(JSON.stringify({ Records: records })));
  return key;
}

describe('live sources', () => {
  it('ingest s3://… backfills an organisation trail, then resumes from its checkpoint', async () => {
    const home = await workspace();
    putLog('111122223333', '20261130T1005', 1);
    putLog('444455556666', '20261130T1010', 2);
    const first = await runCli(['--home', home, 'ingest', `s3://${BUCKET}/AWSLogs/`]);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain(`s3://${BUCKET}/AWSLogs/: 2 file(s) ingested, 2 new event(s)`);
    const incidents = jsonl(
      (await runCli(['--home', home, 'incidents', 'list', '--format', 'jsonl'])).out,
    );
    expect(incidents).toHaveLength(1);
    const again = await runCli(['--home', home, 'ingest', `s3://${BUCKET}/AWSLogs/`]);
    expect(again.err).toContain('0 file(s) ingested, 0 new event(s)');
    putLog('111122223333', '20261130T1020', 3);
    const more = await runCli(['--home', home, 'ingest', `s3://${BUCKET}/AWSLogs/`]);
    expect(more.err).toContain('1 file(s) ingested, 1 new event(s)');
    const gets = h.fake.control.calls.filter((c) => c.action === 'GetObject');
    expect(gets).toHaveLength(3);
  });

  it('serve polls an SQS queue of S3 notifications and deletes each message once stored', async () => {
    const queue = h.fake.sqs.createQueue('ct-files');
    const home = await workspace(
      `sources:\n  - { type: sqs, name: ct-queue, queueUrl: '${queue}', waitSeconds: 0 }\n`,
    );
    const yaml = readFileSync(join(home, 'keysnare.yaml'), 'utf8');
    writeFileSync(
      join(home, 'keysnare.yaml'),
      yaml.replace('watchEverySeconds: 10', 'watchEverySeconds: 1'),
    );
    const key = putLog('111122223333', '20261130T1030', 9);
    h.fake.sqs.sendMessage(
      queue,
      JSON.stringify({
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'us-east-1',
            eventTime: '2026-11-30T10:30:05.000Z',
            eventName: 'ObjectCreated:Put',
            s3: {
              bucket: { name: BUCKET },
              object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 100 },
            },
          },
        ],
      }),
    );
    const ws = openWorkspace(home);
    const server = await startServer({ ws, port: 0, log: () => undefined });
    try {
      for (let i = 0; i < 100 && (await ws.store.countEvents()) === 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await ws.store.countEvents()).toBe(1);
      for (let i = 0; i < 50 && h.fake.sqs.messages(queue).length > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(h.fake.sqs.messages(queue)).toEqual([]);
      expect((await ws.store.listIncidents()).map((i) => i.kind)).toEqual(['canary']);
      expect(server.ctx.health.get('ct-queue')).toMatchObject({
        kind: 'sqs',
        received: 1,
        errors: 0,
      });
    } finally {
      await server.close();
      await ws.close();
    }
  });
});
