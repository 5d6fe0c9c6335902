/**
 * Quiet rules (`alerts.quiet`): sanctioned activity — an internal scanner's addresses or user
 * agent, a red team's principal — is still recorded and grouped into incidents, but does not page.
 * An incident is quiet when a quiet rule matches every one of its findings; the rule's name is
 * kept on it, so `incidents list` shows why it did not alert.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Finding } from '../core/index.js';

/** One quiet rule; every condition given must hold (a condition left out holds). */
export interface QuietRule {
  readonly name: string;
  readonly sourceCidrs?: readonly string[];
  /** Case-insensitive substrings of the user agent. */
  readonly userAgents?: readonly string[];
  /** Principal ARNs or key ids; a trailing `*` matches a prefix. */
  readonly principals?: readonly string[];
  /** Rule ids; a trailing `*` matches a prefix. */
  readonly rules?: readonly string[];
}

/** A compiled quiet rule. */
export type QuietMatcher = (f: Finding) => boolean;

function glob(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [net = '', bits] = c.split('/');
    const type = isIPv4(net) ? 'ipv4' : 'ipv6';
    if (!isIPv4(net) && !isIPv6(net)) continue;
    list.addSubnet(net, bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits), type);
  }
  return list;
}

/** A matcher for `rule`. */
export function quietMatcher(rule: QuietRule): QuietMatcher {
  const cidrs = rule.sourceCidrs ? blockList(rule.sourceCidrs) : undefined;
  const agents = rule.userAgents?.map((a) => a.toLowerCase());
  return (f) => {
    if (cidrs) {
      const ip = f.sourceIp;
      if (!ip || !(isIPv4(ip) || isIPv6(ip)) || !cidrs.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6'))
        return false;
    }
    if (agents) {
      const ua = f.userAgent?.toLowerCase();
      if (ua === undefined || !agents.some((a) => ua.includes(a))) return false;
    }
    if (
      rule.principals &&
      !rule.principals.some((p) => glob(p, f.principalArn) || glob(p, f.accessKeyId))
    )
      return false;
    if (rule.rules && !rule.rules.some((p) => glob(p, f.rule))) return false;
    return true;
  };
}

/** The name of the quiet rule every finding matches (the same one for all), or undefined. */
export function quietReason(
  findings: readonly Finding[],
  rules: readonly QuietRule[],
  matchers: readonly QuietMatcher[] = rules.map(quietMatcher),
): string | undefined {
  if (findings.length === 0) return undefined;
  for (let i = 0; i < rules.length; i++) {
    const m = matchers[i]!;
    if (findings.every((f) => m(f))) return rules[i]!.name;
  }
  return undefined;
}
