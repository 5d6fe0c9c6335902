/**
 * The ordinary-traffic event mix: 17 weighted eventSource/eventName pairs (service shapes in
 * shapes.ts).
 */
import { weighted, type WeightedTable } from './prng.js';
import * as shape from './shapes.js';
import type { CallContext, EventBody } from './shapes.js';
import type { PrincipalKind } from './world.js';

/** One eventSource/eventName pair of the mix. */
export interface EventSpec {
  readonly source: string;
  readonly name: string;
  readonly readOnly: boolean;
  readonly category: 'Management' | 'Data';
  /** Which principal kinds make this call. */
  readonly callers: readonly PrincipalKind[];
  /** Logged only in us-east-1 (IAM, console sign-in). */
  readonly global?: boolean;
  readonly apiVersion?: string;
  readonly build: (c: CallContext) => EventBody;
}

/** Weighted mixes: every pair for us-east-1, only regional pairs elsewhere. */
export interface EventMix {
  readonly global: WeightedTable<EventSpec>;
  readonly regional: WeightedTable<EventSpec>;
}

const ALL: readonly PrincipalKind[] = ['iam-user', 'assumed-role', 'aws-service'];
const PEOPLE: readonly PrincipalKind[] = ['iam-user', 'assumed-role'];

type Options = Partial<Pick<EventSpec, 'callers' | 'global' | 'apiVersion'>> & {
  readonly data?: boolean;
  readonly write?: boolean;
};

function spec(
  weight: number,
  call: string,
  build: (c: CallContext) => EventBody,
  o: Options = {},
): readonly [EventSpec, number] {
  const [service, name = ''] = call.split(':');
  const s: EventSpec = {
    source: `${service}.amazonaws.com`,
    name,
    readOnly: !o.write,
    category: o.data ? 'Data' : 'Management',
    callers: o.callers ?? PEOPLE,
    ...(o.global ? { global: true } : {}),
    ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}),
    build,
  };
  return [s, weight];
}

const roleName = (c: CallContext): EventBody => ({
  requestParameters: { roleName: c.rng.pick(c.assets.roles) },
});

const SPECS: readonly (readonly [EventSpec, number])[] = [
  spec(22, 's3:GetObject', (c) => shape.s3Object(c, false), { data: true, callers: ALL }),
  spec(8, 's3:PutObject', (c) => shape.s3Object(c, true), {
    data: true,
    write: true,
    callers: ALL,
  }),
  spec(4, 's3:ListObjects', shape.s3List, { data: true }),
  spec(8, 'sts:AssumeRole', shape.assumeRole, { callers: ALL }),
  spec(4, 'sts:GetCallerIdentity', () => ({ requestParameters: null })),
  spec(12, 'kms:Decrypt', shape.kmsDecrypt, { callers: ALL }),
  spec(5, 'kms:GenerateDataKey', shape.kmsGenerateDataKey, { callers: ALL }),
  spec(5, 'ec2:DescribeInstances', () => ({
    requestParameters: {
      instancesSet: {},
      filterSet: {
        items: [{ name: 'instance-state-name', valueSet: { items: [{ value: 'running' }] } }],
      },
    },
  })),
  spec(2, 'ec2:DescribeSecurityGroups', (c) => ({
    requestParameters: {
      securityGroupSet: {},
      securityGroupIdSet: { items: [{ groupId: `sg-0${c.rng.chars('0123456789abcdef', 16)}` }] },
      filterSet: {},
    },
  })),
  spec(2, 'ec2:DescribeVolumes', () => ({
    requestParameters: { volumeSet: {}, filterSet: {}, maxResults: 500 },
  })),
  spec(2, 'iam:ListRoles', () => ({ requestParameters: { maxItems: 100 } }), { global: true }),
  spec(2, 'iam:GetRole', roleName, { global: true }),
  spec(1, 'iam:ListAttachedRolePolicies', roleName, { global: true }),
  spec(4, 'lambda:Invoke', shape.lambdaInvoke, {
    data: true,
    write: true,
    callers: ALL,
    apiVersion: '2015-03-31',
  }),
  spec(4, 'secretsmanager:GetSecretValue', (c) => ({
    requestParameters: {
      secretId: `arn:aws:secretsmanager:${c.region}:${c.assets.accountId}:secret:${c.rng.pick(c.assets.secrets)}`,
    },
  })),
  spec(3, 'monitoring:GetMetricData', shape.getMetricData),
  spec(1, 'signin:ConsoleLogin', shape.consoleLogin, {
    write: true,
    callers: ['iam-user'],
    global: true,
  }),
];

/** The mix used for ordinary traffic. */
export function createEventMix(): EventMix {
  return { global: weighted(SPECS), regional: weighted(SPECS.filter(([s]) => !s.global)) };
}
