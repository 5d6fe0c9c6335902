import { z } from 'zod';
import type { DescribeContext, HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { denseWindowEntries } from '../state/windows.js';
import { distinct } from '../grouping.js';
import type { Launch } from './lib/instance-launch.js';
import {
  burnSummary,
  decodeItems,
  decodeLaunch,
  encodeItems,
  encodeLaunch,
  LAUNCH_CALLS,
  launchOf,
  mergeItems,
  pricesOption,
} from './lib/instance-launch.js';
import {
  AUTOSCALING_IDENTITY,
  HOSTILE_AGENT,
  sampleRunInstances,
  sampleSpotRequest,
  TERRAFORM_AGENT,
} from './lib/launch-samples.js';
import { isAwsServiceCall, principalOf } from './lib/actor.js';
import { sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

const options = z.object({
  minRegions: z
    .number()
    .int()
    .min(2)
    .max(40)
    .default(3)
    .describe('distinct regions with launch calls by one principal that make a finding'),
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(60)
    .describe('how close together the launch calls must be'),
  prices: pricesOption,
});
type Options = z.infer<typeof options>;

const T0 = '2025-03-04T02:10:00Z';
/** The real incident's spread: a leaked key tried every enabled region in a few minutes. */
const SIXTEEN = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-south-1',
  'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1', 'ap-southeast-2',
]; // prettier-ignore
/** What the regions answered: most launched, some hit their quota or had no capacity. */
const ANSWERS = [
  'Client.VcpuLimitExceeded',
  'Client.InstanceLimitExceeded',
  'Server.InsufficientInstanceCapacity',
];
const SPOT_FLEET = {
  ...sampleRoleIdentity('AWSServiceRoleForEC2SpotFleet', 'SpotFleet'),
  invokedBy: 'spotfleet.amazonaws.com',
};

/** Launch calls by one principal in many regions at once: stolen keys turned into miners. */
export const impactMultiRegionCompute = defineRule<Options>({
  id: 'impact.multi-region-compute',
  title: 'Instances launched across many regions at once',
  severity: 'high',
  description: `One principal (the identity ARN, else its access key) made RunInstances or RequestSpotInstances calls in at least \`minRegions\` (default 3) distinct regions within \`windowMinutes\` (default 60) of each other. That is how stolen keys are turned into crypto miners: in one incident a leaked power-user key launched large instances in 16 regions, and $500 went in the first hour. Attempts count whether they launched or not — Client.UnauthorizedOperation, Client.VcpuLimitExceeded, Client.InstanceLimitExceeded, Server.InsufficientInstanceCapacity and dry runs are a region tried all the same. The finding estimates the burn rate (instances × on-demand hourly price, from a built-in us-east-1 table that \`prices\` overrides; unknown types are listed as unpriced) of what launched and of what was attempted; the estimate covers the densest window the rule saw (details.estimateCovers says how many of the calls). Quiet for: Terraform or CloudFormation deploying to two regions, and launches AWS services make for the account — Auto Scaling groups, Spot Fleet, EC2 Fleet, CloudFormation stacks and StackSets (invokedBy or a service source address; such launches are not counted, so a stack set spread over regions is not seen). A pipeline that deploys instances to three or more regions within the hour will fire: allow-list its principal.`,
  runbook: [
    'Check whether details.principal runs a multi-region deployment (a release pipeline, a disaster-recovery drill); if so, allow-list it and close.',
    'Otherwise treat the key as stolen and deactivate it now (aws iam update-access-key --status Inactive); every hour costs about details.usdPerHourLaunched.',
    'In every region of details.regions — and every other enabled region — terminate the instances it launched and cancel its spot requests (aws ec2 describe-instances --filters Name=launch-time…).',
    'Look for what else the key did: new IAM users or keys, security groups opened, key pairs imported, service quota increase requests.',
    'Open a case with AWS Support about the unauthorised usage, and find and close the place the key leaked.',
  ],
  attack: ['T1496', 'T1535'],
  source: 'cloudtrail',
  selector: { eventSources: ['ec2.amazonaws.com'], eventNames: LAUNCH_CALLS },
  options: { schema: options },
  stateful: true,
  reads: ['requestParameters', 'responseElements'],
  match(event, ctx) {
    const launch = launchOf(event);
    const who = principalOf(event);
    if (!launch || isAwsServiceCall(event) || event.region === '' || who === 'unknown')
      return undefined;
    if (event.timeMs === undefined) return undefined;
    const windowMs = ctx.options.windowMinutes * 60_000;
    const seen = ctx.state.window(who, encodeLaunch(launch), windowMs);
    const byRegion = seen.map((e) => ({ ...e, value: e.event.region }));
    const dense = denseWindowEntries(byRegion, event.timeMs, windowMs, ctx.options.minRegions);
    if (dense.length === 0) return undefined;
    const value = new Map(seen.map((e) => [e.eventId, e.value]));
    const launches = dense
      .map((e) => decodeLaunch(value.get(e.eventId) ?? ''))
      .filter((l): l is Launch => l !== undefined);
    const launched = launches.filter((l) => l.succeeded && !l.dryRun);
    return {
      groupKey: who,
      events: dense,
      // The estimate of this window rides on the evaluated event's hit (hits keep no state).
      note: {
        covers: dense.length,
        launched: encodeItems(mergeItems(launched.flatMap((l) => l.items))),
        attempted: encodeItems(mergeItems(launches.flatMap((l) => l.items))),
      },
    };
  },
  describe(hits, ctx) {
    return describeSpread(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'a leaked power-user key launches large instances in 16 regions in 20 minutes',
        events: SIXTEEN.map((region, i) =>
          sampleRunInstances({
            eventID: `spread-${i}`,
            eventTime: sampleTime(T0, i + (i % 4)),
            region,
            type: i % 2 === 0 ? 'p3.16xlarge' : 'c5.24xlarge',
            maxCount: 4,
            userAgent: HOSTILE_AGENT,
            ...(i % 5 === 4 ? { errorCode: ANSWERS[i % 3]! } : {}),
          }),
        ),
        expect: { findings: 1, eventIds: SIXTEEN.map((_, i) => `spread-${i}`) },
      },
      {
        name: 'denied launches and a spot request in four regions, logged out of time order',
        events: [
          sampleRunInstances({
            eventID: 'deny-3',
            eventTime: sampleTime(T0, 30),
            region: 'eu-west-1',
            type: 'p2.xlarge',
            maxCount: 10,
            errorCode: 'Client.UnauthorizedOperation',
          }),
          sampleSpotRequest({
            eventID: 'deny-4',
            eventTime: sampleTime(T0, 41),
            region: 'ap-southeast-1',
            type: 'g4dn.12xlarge',
            count: 3,
          }),
          sampleRunInstances({
            eventID: 'deny-1',
            eventTime: T0,
            region: 'us-east-1',
            type: 'p2.xlarge',
            maxCount: 10,
            errorCode: 'Client.UnauthorizedOperation',
          }),
          sampleRunInstances({
            eventID: 'deny-2',
            eventTime: sampleTime(T0, 12),
            region: 'us-west-2',
            maxCount: 2,
          }),
        ],
        expect: { findings: 1, eventIds: ['deny-1', 'deny-2', 'deny-3', 'deny-4'] },
      },
    ],
    nonMatch: [
      {
        name: 'Terraform applying web servers to two regions',
        events: ['us-east-1', 'eu-west-1', 'us-east-1', 'eu-west-1'].map((region, i) =>
          sampleRunInstances({
            eventTime: sampleTime(T0, i),
            region,
            type: 'm6i.large',
            maxCount: 3,
            userIdentity: sampleRoleIdentity('ci-deploy', 'gha-1234'),
            userAgent: TERRAFORM_AGENT,
          }),
        ),
      },
      {
        name: 'Auto Scaling groups scaling out in five regions',
        events: SIXTEEN.slice(0, 5).map((region, i) =>
          sampleRunInstances({
            eventTime: sampleTime(T0, i),
            region,
            type: 'c5.xlarge',
            userIdentity: AUTOSCALING_IDENTITY,
            sourceIPAddress: 'autoscaling.amazonaws.com',
            userAgent: 'autoscaling.amazonaws.com',
          }),
        ),
      },
      {
        name: 'Spot Fleet fulfilling requests in four regions',
        events: SIXTEEN.slice(4, 8).map((region, i) =>
          sampleRunInstances({
            eventTime: sampleTime(T0, i),
            region,
            type: 'c5.2xlarge',
            userIdentity: SPOT_FLEET,
            sourceIPAddress: 'spotfleet.amazonaws.com',
            userAgent: 'spotfleet.amazonaws.com',
          }),
        ),
      },
      {
        name: 'one key launching in three regions, hours apart',
        events: SIXTEEN.slice(0, 3).map((region, i) =>
          sampleRunInstances({ eventTime: sampleTime(T0, i * 90), region, type: 't3.micro' }),
        ),
      },
      {
        name: 'three developers, each launching in their own region within minutes',
        events: ['jane', 'omar', 'li'].map((name, i) =>
          sampleRunInstances({
            eventTime: sampleTime(T0, i),
            region: SIXTEEN[i]!,
            type: 't3.medium',
            userIdentity: sampleUserIdentity(
              `dev-${name}`,
              `AKIAQEXAMPLEDEV${name.toUpperCase().padEnd(5, '0')}`,
            ),
          }),
        ),
      },
    ],
  },
});

/** The note that covers most of the finding's calls (its window's estimate). */
function widestNote(hits: readonly HitSummary[]): HitSummary['note'] {
  let best: HitSummary['note'];
  for (const h of hits) {
    const covers = Number(h.note?.['covers'] ?? 0);
    if (covers > Number(best?.['covers'] ?? 0)) best = h.note;
  }
  return best;
}

function describeSpread(hits: readonly HitSummary[], ctx: DescribeContext<Options>) {
  const first = hits[0]!;
  const note = widestNote(hits);
  const burn = burnSummary(
    decodeItems(note?.['launched'] as string | undefined),
    decodeItems(note?.['attempted'] as string | undefined),
    ctx.options.prices,
  );
  const regions = distinct(hits.map((h) => h.region));
  const perRegion: Record<string, { calls: number; failed: number }> = {};
  for (const h of hits) {
    const r = (perRegion[h.region] ??= { calls: 0, failed: 0 });
    r.calls += 1;
    if (h.errorCode !== undefined) r.failed += 1;
  }
  const principal = first.principalArn ?? first.accessKeyId ?? 'an unknown principal';
  const where = `${regions.length} regions`;
  return {
    title: burn.live
      ? `Instances launched across ${where} by ${principal}: ${burn.phrase}`
      : `Instance launches attempted across ${where} by ${principal} (${burn.phrase} had they launched)`,
    details: {
      principal,
      accessKeys: distinct(hits.map((h) => h.accessKeyId)),
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      regions,
      regionsLaunched: distinct(hits.filter((h) => h.errorCode === undefined).map((h) => h.region)),
      perRegion,
      calls: hits.length,
      failedCalls: hits.filter((h) => h.errorCode !== undefined).length,
      errorCodes: distinct(hits.map((h) => h.errorCode)),
      ...burn.details,
      estimateCovers: `${Number(note?.['covers'] ?? 0)} of ${hits.length} calls`,
      minRegions: ctx.options.minRegions,
      windowMinutes: ctx.options.windowMinutes,
    },
  };
}
