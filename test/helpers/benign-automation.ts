/**
 * The automation of the benign week (benign-week.ts has the people): Terraform applying from CI,
 * and AWS services acting for the account. Composed here, never copied.
 */
import { ACCOUNT, ctRecord, minutesAfter, testKey } from './cloudtrail.js';
import { CI_RUNNER, HOME, WEEK_START, day } from './benign-week.js';

type Rec = Record<string, unknown>;
type Spec = Parameters<typeof ctRecord>[0];

/** Terraform's applies and the AWS services' calls over the week. */
export function automationWeek(): Rec[] {
  return [...terraform(), ...awsServices()];
}

const TERRAFORM =
  'APN/1.0 HashiCorp/1.0 Terraform/1.6.0 (+https://www.terraform.io) terraform-provider-aws/5.31.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.49.4 (go1.21.5; linux; amd64)';

const trustPolicy = (service: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });

/** Terraform applies from CI on Tuesday and Thursday: service roles, t3 instances in 2 regions. */
function terraform(): Rec[] {
  const applies: readonly {
    d: number;
    at: number;
    roles: readonly (readonly [string, string])[];
    launches: readonly (readonly [string, string, number])[];
  }[] = [
    {
      d: 1,
      at: 845,
      roles: [
        ['app-worker', 'ec2.amazonaws.com'],
        ['events-handler', 'lambda.amazonaws.com'],
      ],
      launches: [
        [HOME, 't3.medium', 2],
        ['us-east-1', 't3.micro', 2],
      ],
    },
    {
      d: 3,
      at: 680,
      roles: [['report-export', 'ecs-tasks.amazonaws.com']],
      launches: [
        [HOME, 't3.small', 1],
        ['us-east-1', 't3.small', 1],
      ],
    },
  ];
  return applies.flatMap((a, n) => terraformApply(a.d, a.at, n, a.roles, a.launches));
}

function terraformApply(
  d: number,
  at: number,
  n: number,
  roles: readonly (readonly [string, string])[],
  launches: readonly (readonly [string, string, number])[],
): Rec[] {
  const identity = {
    type: 'AssumedRole',
    principalId: 'AROAQGHATERRAFORM001:GitHubActions',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/gha-terraform/GitHubActions`,
    accountId: ACCOUNT,
    accessKeyId: testKey('ASIA', 960 + n),
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAQGHATERRAFORM001',
        arn: `arn:aws:iam::${ACCOUNT}:role/gha-terraform`,
        accountId: ACCOUNT,
        userName: 'gha-terraform',
      },
      attributes: { creationDate: day(d, at), mfaAuthenticated: 'false' },
    },
  };
  let step = 0;
  const call = (o: Omit<Spec, 'identity' | 'time'>) =>
    ctRecord({ identity, ip: CI_RUNNER, ua: TERRAFORM, time: day(d, at + 0.1 * step++), ...o });
  const iam: IamCall = (eventName, requestParameters, extra = {}) =>
    call({
      eventSource: 'iam.amazonaws.com',
      eventName,
      readOnly: false,
      requestParameters,
      ...extra,
    });
  const out: Rec[] = [call({})];
  for (const region of [HOME, 'us-east-1'])
    for (const eventName of ['DescribeVpcs', 'DescribeSubnets', 'DescribeImages'])
      out.push(call({ eventSource: 'ec2.amazonaws.com', eventName, region }));
  for (const [roleName, service] of roles) out.push(...serviceRole(iam, roleName, service));
  launches.forEach(([region, type, count], i) =>
    out.push(terraformLaunch(call, region, type, count, `${n}${i}`)),
  );
  return out;
}

type IamCall = (eventName: string, requestParameters: Rec, extra?: Partial<Spec>) => Rec;

/** A role only `service` may assume, its policy, and for EC2 its instance profile. */
function serviceRole(iam: IamCall, roleName: string, service: string): Rec[] {
  const doc = trustPolicy(service);
  const role = {
    path: '/',
    roleName,
    roleId: `AROAQ${roleName.toUpperCase().replace(/-/g, '').padEnd(15, 'X').slice(0, 15)}`,
    arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    createDate: 'Mar 4, 2025, 2:05:30 PM',
    assumeRolePolicyDocument: encodeURIComponent(doc),
  };
  const out = [
    iam(
      'CreateRole',
      { roleName, path: '/', assumeRolePolicyDocument: doc },
      { responseElements: { role } },
    ),
    iam('AttachRolePolicy', {
      roleName,
      policyArn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
    }),
  ];
  if (service === 'ec2.amazonaws.com')
    out.push(
      iam('CreateInstanceProfile', { instanceProfileName: roleName, path: '/' }),
      iam('AddRoleToInstanceProfile', { instanceProfileName: roleName, roleName }),
    );
  return out;
}

function terraformLaunch(
  call: (o: Omit<Spec, 'identity' | 'time'>) => Rec,
  region: string,
  type: string,
  count: number,
  tag: string,
): Rec {
  return call({
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    region,
    readOnly: false,
    requestParameters: {
      instancesSet: {
        items: [{ imageId: 'ami-0d64bb532e0502c46', minCount: count, maxCount: count }],
      },
      instanceType: type,
      iamInstanceProfile: { name: 'app-worker' },
    },
    responseElements: {
      instancesSet: {
        items: Array.from({ length: count }, (_, k) => ({
          instanceId: `i-0tf${tag}${String(k).padStart(12, '0')}`,
          instanceType: type,
          instanceState: { code: 0, name: 'pending' },
        })),
      },
    },
  });
}

/**
 * AWS services acting for the account: Auto Scaling scaling out in three regions every weekday
 * morning, Lambda assuming its execution role every hour, and AWS Config's daily sweep, part of
 * which its role may not read.
 */
function awsServices(): Rec[] {
  const out: Rec[] = [];
  const service = (name: string, role: string, session: string): Rec => ({
    type: 'AssumedRole',
    principalId: `AROAQSERVICEROLE0001:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: testKey('ASIA', 980 + name.length),
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAQSERVICEROLE0001',
        arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${name}/${role}`,
        accountId: ACCOUNT,
        userName: role,
      },
    },
    invokedBy: name,
  });
  const asg = service('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling', 'AutoScaling');
  const config = service('config.amazonaws.com', 'AWSServiceRoleForConfig', 'AWSConfig');
  for (let d = 0; d < 7; d++) {
    if (d < 5)
      [HOME, 'us-east-1', 'ap-southeast-2'].forEach((region, i) =>
        out.push(
          ctRecord({
            identity: asg,
            ip: 'autoscaling.amazonaws.com',
            ua: 'autoscaling.amazonaws.com',
            eventSource: 'ec2.amazonaws.com',
            eventName: 'RunInstances',
            region,
            time: day(d, 480 + i * 2),
            readOnly: false,
            requestParameters: {
              instancesSet: { items: [{ minCount: 2, maxCount: 2 }] },
              launchTemplate: { launchTemplateId: 'lt-0a1b2c3d4e5f60718', version: '3' },
            },
          }),
        ),
      );
    configSweep(config, d).forEach((r) => out.push(r));
  }
  for (let h = 39; h < 7 * 24; h++)
    out.push(
      ctRecord({
        identity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' },
        ip: 'lambda.amazonaws.com',
        ua: 'lambda.amazonaws.com',
        eventName: 'AssumeRole',
        time: minutesAfter(WEEK_START, h * 60 + 7),
        requestParameters: {
          roleArn: `arn:aws:iam::${ACCOUNT}:role/events-handler`,
          roleSessionName: 'events-handler',
        },
      }),
    );
  return out;
}

const CONFIG_READS: readonly (readonly [string, string, boolean])[] = [
  ['ec2.amazonaws.com', 'DescribeInstances', false],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups', false],
  ['s3.amazonaws.com', 'GetBucketPolicy', true],
  ['s3.amazonaws.com', 'GetBucketEncryption', true],
  ['iam.amazonaws.com', 'GetAccountAuthorizationDetails', false],
  ['kms.amazonaws.com', 'GetKeyPolicy', true],
  ['secretsmanager.amazonaws.com', 'DescribeSecret', true],
  ['sns.amazonaws.com', 'GetTopicAttributes', true],
  ['sqs.amazonaws.com', 'GetQueueAttributes', true],
  ['lambda.amazonaws.com', 'GetPolicy20150331v2', true],
  ['dynamodb.amazonaws.com', 'DescribeTable', true],
  ['elasticloadbalancing.amazonaws.com', 'DescribeLoadBalancers', false],
  ['rds.amazonaws.com', 'DescribeDBInstances', true],
];

function configSweep(identity: Rec, d: number): Rec[] {
  return [HOME, 'us-east-1'].flatMap((region, r) =>
    CONFIG_READS.map(([eventSource, eventName, denied], i) =>
      ctRecord({
        identity,
        ip: 'config.amazonaws.com',
        ua: 'config.amazonaws.com',
        eventSource,
        eventName,
        region: eventSource.startsWith('iam') ? 'us-east-1' : region,
        time: day(d, 180 + r * 3 + i * 0.2),
        ...(denied
          ? { errorCode: eventSource.startsWith('s3') ? 'AccessDenied' : 'AccessDeniedException' }
          : {}),
      }),
    ),
  );
}
