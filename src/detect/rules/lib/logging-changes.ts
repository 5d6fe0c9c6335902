/**
 * Which calls reduce what an account logs or watches, and how: CloudTrail trails, event selectors
 * and Insights, CloudTrail Lake, GuardDuty, VPC flow logs, Route 53 Resolver query logs and AWS
 * Config. Pure; reads only the normalized event.
 *
 * Some calls always reduce (StopLogging, DeleteDetector …). Others reduce only with some
 * parameters, and what the configuration was before is not in the event, so "reduce" means the
 * new configuration leaves something out:
 * - UpdateTrail: turns off multi-region, global service events, log file validation or the
 *   organization trail, removes CloudWatch Logs delivery, or names a destination bucket (a
 *   changed bucket may be the attacker's). Changes to SNS, KMS or tags only are not reductions.
 * - PutEventSelectors: the selectors no longer log all management events: none at all, no reads,
 *   no writes, or some event sources excluded. Data event selectors are not judged (adding or
 *   removing S3 data events is not visible without the previous state).
 * - PutInsightSelectors: an empty list (Insights turned off).
 * - GuardDuty UpdateDetector: `enable: false`, a feature set DISABLED, a data source turned off.
 *   CreateFilter / UpdateFilter: `action: ARCHIVE` (findings auto-archived). CreateIPSet /
 *   UpdateIPSet: a trusted IP list activated or replaced (no findings for its addresses).
 * A conditional call whose parameters were not logged (a denied call) or were cut to the size
 * caps counts, saying so: what it would have done cannot be ruled out.
 */
import type { CloudEvent } from '../../../core/index.js';

const CT = 'cloudtrail.amazonaws.com';
const GD = 'guardduty.amazonaws.com';
const EC2 = 'ec2.amazonaws.com';
const R53 = 'route53resolver.amazonaws.com';
const CFG = 'config.amazonaws.com';
const MAX_TEXT = 256;

type Json = Readonly<Record<string, unknown>>;
/** How a conditional call reduces logging, given its request parameters: nothing when it does not. */
type Judge = (rp: Json) => string[];

/** Calls that always reduce logging: service and what the call does. */
const ALWAYS: Readonly<Record<string, readonly [string, string]>> = {
  StopLogging: [CT, 'CloudTrail trail stopped logging'],
  DeleteTrail: [CT, 'CloudTrail trail deleted'],
  StopEventDataStoreIngestion: [CT, 'CloudTrail Lake ingestion stopped'],
  DeleteEventDataStore: [CT, 'CloudTrail Lake event data store deleted'],
  DeleteDetector: [GD, 'GuardDuty detector deleted'],
  DeletePublishingDestination: [GD, 'GuardDuty findings export deleted'],
  DisassociateFromAdministratorAccount: [GD, 'GuardDuty member left its administrator account'],
  DisassociateFromMasterAccount: [GD, 'GuardDuty member left its administrator account'],
  DeleteFlowLogs: [EC2, 'VPC flow logs deleted'],
  DeleteResolverQueryLogConfig: [R53, 'Route 53 Resolver query logging deleted'],
  DisassociateResolverQueryLogConfig: [R53, 'Route 53 Resolver query logging detached from a VPC'],
  StopConfigurationRecorder: [CFG, 'AWS Config recorder stopped'],
  DeleteConfigurationRecorder: [CFG, 'AWS Config recorder deleted'],
  DeleteDeliveryChannel: [CFG, 'AWS Config delivery channel deleted'],
};

/** Calls that reduce logging only with some parameters. */
const CONDITIONAL: Readonly<Record<string, readonly [string, string, Judge]>> = {
  UpdateTrail: [CT, 'CloudTrail trail', trailReductions],
  PutEventSelectors: [CT, 'CloudTrail event selectors', selectorReductions],
  PutInsightSelectors: [CT, 'CloudTrail Insights', insightReductions],
  UpdateDetector: [GD, 'GuardDuty detector', detectorReductions],
  CreateFilter: [GD, 'GuardDuty filter', filterReductions],
  UpdateFilter: [GD, 'GuardDuty filter', filterReductions],
  CreateIPSet: [GD, 'GuardDuty trusted IP list', ipSetReductions],
  UpdateIPSet: [GD, 'GuardDuty trusted IP list', ipSetReductions],
};

/** The services the rule reads. */
export const LOGGING_SOURCES = [CT, GD, EC2, R53, CFG];
/** The calls the rule reads. */
export const LOGGING_CALLS = [...Object.keys(ALWAYS), ...Object.keys(CONDITIONAL)];

/** How one call reduces logging. */
export interface LoggingChange {
  /** What it does, e.g. 'CloudTrail trail: no longer multi-region'. */
  readonly what: string;
  /** The trail, detector, flow log … it acts on, as logged. */
  readonly target?: string;
}

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v.slice(0, 64) : []);
const isFalse = (v: unknown) => v === false || v === 'false';
const isTrue = (v: unknown) => v === true || v === 'true';
/** A string value, lower-cased; '' for anything else. */
const lower = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');
const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v.slice(0, MAX_TEXT) : undefined;

/** How the call reduces logging; undefined when it does not (or is no logging call). */
export function loggingChange(e: CloudEvent): LoggingChange | undefined {
  const always = ALWAYS[e.eventName];
  const target = targetOf(e.requestParameters);
  const withTarget = (what: string) => (target ? { what, target } : { what });
  if (always) return always[0] === e.eventSource ? withTarget(always[1]) : undefined;
  const cond = CONDITIONAL[e.eventName];
  if (!cond || cond[0] !== e.eventSource) return undefined;
  const rp = e.requestParameters;
  if (rp === undefined || rp['_truncated'] === true) {
    const why = rp === undefined ? 'parameters not logged' : 'parameters too large to read';
    return rp === undefined && e.errorCode === undefined
      ? undefined
      : withTarget(`${cond[1]} changed (${why})`);
  }
  const reductions = cond[2](rp);
  return reductions.length > 0 ? withTarget(`${cond[1]}: ${reductions.join(', ')}`) : undefined;
}

/** The resource the call names, as logged. */
function targetOf(rp: Json | undefined): string | undefined {
  if (!rp) return undefined;
  const flow = obj(rp['DeleteFlowLogsRequest'])?.['FlowLogId'];
  const flows = (Array.isArray(flow) ? flow : [flow]).map((f) => text(obj(f)?.['content'] ?? f));
  const ids = [
    text(rp['name']) ?? text(rp['trailName']) ?? text(rp['eventDataStore']),
    text(rp['detectorId']),
    text(rp['resolverQueryLogConfigId']),
    text(rp['resourceId']),
    text(rp['configurationRecorderName']) ?? text(rp['deliveryChannelName']),
    ...flows,
    ...arr(rp['flowLogIds']).map(text),
  ];
  const found = ids.filter((x): x is string => x !== undefined);
  return found.length > 0 ? found.join(' ').slice(0, MAX_TEXT) : undefined;
}

function trailReductions(rp: Json): string[] {
  const out: string[] = [];
  if (isFalse(rp['isMultiRegionTrail'])) out.push('no longer multi-region');
  if (isFalse(rp['includeGlobalServiceEvents'])) out.push('global service events (IAM, STS) off');
  if (isFalse(rp['enableLogFileValidation'])) out.push('log file validation off');
  if (isFalse(rp['isOrganizationTrail'])) out.push('no longer an organization trail');
  if (rp['cloudWatchLogsLogGroupArn'] === '') out.push('CloudWatch Logs delivery removed');
  const bucket = text(rp['s3BucketName']);
  if (bucket !== undefined) out.push(`logs now go to bucket ${bucket}`);
  return out;
}

/** What one selector logs of management events. */
interface ManagementScope {
  readonly reads: boolean;
  readonly writes: boolean;
  readonly excluded: readonly string[];
}

function selectorReductions(rp: Json): string[] {
  const advanced = rp['advancedEventSelectors'];
  const basic = rp['eventSelectors'];
  if (!Array.isArray(advanced) && !Array.isArray(basic)) return [];
  const scopes = Array.isArray(advanced)
    ? arr(advanced).map(advancedScope)
    : arr(basic).map(basicScope);
  const managed = scopes.filter((s): s is ManagementScope => s !== undefined);
  if (managed.length === 0) return ['management events no longer logged'];
  const out: string[] = [];
  if (!managed.some((s) => s.writes)) out.push('write management events no longer logged');
  if (!managed.some((s) => s.reads)) out.push('read management events no longer logged');
  const excluded = managed.map((s) => s.excluded).reduce((a, b) => a.filter((x) => b.includes(x)));
  if (excluded.length > 0) out.push(`management events of ${excluded.join(', ')} excluded`);
  return out;
}

/** A basic selector: includeManagementEvents (default true), readWriteType (default All). */
function basicScope(v: unknown): ManagementScope | undefined {
  const s = obj(v);
  if (!s || isFalse(s['includeManagementEvents'])) return undefined;
  const rw = lower(s['readWriteType'] ?? 'All');
  return {
    reads: rw !== 'writeonly',
    writes: rw !== 'readonly',
    excluded: arr(s['excludeManagementEventSources']).flatMap((x) => text(x) ?? []),
  };
}

/** An advanced selector: eventCategory equals Management, narrowed by readOnly / eventSource. */
function advancedScope(v: unknown): ManagementScope | undefined {
  const fields = arr(obj(v)?.['fieldSelectors']).map(obj);
  const field = (name: string) => fields.find((f) => lower(f?.['field']) === name.toLowerCase());
  const values = (f: Json | undefined, op: string) =>
    arr(f?.[op]).flatMap((x) => (typeof x === 'string' ? [x] : []));
  const category = values(field('eventCategory'), 'equals').map((x) => x.toLowerCase());
  if (!category.includes('management')) return undefined;
  const ro = field('readOnly');
  const only = [...values(ro, 'equals'), ...values(ro, 'notEquals').map((x) => `not ${x}`)].map(
    (x) => x.toLowerCase(),
  );
  const readsOnly = only.includes('true') || only.includes('not false');
  const writesOnly = only.includes('false') || only.includes('not true');
  return {
    reads: !writesOnly,
    writes: !readsOnly,
    excluded: values(field('eventSource'), 'notEquals'),
  };
}

function insightReductions(rp: Json): string[] {
  return Array.isArray(rp['insightSelectors']) && rp['insightSelectors'].length === 0
    ? ['turned off']
    : [];
}

function detectorReductions(rp: Json): string[] {
  const out: string[] = [];
  if (isFalse(rp['enable'])) out.push('disabled');
  const features = arr(rp['features']).map(obj);
  const off = features.filter((f) => lower(f?.['status']) === 'disabled');
  if (off.length > 0)
    out.push(`features disabled: ${off.map((f) => text(f?.['name']) ?? '?').join(', ')}`);
  const sources = falsePaths(rp['dataSources'], '', 0);
  if (sources.length > 0) out.push(`data sources disabled: ${sources.join(', ')}`);
  return out;
}

/** Dotted paths of `false` leaves (a trailing `.enable` dropped), e.g. 's3Logs'. */
function falsePaths(v: unknown, at: string, depth: number): string[] {
  const o = obj(v);
  if (!o || depth > 4) return [];
  return Object.entries(o)
    .slice(0, 32)
    .flatMap(([k, x]) => {
      const path = at === '' ? k : `${at}.${k}`;
      if (isFalse(x)) return [k === 'enable' ? at || k : path];
      return falsePaths(x, path, depth + 1);
    });
}

function filterReductions(rp: Json): string[] {
  return lower(rp['action']) === 'archive'
    ? [`findings auto-archived by ${text(rp['name']) ?? text(rp['filterName']) ?? '?'}`]
    : [];
}

function ipSetReductions(rp: Json): string[] {
  const name = text(rp['name']) ?? text(rp['ipSetId']) ?? '?';
  // CreateIPSet always says `activate`; an UpdateIPSet without it keeps the list's state.
  const replaced = rp['activate'] === undefined && text(rp['location']) !== undefined;
  return isTrue(rp['activate']) || replaced
    ? [`${name} activated or replaced (no findings for its addresses)`]
    : [];
}
