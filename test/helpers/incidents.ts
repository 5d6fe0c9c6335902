/**
 * Two attacks with stolen keys, composed here after real incidents (never copied from real data):
 * a leaked power-user key turned into miners across 16 regions, and one source checking a batch of
 * stolen keys before looking at SES. Each builder returns the records and the eventIDs of the
 * events each expected finding is made of.
 */
import { ACCOUNT, ctRecord, iamUser, minutesAfter, testKey } from './cloudtrail.js';

type Rec = Record<string, unknown>;
const idOf = (r: Rec) => String(r['eventID']);

/** The sixteen regions the leaked key launched in, in the order it tried them. */
export const SIXTEEN_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-south-1',
  'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1', 'ap-southeast-2',
]; // prettier-ignore

/** Instances per launch call, and the on-demand us-east-1 prices (USD/hour) of the two types. */
export const PER_LAUNCH = 4;
export const PRICES = { 'p3.16xlarge': 24.48, 'c5.24xlarge': 4.08 } as const;
/** Regions (by index) where the launch failed: vCPU quota or no capacity. */
export const FAILED_REGIONS: ReadonlySet<number> = new Set([4, 9, 14]);

/** The instance type tried in region `i`: GPUs and the largest compute size, alternately. */
export const typeOf = (i: number): keyof typeof PRICES =>
  i % 2 === 0 ? 'p3.16xlarge' : 'c5.24xlarge';

/** What scenario 1 is made of. */
export interface KeyTakeover {
  readonly records: Rec[];
  readonly createKey: string;
  readonly deleteOldKey: string;
  readonly createUser: string;
  readonly launches: string[];
  readonly keyPairs: string[];
  readonly principal: string;
}

const T1 = '2025-04-02T01:10:00Z';
const ATTACKER_1 = '198.51.100.14';
const SCRIPT =
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0-1051-aws md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69';

/**
 * A power user's leaked key (allowed to manage its own keys, not to create users) makes a new
 * key, the new key deletes the old one, is denied CreateUser, then creates or imports a key pair
 * and launches four large instances in each of 16 regions: 01:12 to 01:35, the launches in 18
 * minutes.
 */
export function keyTakeover(): KeyTakeover {
  const oldKey = testKey('AKIA', 601);
  const newKey = testKey('AKIA', 602);
  const ravi = iamUser('dev-ravi', oldKey, 'AIDAQRAVIPOWERUSER01');
  const withNew = { ...ravi, accessKeyId: newKey };
  const call = (o: Omit<Parameters<typeof ctRecord>[0], 'ip' | 'ua'>) =>
    ctRecord({ ip: ATTACKER_1, ua: SCRIPT, ...o });
  const iam = (o: Omit<Parameters<typeof ctRecord>[0], 'ip' | 'ua'>) =>
    call({ eventSource: 'iam.amazonaws.com', readOnly: false, ...o });

  const probe = call({ identity: ravi, time: minutesAfter(T1, 0.2) });
  const listKeys = iam({
    identity: ravi,
    eventName: 'ListAccessKeys',
    readOnly: true,
    time: minutesAfter(T1, 1),
  });
  const create = iam({
    identity: ravi,
    eventName: 'CreateAccessKey',
    time: minutesAfter(T1, 2.1),
    responseElements: {
      accessKey: {
        userName: 'dev-ravi',
        accessKeyId: newKey,
        status: 'Active',
        createDate: 'Apr 2, 2025, 1:12:05 AM',
      },
    },
  });
  const probeNew = call({ identity: withNew, time: minutesAfter(T1, 4.5) });
  const remove = iam({
    identity: withNew,
    eventName: 'DeleteAccessKey',
    time: minutesAfter(T1, 5.7),
    requestParameters: { accessKeyId: oldKey },
  });
  const createUser = iam({
    identity: withNew,
    eventName: 'CreateUser',
    time: minutesAfter(T1, 6),
    errorCode: 'AccessDenied',
    errorMessage: `User: arn:aws:iam::${ACCOUNT}:user/dev-ravi is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${ACCOUNT}:user/backup-admin because no identity-based policy allows the iam:CreateUser action`,
  });
  const keyPairs: Rec[] = [];
  const launches: Rec[] = [];
  SIXTEEN_REGIONS.forEach((region, i) => {
    const at = 7 + i * 1.2;
    keyPairs.push(keyPair(withNew, region, i === 0, minutesAfter(T1, at)));
    launches.push(launch(withNew, region, i, minutesAfter(T1, at + 0.4)));
  });
  return {
    records: [probe, listKeys, create, probeNew, remove, createUser, ...keyPairs, ...launches],
    createKey: idOf(create),
    deleteOldKey: idOf(remove),
    createUser: idOf(createUser),
    launches: launches.map(idOf),
    keyPairs: keyPairs.map(idOf),
    principal: String(ravi['arn']),
  };
}

function keyPair(identity: Rec, region: string, create: boolean, time: string): Rec {
  return ctRecord({
    identity,
    ip: ATTACKER_1,
    ua: SCRIPT,
    region,
    time,
    eventSource: 'ec2.amazonaws.com',
    eventName: create ? 'CreateKeyPair' : 'ImportKeyPair',
    readOnly: false,
    requestParameters: create
      ? { keyName: 'ops', keyType: 'rsa', keyFormat: 'pem' }
      : {
          keyName: 'ops',
          publicKeyMaterial: 'c3NoLXJzYSBBQUFBQjNOemFDMXljMkVBQUFBREFRQUJBQUFCQVFD',
        },
    responseElements: {
      requestId: `kp-${region}`,
      keyName: 'ops',
      keyFingerprint: '1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f',
      keyPairId: `key-0${region.replace(/[^a-z0-9]/g, '').slice(0, 12)}`,
    },
  });
}

function launch(identity: Rec, region: string, i: number, time: string): Rec {
  const type = typeOf(i);
  const failed = FAILED_REGIONS.has(i);
  const quota = i % 2 === 0;
  return ctRecord({
    identity,
    ip: ATTACKER_1,
    ua: SCRIPT,
    region,
    time,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    readOnly: false,
    requestParameters: {
      instancesSet: {
        items: [
          { imageId: 'ami-0c7217cdde317cfec', minCount: 1, maxCount: PER_LAUNCH, keyName: 'ops' },
        ],
      },
      instanceType: type,
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
    },
    ...(failed
      ? {
          errorCode: quota ? 'Client.VcpuLimitExceeded' : 'Server.InsufficientInstanceCapacity',
          errorMessage: quota
            ? 'You have requested more vCPU capacity than your current vCPU limit of 64 allows for the instance bucket that the specified instance type belongs to.'
            : `We currently do not have sufficient ${type} capacity in the Availability Zone you requested.`,
        }
      : { responseElements: started(region, type, i) }),
  });
}

function started(region: string, type: string, i: number): Rec {
  return {
    requestId: `run-${region}`,
    reservationId: `r-0${String(i).padStart(16, '7')}`,
    ownerId: ACCOUNT,
    groupSet: {},
    instancesSet: {
      items: Array.from({ length: PER_LAUNCH }, (_, n) => ({
        instanceId: `i-0${String(i).padStart(2, '0')}${String(n).padStart(14, 'a')}`,
        imageId: 'ami-0c7217cdde317cfec',
        instanceState: { code: 0, name: 'pending' },
        amiLaunchIndex: n,
        instanceType: type,
        keyName: 'ops',
        placement: { availabilityZone: `${region}a`, tenancy: 'default' },
      })),
    },
  };
}

/** What scenario 2 is made of. */
export interface KeyBatch {
  readonly records: Rec[];
  readonly attacker: string;
  /** The seven GetCallerIdentity probes, one per key. */
  readonly probes: string[];
  readonly deniedListUsers: string;
  readonly ses: string[];
  /** Every event of each stolen key's principal, by principal ARN. */
  readonly byPrincipal: Map<string, string[]>;
}

const T2 = '2025-03-04T09:00:00Z';
const KALI = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off';
const STOLEN = [
  'ci-deploy',
  'backup-s3',
  'smtp-mailer',
  'grafana-cw',
  'legacy-etl',
  'jenkins',
  'reports',
];

/**
 * One IP on Kali checks seven stolen keys with GetCallerIdentity in five minutes; with the mail
 * user's key it is denied ListUsers, then reads the SES quota, sending state and identities in
 * three regions.
 */
export function keyBatch(): KeyBatch {
  const attacker = '198.51.100.23';
  const users = STOLEN.map((name, i) =>
    iamUser(name, testKey('AKIA', 700 + i), `AIDAQSTOLENKEY0000${i}`),
  );
  const call = (identity: Rec, o: Omit<Parameters<typeof ctRecord>[0], 'identity'>) =>
    ctRecord({ identity, ip: attacker, ua: KALI, ...o });
  const probes = users.map((u, i) => call(u, { time: minutesAfter(T2, 2 + (i * 5) / 6) }));
  const mailer = users[2]!;
  const listUsers = call(mailer, {
    eventSource: 'iam.amazonaws.com',
    eventName: 'ListUsers',
    time: minutesAfter(T2, 8),
    errorCode: 'AccessDenied',
    errorMessage: `User: ${String(mailer['arn'])} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${ACCOUNT}:user/ because no identity-based policy allows the iam:ListUsers action`,
  });
  const ses = (
    [
      ['us-east-1', 'GetSendQuota', 9],
      ['us-east-1', 'GetAccountSendingEnabled', 9.3],
      ['us-east-1', 'ListIdentities', 9.6],
      ['us-west-2', 'GetSendQuota', 11],
      ['us-west-2', 'ListIdentities', 11.3],
      ['eu-west-1', 'GetSendQuota', 13],
      ['eu-west-1', 'ListIdentities', 13.3],
    ] as const
  ).map(([region, eventName, at]) =>
    call(mailer, {
      eventSource: 'ses.amazonaws.com',
      eventName,
      region,
      time: minutesAfter(T2, at),
      requestParameters: eventName === 'ListIdentities' ? { identityType: 'EmailAddress' } : null,
    }),
  );
  const byPrincipal = new Map(users.map((u, i) => [String(u['arn']), [idOf(probes[i]!)]]));
  byPrincipal.get(String(mailer['arn']))!.push(idOf(listUsers), ...ses.map(idOf));
  return {
    records: [...probes, listUsers, ...ses],
    attacker,
    probes: probes.map(idOf),
    deniedListUsers: idOf(listUsers),
    ses: ses.map(idOf),
    byPrincipal,
  };
}
