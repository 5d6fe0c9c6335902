/**
 * An incident change as the alert people read: what happened in one sentence, where, who and when
 * with the enrichment, the runbook of the rules involved, and a link to the dashboard. Strings
 * that came from CloudTrail are left as they are here: each sink escapes them for its destination.
 */
import type {
  AlertFact,
  AlertKind,
  AlertMessage,
  Finding,
  Incident,
  IpContext,
  Token,
} from '../core/index.js';

/** What a message is built from besides the incident. */
export interface MessageContext {
  /** The incident's findings as stored. */
  readonly findings: readonly Finding[];
  /** The canary token of a canary incident. */
  readonly token?: Token;
  /** A rule's runbook steps (empty for a rule no longer loaded). */
  readonly runbook: (ruleId: string) => readonly string[];
  readonly ip?: (address: string) => IpContext | undefined;
  /** The dashboard's public base URL (`alerts.dashboardUrl`), when set. */
  readonly dashboardUrl?: string;
  /** Who made the change (state changes). */
  readonly by?: string;
  /**
   * The signed "Was this you?" link of a canary incident, for the token's owner (the server's
   * signed-link.ts; present when `alerts.dashboardUrl` is set).
   */
  readonly ownerLink?: string;
  readonly now: Date;
}

/** Steps for a real key that was used by someone else, after the rules' own. */
const KEY_STEPS = [
  'Deactivate the access key now (aws iam update-access-key --status Inactive), then delete it once nothing legitimate depends on it.',
  "Reset the principal's console password and revoke its active sessions (for a role: revoke older sessions in the IAM console).",
  'Block the source IP at the edge and in any resource policies that allow it.',
  'Check CloudTrail in every region for what the key, the principal and the source IP did, and for resources created since the first event.',
];

/** How much of a list a sentence names before "and N more". */
const NAMED = 3;

function names(list: readonly string[]): string {
  if (list.length === 0) return 'unknown APIs';
  const shown = list.slice(0, NAMED);
  const more = list.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)!}`;
}

/** "Tor exit, AS60729 Zwiebelfreunde, DE" from what the offline data says of an address. */
export function describeIp(ctx: IpContext | undefined): string | undefined {
  if (!ctx) return undefined;
  const parts: string[] = [];
  if (ctx.tor === true) parts.push('Tor exit');
  if (ctx.provider)
    parts.push(
      ctx.provider === 'aws' ? `AWS${ctx.awsService ? ` ${ctx.awsService}` : ''}` : ctx.provider,
    );
  if (ctx.asn !== undefined) parts.push(`AS${ctx.asn}${ctx.asOrg ? ` ${ctx.asOrg}` : ''}`);
  if (ctx.country) parts.push(ctx.country);
  return parts.length ? parts.join(', ') : undefined;
}

/** "aws-cli on Kali" from a user agent: its tool and an offensive OS when it names one. */
export function describeAgent(ua: string | undefined): string | undefined {
  if (!ua) return undefined;
  const tool = /^[\w.-]+/.exec(ua.replace(/^\[|\]$/g, ''))?.[0] ?? 'an unknown client';
  const os = /kali/i.test(ua)
    ? ' on Kali'
    : /parrot/i.test(ua)
      ? ' on Parrot OS'
      : /pentoo/i.test(ua)
        ? ' on Pentoo'
        : '';
  return `${tool}${os}`;
}

function placedText(token: Token | undefined): string {
  const p = token?.placement;
  if (!p || (!p.host && !p.path)) return '(no recorded placement)';
  return `planted${p.host ? ` on ${p.host}` : ''}${p.path ? ` in ${p.path}` : ''}`;
}

/** The one sentence: who used what, from where, with what, to do what, where. */
export function summarySentence(incident: Incident, ctx: MessageContext): string {
  const ip = incident.sourceIps[0];
  const ipText = ip
    ? `${ip}${describeIp(ctx.ip?.(ip)) ? ` (${describeIp(ctx.ip?.(ip))})` : ''}`
    : 'an unknown source';
  const agent = describeAgent(incident.userAgents[0]);
  const calls = names(incident.eventNames);
  const where = incident.regions.length ? ` in ${names(incident.regions)}` : '';
  const tail = ` was used from ${ipText}${agent ? ` with ${agent}` : ''} to call ${calls}${where}`;
  if (incident.kind === 'canary') {
    const key = ctx.token?.accessKeyId ?? incident.accessKeyIds[0] ?? 'unknown key';
    const owner = ctx.token?.placement?.owner;
    return `The canary key ${key} ${placedText(ctx.token)}${owner ? ` (owner: ${owner})` : ''}${tail}.`;
  }
  const key = incident.accessKeyIds[0];
  const who = incident.principalArn ?? 'an unknown principal';
  const subject = key ? `The key ${key} of ${who}` : who;
  const rules =
    incident.rules.length > 1
      ? ` (${incident.rules.length} rules, ${incident.eventCount} events)`
      : '';
  return `${incident.title}: ${subject}${tail}${rules}.`;
}

function factsOf(incident: Incident, ctx: MessageContext): AlertFact[] {
  const f: AlertFact[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') f.push({ label, value });
  };
  add('Incident', incident.id);
  add(
    'Severity',
    `${incident.severity}${incident.raisedBy ? ` (raised: ${incident.raisedBy})` : ''}`,
  );
  add('State', incident.state);
  add('Access key', incident.accessKeyIds.join(', '));
  add('Principal', incident.principalArn);
  add('Account', incident.accountId);
  for (const ip of incident.sourceIps.slice(0, 5)) {
    const d = describeIp(ctx.ip?.(ip));
    add('Source IP', d ? `${ip} (${d})` : ip);
  }
  add('User agent', incident.userAgents[0]);
  add('Calls', names(incident.eventNames));
  add('Regions', incident.regions.join(', '));
  add('First seen', incident.firstSeen);
  add('Last seen', incident.lastSeen);
  add(
    'Findings',
    `${incident.findingIds.length} (${incident.rules.join(', ')}), ${incident.eventCount} events`,
  );
  if (ctx.token) {
    const p = ctx.token.placement;
    add('Placement', p ? [p.host, p.path].filter(Boolean).join(':') || undefined : undefined);
    add('Owner', p?.owner);
    add('Token', `${ctx.token.id}${ctx.token.label ? ` (${ctx.token.label})` : ''}`);
  }
  add('Related incidents', incident.related.join(', '));
  if (incident.kind === 'canary')
    add('Was this you? (for the token owner: marks it a false positive)', ctx.ownerLink);
  return f;
}

function runbookOf(incident: Incident, ctx: MessageContext): string[] {
  const steps = incident.rules.flatMap((r) => ctx.runbook(r));
  if (incident.kind !== 'canary') steps.push(...KEY_STEPS);
  return [...new Set(steps)].slice(0, 15);
}

const VERB: Record<AlertKind, string> = {
  opened: '',
  updated: 'Update: ',
  acknowledged: 'Acknowledged: ',
  resolved: 'Resolved: ',
  'false-positive': 'False positive: ',
  reopened: 'Reopened: ',
  test: 'TEST: ',
};

/** The alert for `incident` changing by `kind` (the alert id is set per sink by the outbox). */
export function alertMessage(
  incident: Incident,
  kind: AlertKind,
  ctx: MessageContext,
): AlertMessage {
  const last = incident.history.at(-1);
  const change =
    kind === 'acknowledged' ||
    kind === 'resolved' ||
    kind === 'false-positive' ||
    kind === 'reopened'
      ? ` (${last?.by ?? ctx.by ?? 'keysnare'}${last?.why ? `: ${last.why}` : ''})`
      : '';
  const token = ctx.token;
  const first = ctx.findings[0];
  const link = ctx.dashboardUrl
    ? `${ctx.dashboardUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(incident.id)}`
    : undefined;
  const labels = [incident.kind, ...(token?.label ? [token.label] : [])];
  const owner = token?.placement?.owner;
  return {
    alertId: '',
    incidentId: incident.id,
    kind,
    severity: incident.severity,
    state: incident.state,
    title: `${VERB[kind]}${incident.title}`,
    summary: `${VERB[kind]}${summarySentence(incident, ctx)}${change}`,
    facts: factsOf(incident, ctx),
    runbook: runbookOf(incident, ctx),
    ...(link ? { link } : {}),
    time: ctx.now.toISOString(),
    firstSeen: incident.firstSeen,
    lastSeen: incident.lastSeen,
    rules: incident.rules,
    eventCount: incident.eventCount,
    ...(owner ? { owner } : {}),
    labels,
    ...(incident.accessKeyIds[0] ? { accessKeyId: incident.accessKeyIds[0] } : {}),
    ...(incident.principalArn ? { principalArn: incident.principalArn } : {}),
    ...(incident.sourceIps[0] ? { sourceIp: incident.sourceIps[0] } : {}),
    ...(incident.userAgents[0] ? { userAgent: incident.userAgents[0] } : {}),
    ...(incident.eventNames[0] ? { eventName: incident.eventNames[0] } : {}),
    ...(first?.regions?.[0] ? { region: first.regions[0] } : {}),
    revision: incident.revision,
  };
}
