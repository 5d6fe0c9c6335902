import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetUserCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { cloudTrailObjectKey } from './cloudtrail.js';
import { rejection, useFakeAws } from './harness.js';

const KEY_RE =
  /^AWSLogs\/(?<acct>\d{12})\/CloudTrail\/(?<region>[a-z0-9-]+)\/(?<y>\d{4})\/(?<m>\d{2})\/(?<d>\d{2})\/\k<acct>_CloudTrail_\k<region>_(?<ts>\d{8}T\d{4}Z)_(?<uniq>[A-Za-z0-9]{16})\.json\.gz$/;

describe('CloudTrail records', () => {
  const h = useFakeAws({ accountId: '111122223333' });

  async function canary(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    await h.iam().send(new CreateUserCommand({ UserName: 'backup-sync', Path: '/svc/' }));
    const out = await h.iam().send(new CreateAccessKeyCommand({ UserName: 'backup-sync' }));
    return {
      accessKeyId: out.AccessKey!.AccessKeyId!,
      secretAccessKey: out.AccessKey!.SecretAccessKey!,
    };
  }

  it('logs a successful mutating call with lowerCamelCase parameters and no secret', async () => {
    h.fake.control.setNow(new Date('2025-01-01T10:05:07.456Z'));
    const key = await canary();
    const records = h.fake.cloudTrailRecords();
    expect(records).toHaveLength(2);
    const create = records[1]!;
    expect(create).toMatchObject({
      eventVersion: '1.09',
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::111122223333:user/keysnare-admin',
        accountId: '111122223333',
        accessKeyId: h.fake.admin.accessKeyId,
        userName: 'keysnare-admin',
      },
      eventTime: '2025-01-01T10:05:07Z',
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      requestParameters: { userName: 'backup-sync' },
      responseElements: {
        accessKey: {
          accessKeyId: key.accessKeyId,
          createDate: 'Jan 1, 2025 10:05:07 AM',
          status: 'Active',
          userName: 'backup-sync',
        },
      },
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '111122223333',
      eventCategory: 'Management',
    });
    expect(create['userAgent']).toMatch(/^aws-sdk-js\//);
    expect(create['eventID']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(create['requestID']).toBe(h.fake.control.calls[1]?.requestId);
    expect(JSON.stringify(records)).not.toContain(key.secretAccessKey);
  });

  it('logs errors with errorCode/errorMessage and null responseElements', async () => {
    await rejection(h.iam().send(new GetUserCommand({ UserName: 'ghost' })));
    expect(h.fake.cloudTrailRecords()[0]).toMatchObject({
      eventName: 'GetUser',
      errorCode: 'NoSuchEntityException',
      errorMessage: 'The user with name ghost cannot be found.',
      requestParameters: { userName: 'ghost' },
      responseElements: null,
      readOnly: true,
    });
  });

  it('logs denied calls and bad signatures of known keys without request parameters', async () => {
    const key = await canary();
    await rejection(h.iam(key).send(new ListUsersCommand({ PathPrefix: '/' })));
    await rejection(
      h.sts({ ...key, secretAccessKey: 'wrong' }).send(new GetCallerIdentityCommand({})),
    );
    await rejection(
      h
        .sts({ accessKeyId: 'AKIAQYLPMN5HHHFPZAM2', secretAccessKey: 'x' })
        .send(new GetCallerIdentityCommand({})),
    );
    const [denied, badSig, ...rest] = h.fake.cloudTrailRecords().slice(2);
    expect(denied).toMatchObject({
      eventName: 'ListUsers',
      errorCode: 'AccessDenied',
      requestParameters: null,
    });
    expect(denied?.['userIdentity']).toMatchObject({
      accessKeyId: key.accessKeyId,
      userName: 'backup-sync',
    });
    expect(badSig).toMatchObject({
      eventName: 'GetCallerIdentity',
      errorCode: 'SignatureDoesNotMatch',
    });
    expect(rest).toEqual([]); // an unknown key is nobody's: no record
  });

  it('logs session calls as the IAM user with the ASIA key and a Java-style expiration', async () => {
    h.fake.control.setNow(new Date('2014-07-18T16:07:39Z'));
    const key = await canary();
    const out = await h.sts(key).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const c = out.Credentials!;
    const creds = {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
    await h.sts(creds).send(new GetCallerIdentityCommand({}));
    const [gst, gci] = h.fake.cloudTrailRecords().slice(-2);
    expect(gst).toMatchObject({
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetSessionToken',
      requestParameters: { durationSeconds: 900 },
      responseElements: {
        credentials: {
          accessKeyId: creds.accessKeyId,
          sessionToken: creds.sessionToken,
          expiration: 'Jul 18, 2014 4:22:39 PM',
        },
      },
    });
    expect(gci).toMatchObject({
      eventName: 'GetCallerIdentity',
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::111122223333:user/svc/backup-sync',
        accessKeyId: creds.accessKeyId,
        userName: 'backup-sync',
        sessionContext: {
          attributes: { creationDate: '2014-07-18T16:07:39Z', mfaAuthenticated: 'false' },
        },
      },
      requestParameters: null,
      responseElements: null,
    });
  });

  it('never logs passwords', async () => {
    await h.iam().send(new CreateUserCommand({ UserName: 'u' }));
    await h
      .iam()
      .send(new CreateLoginProfileCommand({ UserName: 'u', Password: 'Hunter2-secret!' }));
    expect(JSON.stringify(h.fake.cloudTrailRecords())).not.toContain('Hunter2');
  });
});

describe('CloudTrail log files', () => {
  const h = useFakeAws({ accountId: '111122223333' });

  it('writes S3-shaped gzip files of the records not yet delivered, re-readable as JSON', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fake-aws-'));
    try {
      h.fake.control.setNow(new Date('2025-03-04T05:06:59Z'));
      await h.iam().send(new ListUsersCommand({}));
      await h.sts().send(new GetCallerIdentityCommand({}));
      const file = await h.fake.writeCloudTrailFile(dir);
      const key = path.relative(dir, file).split(path.sep).join('/');
      const m = KEY_RE.exec(key);
      expect(m?.groups).toMatchObject({
        acct: '111122223333',
        region: 'us-east-1',
        y: '2025',
        m: '03',
        d: '04',
        ts: '20250304T0506Z',
      });
      const body = JSON.parse(gunzipSync(await readFile(file)).toString('utf8'));
      expect(body.Records.map((r: { eventName: string }) => r.eventName)).toEqual([
        'ListUsers',
        'GetCallerIdentity',
      ]);
      expect(body.Records).toEqual(h.fake.cloudTrailRecords());

      await h.iam().send(new ListUsersCommand({}));
      const second = await h.fake.writeCloudTrailFile(dir);
      expect(second).not.toBe(file);
      const next = JSON.parse(gunzipSync(await readFile(second)).toString('utf8'));
      expect(next.Records).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names objects by delivery time with a 16-character unique suffix', () => {
    const a = cloudTrailObjectKey('111122223333', new Date('2025-12-31T23:59:00Z'));
    expect(a).toMatch(KEY_RE);
    expect(a).toContain('/2025/12/31/111122223333_CloudTrail_us-east-1_20251231T2359Z_');
  });
});
