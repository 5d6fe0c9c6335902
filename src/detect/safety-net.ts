/**
 * The Safety Net (rule `honeytoken.unlogged-use`): IAM's last-used data for each canary key
 * (GetAccessKeyLastUsed, credential report) compared with the latest CloudTrail event seen for it.
 * When IAM says a key was used later than anything CloudTrail showed — beyond IAM's 15-minute
 * granularity — the use went unlogged (an API CloudTrail does not record, a data event the trail
 * does not capture, or a trail gap). Pure: no I/O, no clock; the caller keeps what was alerted.
 */
import { accountIdFromKeyId, describePlacement, type Finding, type Token } from '../core/index.js';
import { findingId } from './grouping.js';
import type { RuleMeta } from './rule.js';

/** One reading of a key's last use. */
export interface LastUseObservation {
  readonly tokenId: string;
  readonly accessKeyId: string;
  /** ISO time. */
  readonly lastUsedDate: string;
  readonly service?: string;
  readonly region?: string;
  readonly via: 'GetAccessKeyLastUsed' | 'credential-report';
}

/** What one Safety Net pass looks at. */
export interface SafetyNetInput {
  readonly tokens: readonly Token[];
  /** Several per token are fine (API and report, both key slots); the latest counts. */
  readonly observations: readonly LastUseObservation[];
  /** tokenId → epoch ms of the latest CloudTrail event seen for it (absent: never seen). */
  readonly lastCloudTrail: ReadonlyMap<string, number>;
  /** tokenId → last-used time (ISO) already alerted on. */
  readonly alreadyAlerted: ReadonlyMap<string, string>;
  /** How far IAM's last-used time may run ahead of CloudTrail and still count as explained. */
  readonly granularityMs: number;
}

/** What one pass found. */
export interface SafetyNetResult {
  readonly findings: Finding[];
  /** `alreadyAlerted` plus this pass's alerts (tokenId → ISO last-used time): store it whole. */
  readonly alerted: Map<string, string>;
  /** Tokens that had at least one readable observation. */
  readonly checked: number;
  /** Checked tokens with nothing new: already alerted, or explained by CloudTrail. */
  readonly unchanged: number;
}

/**
 * IAM keeps only the first use within 15 minutes, so a last-used time up to 15 minutes after the
 * latest CloudTrail event may be that same burst of use.
 */
export const DEFAULT_SAFETY_NET_GRANULARITY_MS = 15 * 60_000;

/** The Safety Net's rule metadata (it matches IAM data, not events, so it is not in `rules`). */
export const SAFETY_NET_RULE = {
  id: 'honeytoken.unlogged-use',
  title: 'Canary access key used without a CloudTrail record',
  severity: 'critical',
  description:
    "IAM's last-used data shows a canary key was used later than any CloudTrail event Keysnare received for it. The call went unlogged: an API CloudTrail does not record (sqs:ListQueues and other 'whoami' tricks), a data event the trail does not capture (S3 objects, Lambda invoke, SNS publish), or events lost or not yet delivered. Canary keys have no legitimate use: whoever made the call has the key. IAM gives only time, service and region — no source IP or user agent.",
  runbook: [
    'Read where the key was planted (details.placement): that place is compromised — host, repository, CI system or file share.',
    'Search CloudTrail in every region (data events too, if any trail records them) for the key id from 15 minutes before to an hour after details.lastUsedDate; an event found late also raises honeytoken.used with the source IP.',
    'Check the trail: is it multi-region, logging, and delivering for details.region? A gap there hides real attacks too.',
    'Consider data events for details.service on the canary user, so the next use is logged with its source.',
    'Rotate every real credential that lived beside the canary; keep the canary active until the investigation ends.',
  ],
  attack: ['T1552.001', 'T1078.004'],
  source: 'safety-net',
} as const satisfies RuleMeta;

const NOTE =
  'found by the Safety Net: IAM last-used data shows use that CloudTrail did not record (unlogged API, data event, or trail gap)';

interface Latest {
  readonly obs: LastUseObservation;
  readonly ms: number;
}

/** Compare each token's latest IAM last-used time with CloudTrail and what was already alerted. */
export function evaluateSafetyNet(input: SafetyNetInput): SafetyNetResult {
  const g = input.granularityMs;
  if (!Number.isFinite(g) || g < 0) throw new RangeError(`granularityMs must be ≥ 0, got ${g}`);
  const latest = latestPerToken(input.observations);
  const alerted = new Map(input.alreadyAlerted);
  const findings: Finding[] = [];
  const done = new Set<string>();
  let unchanged = 0;
  for (const token of input.tokens) {
    const last = latest.get(token.id);
    if (!last || done.has(token.id)) continue;
    done.add(token.id);
    const seenMs = input.lastCloudTrail.get(token.id);
    if (isExplained(last.ms, seenMs, input.alreadyAlerted.get(token.id), g)) {
      unchanged++;
      continue;
    }
    const finding = unloggedUseFinding(token, last, seenMs);
    findings.push(finding);
    alerted.set(token.id, finding.time);
  }
  findings.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  return { findings, alerted, checked: done.size, unchanged };
}

/** True when the use was alerted on already or CloudTrail showed it (within the granularity). */
function isExplained(
  usedMs: number,
  seenMs: number | undefined,
  alertedIso: string | undefined,
  granularityMs: number,
): boolean {
  const alertedMs = alertedIso === undefined ? NaN : Date.parse(alertedIso);
  if (usedMs <= alertedMs) return true;
  if (seenMs === undefined || !Number.isFinite(seenMs)) return false;
  return usedMs <= seenMs + granularityMs;
}

/**
 * The latest readable observation per token. On equal times the one that says more (service,
 * region) wins, then GetAccessKeyLastUsed, so the result does not depend on input order.
 */
function latestPerToken(observations: readonly LastUseObservation[]): Map<string, Latest> {
  const out = new Map<string, Latest>();
  for (const obs of observations) {
    const ms = Date.parse(obs.lastUsedDate);
    if (!Number.isFinite(ms)) continue;
    const held = out.get(obs.tokenId);
    if (!held || ms > held.ms || (ms === held.ms && rank(obs) > rank(held.obs))) {
      out.set(obs.tokenId, { obs, ms });
    }
  }
  return out;
}

function rank(o: LastUseObservation): number {
  return (o.service ? 4 : 0) + (o.region ? 2 : 0) + (o.via === 'GetAccessKeyLastUsed' ? 1 : 0);
}

/** The finding for one unlogged use. */
function unloggedUseFinding(token: Token, last: Latest, seenMs: number | undefined): Finding {
  const { obs } = last;
  const time = new Date(last.ms).toISOString();
  const keyId = obs.accessKeyId || token.accessKeyId;
  const accountId = token.accountId ?? accountIdFromKeyId(keyId);
  const lastCloudTrailTime = seenMs === undefined ? null : new Date(seenMs).toISOString();
  const finding: Finding = {
    id: findingId(SAFETY_NET_RULE.id, token.id, time),
    rule: SAFETY_NET_RULE.id,
    severity: SAFETY_NET_RULE.severity,
    title: titleFor(keyId, token.label, time, obs),
    time,
    eventIds: [],
    accessKeyId: keyId,
    ...(token.userArn === undefined ? {} : { principalArn: token.userArn }),
    ...(accountId === undefined ? {} : { accountId }),
    regions: obs.region ? [obs.region] : [],
    eventNames: [],
    tokenId: token.id,
    source: 'safety-net',
    details: {
      lastUsedDate: time,
      service: obs.service ?? null,
      region: obs.region ?? null,
      via: obs.via,
      lastCloudTrailTime,
      gapMinutes: seenMs === undefined ? null : Math.round((last.ms - seenMs) / 60_000),
      placement: token.placement ?? null,
      placementText: `key ${keyId} ${describePlacement(token.placement)}`,
      tokenLabel: token.label ?? null,
      tokenStatus: token.status,
      note: NOTE,
    },
  };
  return finding;
}

function titleFor(
  keyId: string,
  label: string | undefined,
  time: string,
  obs: LastUseObservation,
): string {
  const via = obs.service ? ` via ${clip(obs.service)}` : '';
  const where = obs.region ? ` in ${clip(obs.region)}` : '';
  const named = label ? ` (${clip(label)})` : '';
  return `Canary key ${clip(keyId)}${named} used without a CloudTrail record (last used ${time}${via}${where})`;
}

/** At most 64 characters of a value placed in a title. */
function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 63)}…` : s;
}
