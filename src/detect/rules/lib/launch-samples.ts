/**
 * Sample builders for the impact rules: composed RunInstances and RequestSpotInstances records in
 * the shape CloudTrail logs them (never copied from elsewhere).
 */
import { sampleRecord, sampleRoleIdentity, sampleUserIdentity } from '../samples.js';

/** The leaked power-user key of the samples. */
export const LEAKED_KEY = sampleUserIdentity('deploy-power', 'AKIAQEXAMPLEPOWER001');
/** An attacker's user agent with terminal escapes and markup in it: details carry it as data. */
export const HOSTILE_AGENT =
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9 \u001b[2J\u001b[31m<img src=x onerror=alert(1)>';
export const TERRAFORM_AGENT =
  'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.60.0 aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5';
/** The session Auto Scaling launches with (its service-linked role). */
export const AUTOSCALING_IDENTITY = {
  ...sampleRoleIdentity('AWSServiceRoleForAutoScaling', 'AutoScaling'),
  invokedBy: 'autoscaling.amazonaws.com',
};

/** Options for {@link sampleRunInstances}. */
export interface RunInstancesSample {
  readonly eventID?: string;
  readonly eventTime: string;
  readonly region: string;
  /** Absent: the request names a launch template instead. */
  readonly type?: string;
  readonly maxCount?: number;
  /** How many instances the response lists (default maxCount when no errorCode, else none). */
  readonly started?: number;
  readonly errorCode?: string;
  readonly userIdentity?: Record<string, unknown>;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
}

/** A RunInstances record: the request, and on success the instances started. */
export function sampleRunInstances(o: RunInstancesSample): Record<string, unknown> {
  const max = o.maxCount ?? 1;
  const started = o.started ?? (o.errorCode ? 0 : max);
  const type = o.type ?? 'm5.large';
  const items = Array.from({ length: started }, (_, i) => ({
    instanceId: `i-0${o.region.replace(/[^a-z0-9]/g, '').slice(0, 8)}${String(i).padStart(8, '0')}`,
    imageId: 'ami-0abcdef1234567890',
    instanceState: { code: 0, name: 'pending' },
    amiLaunchIndex: i,
    instanceType: type,
    placement: { availabilityZone: `${o.region}a`, tenancy: 'default' },
  }));
  const record = sampleRecord({
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    eventTime: o.eventTime,
    awsRegion: o.region,
    userIdentity: o.userIdentity ?? LEAKED_KEY,
    ...(o.eventID ? { eventID: o.eventID } : {}),
    ...(o.errorCode ? { errorCode: o.errorCode } : {}),
    ...(o.sourceIPAddress ? { sourceIPAddress: o.sourceIPAddress } : {}),
    ...(o.userAgent ? { userAgent: o.userAgent } : {}),
    requestParameters: {
      ...(o.type
        ? { instanceType: o.type }
        : { launchTemplate: { launchTemplateId: 'lt-0a1b2c3d4e5f60718', version: '$Default' } }),
      instancesSet: { items: [{ imageId: 'ami-0abcdef1234567890', minCount: 1, maxCount: max }] },
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
    },
    responseElements: o.errorCode
      ? null
      : { reservationId: 'r-0123456789abcdef0', ownerId: '111122223333', instancesSet: { items } },
  });
  return { ...record, readOnly: false };
}

/** A RequestSpotInstances record for `count` instances of `type`. */
export function sampleSpotRequest(o: {
  readonly eventID?: string;
  readonly eventTime: string;
  readonly region: string;
  readonly type: string;
  readonly count: number;
}): Record<string, unknown> {
  const record = sampleRecord({
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RequestSpotInstances',
    eventTime: o.eventTime,
    awsRegion: o.region,
    userIdentity: LEAKED_KEY,
    userAgent: HOSTILE_AGENT,
    ...(o.eventID ? { eventID: o.eventID } : {}),
    requestParameters: {
      instanceCount: o.count,
      type: 'one-time',
      launchSpecification: { imageId: 'ami-0abcdef1234567890', instanceType: o.type },
    },
    responseElements: {
      spotInstanceRequestSet: {
        items: Array.from({ length: o.count }, (_, i) => ({
          spotInstanceRequestId: `sir-${String(i).padStart(8, '0')}`,
          state: 'open',
          launchSpecification: { instanceType: o.type },
        })),
      },
    },
  });
  return { ...record, readOnly: false };
}
