/**
 * Cross-correlation with the canaries. A source IP that used or touched a canary belongs to
 * someone holding stolen keys: every other finding of that IP (on real keys) is raised to at least
 * `high`, and says why and which canary. Pure: it reads a run's (or the workspace's) findings and
 * returns the ones it changes, so `detect` and `ingest` give the same answer whatever order the
 * findings were made in.
 */
import type { Finding, Severity } from '../core/index.js';
import { SEVERITIES } from '../core/index.js';

/** Rules whose findings mean a canary was used or touched. */
export const CANARY_RULE_IDS: ReadonlySet<string> = new Set([
  'honeytoken.used',
  'honeytoken.tampered',
  'honeytoken.unlogged-use',
]);

/** The canary finding a source IP is known from. */
export interface CanaryContact {
  readonly sourceIp: string;
  readonly canaryFindingId: string;
  readonly canaryRule: string;
  readonly tokenId?: string;
  readonly time: string;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f:.]+$/i;

/** True for a literal IP address (not an AWS service name such as `ec2.amazonaws.com`). */
function isIp(v: unknown): v is string {
  return typeof v === 'string' && (IPV4.test(v) || (v.includes(':') && IPV6.test(v)));
}

/** Every source IP of a finding: its own, and any its details list (`sourceIps`). */
function sourceIpsOf(f: Finding): string[] {
  const listed = f.details['sourceIps'];
  const more = Array.isArray(listed) ? listed.filter(isIp) : [];
  return [...new Set([...(isIp(f.sourceIp) ? [f.sourceIp] : []), ...more])];
}

/** Source IP → the earliest canary finding it appears in. */
export function canaryContacts(findings: readonly Finding[]): Map<string, CanaryContact> {
  const out = new Map<string, CanaryContact>();
  const canary = findings
    .filter((f) => CANARY_RULE_IDS.has(f.rule))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  for (const f of canary) {
    for (const ip of sourceIpsOf(f)) {
      if (out.has(ip)) continue;
      out.set(ip, {
        sourceIp: ip,
        canaryFindingId: f.id,
        canaryRule: f.rule,
        ...(f.tokenId !== undefined ? { tokenId: f.tokenId } : {}),
        time: f.time,
      });
    }
  }
  return out;
}

function atLeastHigh(s: Severity): Severity {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf('high') ? s : 'high';
}

/**
 * The findings (not canary ones) whose source IP touched a canary, raised to at least `high` with
 * `details.canaryContact` saying why; unchanged findings are not returned.
 */
export function raiseByCanaryContact(
  findings: readonly Finding[],
  contacts: ReadonlyMap<string, CanaryContact> = canaryContacts(findings),
): Finding[] {
  if (contacts.size === 0) return [];
  const out: Finding[] = [];
  for (const f of findings) {
    if (CANARY_RULE_IDS.has(f.rule)) continue;
    const contact = sourceIpsOf(f)
      .map((ip) => contacts.get(ip))
      .find((c) => c !== undefined);
    if (!contact) continue;
    const canary = contact.tokenId ? `canary ${contact.tokenId}` : 'a canary';
    const canaryContact = {
      ...contact,
      why: `${contact.sourceIp} also used ${canary} (finding ${contact.canaryFindingId}, ${contact.canaryRule}): whoever is behind it holds stolen keys`,
    };
    const severity = atLeastHigh(f.severity);
    const before = JSON.stringify(f.details['canaryContact'] ?? null);
    if (severity === f.severity && before === JSON.stringify(canaryContact)) continue;
    out.push({ ...f, severity, details: { ...f.details, canaryContact } });
  }
  return out;
}

/** `findings` with {@link raiseByCanaryContact} applied, in the same order. */
export function withCanaryContacts(findings: readonly Finding[]): Finding[] {
  const raised = new Map(raiseByCanaryContact(findings).map((f) => [f.id, f]));
  return findings.map((f) => raised.get(f.id) ?? f);
}
