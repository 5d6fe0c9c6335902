/**
 * The service-specific parts of CloudTrail records: request parameters, response elements,
 * resources and additional event data as each service logs them, and authorization errors.
 */
import { encodeKeyId } from './key-ids.js';
import type { Rng } from './prng.js';
import { freeId, type AccountAssets, type Principal } from './world.js';

/** What a call needs to describe itself. */
export interface CallContext {
  readonly rng: Rng;
  readonly assets: AccountAssets;
  readonly region: string;
  readonly principal: Principal;
  readonly reserved: ReadonlySet<string>;
  readonly timeMs: number;
}

/** The service-specific part of a record. */
export interface EventBody {
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements?: Record<string, unknown> | null;
  readonly resources?: readonly Record<string, unknown>[];
  readonly additionalEventData?: Record<string, unknown>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Java-style timestamp STS uses inside responseElements ("Mar 3, 2025 2:10:00 PM"). */
export function stsExpiration(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
  return `${day} ${h % 12 || 12}:${mm}:${ss} ${h < 12 ? 'AM' : 'PM'}`;
}

/** A session token as logged (shortened base64 text). */
export function sessionToken(rng: Rng): string {
  return `IQoJb3JpZ2luX2VjE${rng.chars(BASE64, 100)}`;
}

/** Error code and message for an authorization failure, by service family. */
export function deniedError(
  source: string,
  name: string,
  arn: string,
): { code: string; message: string } {
  const service = source.split('.')[0] ?? source;
  if (service === 'ec2') {
    return {
      code: 'Client.UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
    };
  }
  if (service === 's3') return { code: 'AccessDenied', message: 'Access Denied' };
  const json = ['kms', 'lambda', 'secretsmanager'].includes(service);
  const action = `${service}:${name}`;
  return {
    code: json ? 'AccessDeniedException' : 'AccessDenied',
    message: `User: ${arn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
  };
}

function bucketResource(c: CallContext, bucket: string): Record<string, unknown> {
  return { accountId: c.assets.accountId, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` };
}

/** S3 GetObject / PutObject data event. */
export function s3Object(c: CallContext, write: boolean): EventBody {
  const { rng } = c;
  const bucket = rng.pick(c.assets.buckets);
  const folder = rng.pick(['logs', 'exports', 'uploads', 'tmp']);
  const ext = rng.pick(['parquet', 'json.gz', 'csv', 'jpg']);
  const key = `${folder}/2025/03/${rng.int(10, 28)}/part-${rng.int(0, 99999)}.${ext}`;
  const bytes = rng.int(200, 5_000_000);
  return {
    requestParameters: { bucketName: bucket, Host: `${bucket}.s3.${c.region}.amazonaws.com`, key },
    responseElements: write ? { 'x-amz-server-side-encryption': 'aws:kms' } : null,
    additionalEventData: {
      SignatureVersion: 'SigV4',
      CipherSuite: 'TLS_AES_128_GCM_SHA256',
      bytesTransferredIn: write ? bytes : 0,
      AuthenticationMethod: 'AuthHeader',
      bytesTransferredOut: write ? 0 : bytes,
    },
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      bucketResource(c, bucket),
    ],
  };
}

/** S3 ListObjects (ListObjectsV2) data event. */
export function s3List(c: CallContext): EventBody {
  const bucket = c.rng.pick(c.assets.buckets);
  const host = `${bucket}.s3.${c.region}.amazonaws.com`;
  return {
    requestParameters: {
      bucketName: bucket,
      Host: host,
      prefix: 'exports/',
      'list-type': '2',
      delimiter: '/',
    },
    resources: [bucketResource(c, bucket)],
    additionalEventData: {
      SignatureVersion: 'SigV4',
      AuthenticationMethod: 'AuthHeader',
      bytesTransferredOut: c.rng.int(300, 9000),
    },
  };
}

function kmsKey(c: CallContext): { arn: string; resources: Record<string, unknown>[] } {
  const arn = `arn:aws:kms:${c.region}:${c.assets.accountId}:key/${c.rng.pick(c.assets.kmsKeys)}`;
  return { arn, resources: [{ accountId: c.assets.accountId, type: 'AWS::KMS::Key', ARN: arn }] };
}

/** KMS Decrypt (S3 server-side encryption context). */
export function kmsDecrypt(c: CallContext): EventBody {
  const context = { 'aws:s3:arn': `arn:aws:s3:::${c.rng.pick(c.assets.buckets)}` };
  return {
    requestParameters: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: context },
    resources: kmsKey(c).resources,
  };
}

/** KMS GenerateDataKey (Lambda environment encryption context). */
export function kmsGenerateDataKey(c: CallContext): EventBody {
  const key = kmsKey(c);
  const fn = `arn:aws:lambda:${c.region}:${c.assets.accountId}:function:${c.rng.pick(c.assets.functions)}`;
  return {
    requestParameters: {
      keyId: key.arn,
      keySpec: 'AES_256',
      encryptionContext: { 'aws:lambda:FunctionArn': fn },
    },
    resources: key.resources,
  };
}

/** STS AssumeRole with the credentials it handed out (a fresh, non-canary ASIA key). */
export function assumeRole(c: CallContext): EventBody {
  const { rng, assets } = c;
  const role = rng.pick(assets.roles);
  const roleArn = `arn:aws:iam::${assets.accountId}:role/${role}`;
  const session = `session-${rng.int(1e6, 9e6)}`;
  const accessKeyId = freeId(() => encodeKeyId('ASIA', assets.accountId, rng), c.reserved);
  const roleId = `AROA${rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 17)}`;
  const expiration = stsExpiration(c.timeMs + 3_600_000);
  return {
    requestParameters: { roleArn, roleSessionName: session, durationSeconds: 3600 },
    responseElements: {
      credentials: { accessKeyId, sessionToken: sessionToken(rng), expiration },
      assumedRoleUser: {
        assumedRoleId: `${roleId}:${session}`,
        arn: `arn:aws:sts::${assets.accountId}:assumed-role/${role}/${session}`,
      },
    },
    resources: [{ accountId: assets.accountId, type: 'AWS::IAM::Role', ARN: roleArn }],
  };
}

/** Lambda Invoke data event. */
export function lambdaInvoke(c: CallContext): EventBody {
  const arn = `arn:aws:lambda:${c.region}:${c.assets.accountId}:function:${c.rng.pick(c.assets.functions)}`;
  return {
    requestParameters: { functionName: arn },
    additionalEventData: { functionVersion: `${arn}:$LATEST` },
    resources: [{ accountId: c.assets.accountId, type: 'AWS::Lambda::Function', ARN: arn }],
  };
}

/** CloudWatch GetMetricData over the last hour. */
export function getMetricData(c: CallContext): EventBody {
  const metric = { namespace: 'AWS/EC2', metricName: 'CPUUtilization' };
  return {
    requestParameters: {
      metricDataQueries: [{ id: 'm1', metricStat: { metric, period: 300, stat: 'Average' } }],
      startTime: new Date(c.timeMs - 3_600_000).toISOString(),
      endTime: new Date(c.timeMs).toISOString(),
    },
  };
}

/** Successful console sign-in with MFA. */
export function consoleLogin(): EventBody {
  return {
    requestParameters: null,
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
      MobileVersion: 'No',
      MFAUsed: 'Yes',
    },
  };
}
