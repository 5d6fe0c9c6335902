import { z } from 'zod';
import type { DescribeContext, HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import type { LaunchItem } from './lib/instance-launch.js';
import {
  burnSummary,
  decodeItems,
  encodeItems,
  formatCounts,
  LAUNCH_CALLS,
  launchOf,
  pricesOption,
  typeGlobs,
  UNKNOWN_TYPE,
} from './lib/instance-launch.js';
import {
  AUTOSCALING_IDENTITY,
  HOSTILE_AGENT,
  sampleRunInstances,
  sampleSpotRequest,
  TERRAFORM_AGENT,
} from './lib/launch-samples.js';
import { isAwsServiceCall, principalOf } from './lib/actor.js';
import { sampleRoleIdentity, sampleTime } from './samples.js';

const PATTERNS = ['p*', 'g*', 'inf*', 'trn*', 'dl*', 'f1.*', 'f2.*', '*.metal*', 'u-*'];
const options = z.object({
  patterns: z
    .array(z.string().min(1).max(64))
    .default(PATTERNS)
    .describe(
      'instance types that count as unusual, as case-insensitive globs (* matches any run): GPU (p, g), accelerators (inf, trn, dl), FPGA, bare metal, high memory',
    ),
  minXlarge: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(16)
    .describe(
      'sizes of N xlarge with N at least this count too (16: 16xlarge, 24xlarge, 48xlarge…); 0 turns sizes off',
    ),
  allowTypes: z
    .array(z.string().min(1).max(64))
    .default([])
    .describe('sanctioned instance types (globs) that never count, e.g. g5.xlarge for an ML team'),
  prices: pricesOption,
});
type Options = z.infer<typeof options>;

const T0 = '2025-03-04T02:10:00Z';
const SIZE = /\.(\d{1,4})xlarge$/;

/** The distinct unusual types among `items` under the options. */
function unusualTypes(items: readonly LaunchItem[], o: Options): string[] {
  const listed = typeGlobs(o.patterns);
  const allowed = typeGlobs(o.allowTypes);
  const big = (t: string) => o.minXlarge > 0 && Number(SIZE.exec(t)?.[1] ?? 0) >= o.minXlarge;
  const types = items.map((i) => i.type).filter((t) => t !== UNKNOWN_TYPE);
  return distinct(types.filter((t) => (listed(t) || big(t)) && !allowed(t)));
}

/** A launch of GPU, accelerator, bare-metal or very large instances (crypto-mining's shapes). */
export const impactUnusualInstanceType = defineRule<Options>({
  id: 'impact.unusual-instance-type',
  title: 'GPU, bare-metal or very large instances launched',
  severity: 'medium',
  description: `A RunInstances or RequestSpotInstances call asked for, or started, an instance type matching \`patterns\` (default ${PATTERNS.join(', ')}) or of size \`minXlarge\` (default 16) xlarge and up, and not in \`allowTypes\`: the shapes stolen keys are used to mine crypto on. Denied and failed attempts (Client.UnauthorizedOperation, VcpuLimitExceeded, InsufficientInstanceCapacity) count too; details say what started and what was only attempted. Each finding estimates the burn rate: instances × on-demand hourly price from a built-in us-east-1 table (override or extend with \`prices\`); types without a price are listed as unpriced, never guessed. The count is what the response lists as started, else the request's maxCount. One finding per principal while the launches continue (an hour's quiet ends it). Not read: CreateLaunchTemplate (nothing runs until a launch, which is read), CreateFleet and RunScheduledInstances. Quiet for: ordinary types (t3, m5.4xlarge…), launches by AWS services for the account — Auto Scaling groups, Spot Fleet, CloudFormation (invokedBy or a service source address) — and a launch template call whose type is not logged. An ML team's routine GPU launches will fire: list their types in \`allowTypes\` or allow-list the principal.`,
  runbook: [
    'Check whether details.principal is expected to launch these types (an ML or HPC team, a load test); if so, add the types to allowTypes or allow-list the principal.',
    'Otherwise treat the key as stolen: deactivate it (aws iam update-access-key --status Inactive) after saving the events.',
    'Terminate the instances in every region listed (details.regions) — including ones not in this finding: aws ec2 describe-instances in each region, filtered by launch time. Cancel open spot requests.',
    'Open a case with AWS Support about the unauthorised usage (charges are sometimes credited), and raise the billing alarm thresholds back to normal.',
    'Find where the key leaked and rotate everything stored beside it.',
  ],
  attack: ['T1496', 'T1578.002'],
  source: 'cloudtrail',
  selector: { eventSources: ['ec2.amazonaws.com'], eventNames: LAUNCH_CALLS },
  options: { schema: options },
  match(event, ctx) {
    if (isAwsServiceCall(event)) return undefined;
    const launch = launchOf(event);
    if (!launch) return undefined;
    const unusual = unusualTypes(launch.items, ctx.options);
    if (unusual.length === 0) return undefined;
    return {
      groupKey: principalOf(event),
      note: {
        items: encodeItems(launch.items),
        unusual: unusual.join(', '),
        launched: launch.succeeded && !launch.dryRun,
        dryRun: launch.dryRun,
      },
    };
  },
  describe(hits, ctx) {
    return describeUnusual(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'a leaked key launches eight p4d.24xlarge instances from a hostile user agent',
        events: [
          sampleRunInstances({
            eventID: 'p4d-1',
            eventTime: T0,
            region: 'us-east-1',
            type: 'p4d.24xlarge',
            maxCount: 8,
            userAgent: HOSTILE_AGENT,
          }),
        ],
        expect: { findings: 1, eventIds: ['p4d-1'] },
      },
      {
        name: 'a denied p2.xlarge launch of up to ten (Client.UnauthorizedOperation) and a capacity failure',
        events: [
          sampleRunInstances({
            eventID: 'p2-denied',
            eventTime: T0,
            region: 'eu-west-1',
            type: 'p2.xlarge',
            maxCount: 10,
            errorCode: 'Client.UnauthorizedOperation',
          }),
          sampleRunInstances({
            eventID: 'g5-capacity',
            eventTime: sampleTime(T0, 3),
            region: 'eu-west-1',
            type: 'g5.48xlarge',
            maxCount: 4,
            errorCode: 'Server.InsufficientInstanceCapacity',
          }),
        ],
        expect: { findings: 1, eventIds: ['p2-denied', 'g5-capacity'] },
      },
      {
        name: 'spot requests and large CPU types in three regions, one type unpriced',
        events: [
          sampleSpotRequest({
            eventID: 'spot-1',
            eventTime: T0,
            region: 'us-west-2',
            type: 'g6.48xlarge',
            count: 4,
          }),
          sampleRunInstances({
            eventID: 'c5-1',
            eventTime: sampleTime(T0, 2),
            region: 'ap-south-1',
            type: 'c5.24xlarge',
            maxCount: 5,
          }),
          sampleRunInstances({
            eventID: 'p6-1',
            eventTime: sampleTime(T0, 4),
            region: 'sa-east-1',
            type: 'p6-b200.48xlarge',
            maxCount: 2,
          }),
        ],
        expect: { findings: 1, eventIds: ['spot-1', 'c5-1', 'p6-1'] },
      },
    ],
    nonMatch: [
      {
        name: 'Terraform in CI launching t3.micro and m5.4xlarge instances',
        events: ['t3.micro', 'm5.4xlarge', 'c6i.12xlarge'].map((type, i) =>
          sampleRunInstances({
            eventTime: sampleTime(T0, i),
            region: 'us-east-1',
            type,
            maxCount: 2,
            userIdentity: sampleRoleIdentity('ci-deploy', 'gha-1234'),
            userAgent: TERRAFORM_AGENT,
          }),
        ),
      },
      {
        name: 'an Auto Scaling group of g5.xlarge inference nodes scaling out',
        events: [0, 5, 10].map((m) =>
          sampleRunInstances({
            eventTime: sampleTime(T0, m),
            region: 'us-east-1',
            type: 'g5.xlarge',
            userIdentity: AUTOSCALING_IDENTITY,
            sourceIPAddress: 'autoscaling.amazonaws.com',
            userAgent: 'autoscaling.amazonaws.com',
          }),
        ),
      },
      {
        name: 'a denied launch from a launch template (the type is not logged)',
        events: [
          sampleRunInstances({
            eventTime: T0,
            region: 'us-east-1',
            errorCode: 'Client.UnauthorizedOperation',
          }),
        ],
      },
    ],
  },
});

function describeUnusual(hits: readonly HitSummary[], ctx: DescribeContext<Options>) {
  const first = hits[0]!;
  const itemsOf = (hs: readonly HitSummary[]) =>
    hs.flatMap((h) => decodeItems(String(h.note?.['items'] ?? '')));
  const unusual = distinct(hits.flatMap((h) => String(h.note?.['unusual'] ?? '').split(', ')));
  const started = itemsOf(hits.filter((h) => h.note?.['launched'] === true));
  const burn = burnSummary(started, itemsOf(hits), ctx.options.prices);
  const regions = distinct(hits.map((h) => h.region));
  const principal = first.principalArn ?? first.accessKeyId ?? 'an unknown principal';
  const shown = burn.live ? burn.details.launchedByType : burn.details.attemptedByType;
  const types = formatCounts(
    Object.fromEntries(Object.entries(shown).filter(([t]) => unusual.includes(t))),
  );
  const where = `${regions.length} region${regions.length === 1 ? '' : 's'}`;
  return {
    title: burn.live
      ? `${types} launched in ${where} by ${principal}: ${burn.phrase}`
      : `${types} attempted in ${where} by ${principal} (${burn.phrase} had they launched)`,
    details: {
      principal,
      accessKeys: distinct(hits.map((h) => h.accessKeyId)),
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      regions,
      unusualTypes: unusual,
      calls: hits.length,
      failedCalls: hits.filter((h) => h.errorCode !== undefined).length,
      dryRuns: hits.filter((h) => h.note?.['dryRun'] === true).length,
      errorCodes: distinct(hits.map((h) => h.errorCode)),
      ...burn.details,
    },
  };
}
