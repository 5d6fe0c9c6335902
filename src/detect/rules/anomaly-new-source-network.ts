import type { z } from 'zod';
import type { IpContext } from '../../core/index.js';
import { stablePrincipal } from '../../core/index.js';
import type { DescribeContext, HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import { clip, isAwsServiceCall } from './lib/actor.js';
import {
  DAY_MS,
  dayStart,
  firstSeenOptions,
  firstSeenSignal,
  keptMs,
  settleFirstSeen,
  splitFirstSeenKey,
} from './lib/first-seen.js';
import { sampleRecord, sampleTime, sampleUserIdentity } from './samples.js';

const options = firstSeenOptions;
type Options = z.infer<typeof options>;

/** The network an address is in, as the state keys it: its AS, else its country. */
function networkOf(c: IpContext): string | undefined {
  if (c.asn !== undefined) return `AS${c.asn}`;
  return c.country !== undefined ? `country ${c.country}` : undefined;
}

/** The sighting value of a country (beside the network: "a new country too?"). */
const countryValue = (country: string): string => `in ${country}`;

const DEV = sampleUserIdentity('dev-lena', 'AKIAQEXAMPLELENA0001');
const T0 = '2025-06-02T07:30:00Z';
const at = (days: number, minutes = 0): string => sampleTime(T0, days * 24 * 60 + minutes);
const HOME = '198.51.100.20';
const OFFICE = '192.0.2.44';
const HOSTING = '203.0.113.9';
const from = (ip: string, time: string, id?: string) =>
  sampleRecord({
    userIdentity: DEV,
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    eventTime: time,
    sourceIPAddress: ip,
    ...(id ? { eventID: id } : {}),
  });
/** Ten working days from home. */
const routine = Array.from({ length: 10 }, (_, d) => from(HOME, at(d)));

/** A principal acts from a network (AS, else country) it has not used, once past its learning period. */
export const anomalyNewSourceNetwork = defineRule<Options>({
  id: 'anomaly.new-source-network',
  title: 'Principal acts from a network it never used',
  severity: 'low',
  description:
    'A principal (IAM user, role — all its sessions as one —, federated user) makes a call from an autonomous system (or, where the AS is unknown, a country) it had not used on an earlier UTC day within `lookbackDays` (default 30), once Keysnare has seen it for `learningDays` (default 7). Country and AS come from the offline IP data (`ipContext:` in keysnare.yaml; the packaged databases by default), never the network. details.provider says `hosting` for the hosting ASNs (a stolen key tried from a VPS), or the cloud (`aws`, `google`, `microsoft`), and details.newCountry whether the country is new too. Only the earliest call of the day from each address counts, whatever order the delivery files came in. Low severity on its own: a source IP that also touched a canary raises it. Benign look-alikes: a developer travelling or working from a new ISP, a CI runner moved to another cloud region or provider, a new office; calls AWS services make for the account (no public address), principals in their learning period and Keysnare\'s management principals are never reported. Allow-list sanctioned egress under rules."anomaly.new-source-network".allow.cidrs.',
  runbook: [
    "Read details.asOrg, details.country and details.provider: a hosting provider or a country nobody in the team works from is the strongest sign; a consumer ISP in the owner's country is usually travel or a new connection.",
    'Ask the owner of the principal whether they worked from that network at details.firstTime; check what else the source IP did (its other findings, CloudTrail lookups by source IP).',
    'If nobody recognises it, treat the key as stolen: deactivate it after saving the evidence, list everything it did from that network, and rotate what lived beside it.',
    'If the network is expected (a new office, a CI provider), allow-list its CIDRs so it is not raised for other principals.',
  ],
  attack: ['T1078.004'],
  source: 'cloudtrail',
  selector: { earliestPer: 'sourceIp' },
  stateful: true,
  options: { schema: options },
  admit(event) {
    return (
      event.timeMs !== undefined &&
      (event.sourceKind === 'ipv4' || event.sourceKind === 'ipv6') &&
      !isAwsServiceCall(event)
    );
  },
  match(event, ctx) {
    const context = event.sourceIp === undefined ? undefined : ctx.ip?.(event.sourceIp);
    const network = context && networkOf(context);
    if (!context || !network) return undefined;
    const principal = stablePrincipal(event.identity);
    if (context.country !== undefined)
      ctx.state.seenBefore(principal, countryValue(context.country), keptMs(ctx.options));
    return firstSeenSignal(event, ctx, principal, network, noteOf(network, context));
  },
  settle(hits, ctx) {
    return settleFirstSeen(hits, ctx.state, ctx.options);
  },
  describe(hits, ctx) {
    return describeNewNetwork(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'a developer key used from a hosting provider abroad after ten days from home',
        events: [...routine, from(HOSTING, at(10, 30), 'from-vps')],
        expect: { findings: 1, eventIds: ['from-vps'] },
      },
      {
        name: 'three calls from the new network, files read newest first (the earliest is the finding)',
        events: [
          ...routine,
          from(HOSTING, at(10, 50), 'vps-3'),
          from(HOSTING, at(10, 40), 'vps-2'),
          from(HOSTING, at(10, 35), 'vps-1'),
        ],
        expect: { findings: 1, eventIds: ['vps-1'] },
      },
      {
        name: 'a new network in the same country (an office ISP) counts too',
        events: [...routine, from(OFFICE, at(10, 30), 'office')],
        expect: { findings: 1, eventIds: ['office'] },
      },
    ],
    nonMatch: [
      { name: 'the developer routine from home, ten days', events: routine },
      {
        name: 'a new network in the learning period (principal seen for two days)',
        events: [...routine.slice(0, 3), from(HOSTING, at(2, 30))],
      },
      {
        name: 'the hosting network used once 12 days earlier (within the lookback)',
        events: [from(HOSTING, at(0, 1)), ...routine, from(HOSTING, at(12, 30))],
      },
      {
        name: 'an AWS service calling for the account (no public address)',
        events: [
          ...routine,
          sampleRecord({
            userIdentity: { ...DEV, invokedBy: 'cloudformation.amazonaws.com' },
            eventTime: at(10, 30),
            sourceIPAddress: 'cloudformation.amazonaws.com',
          }),
        ],
      },
      {
        name: 'an address no IP data knows (private, behind a VPC endpoint)',
        events: [...routine, from('10.1.2.3', at(10, 30))],
      },
    ],
  },
});

function noteOf(network: string, c: IpContext): Record<string, string | number | boolean> {
  const note: Record<string, string | number | boolean> = { network };
  if (c.asn !== undefined) note['asn'] = c.asn;
  if (c.asOrg !== undefined) note['asOrg'] = clip(c.asOrg, 200);
  if (c.country !== undefined) note['country'] = c.country;
  if (c.provider !== undefined) note['provider'] = c.provider;
  if (c.tor !== undefined) note['tor'] = c.tor;
  return note;
}

function describeNewNetwork(hits: readonly HitSummary[], ctx: DescribeContext<Options>) {
  const first = hits[0]!;
  const { principal, value } = splitFirstSeenKey(first.groupKey);
  const n = first.note ?? {};
  const country = typeof n['country'] === 'string' ? n['country'] : undefined;
  const org = typeof n['asOrg'] === 'string' ? n['asOrg'] : undefined;
  const lookbackMs = ctx.options.lookbackDays * DAY_MS;
  const day = dayStart(first.timeMs ?? 0);
  const newCountry =
    country !== undefined &&
    ctx.state.lastSeenBefore(principal, countryValue(country), day, lookbackMs) === undefined;
  const where = [org, value.startsWith('AS') ? value : undefined, country].filter(Boolean);
  return {
    title: `${clip(principal, 200)} acted from a new network: ${where.join(', ')}`,
    details: {
      principal,
      network: value,
      asn: typeof n['asn'] === 'number' ? n['asn'] : null,
      asOrg: org ?? null,
      country: country ?? null,
      provider: typeof n['provider'] === 'string' ? n['provider'] : null,
      hosting: n['provider'] === 'hosting',
      tor: n['tor'] === true,
      newCountry,
      firstTime: first.time ?? null,
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      lookbackDays: ctx.options.lookbackDays,
    },
  };
}
