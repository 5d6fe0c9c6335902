/**
 * Per-rule configuration (`rules.<rule id>` in keysnare.yaml): the options every rule shares
 * (enabled, severity, allow-lists) and the rule's own options, in one strict zod schema per rule.
 * config/schema.ts composes these into the one config schema.
 */
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import type { CloudEvent } from '../core/index.js';
import { escapeRegExp, SEVERITIES } from '../core/index.js';
import type { CommonRuleOptions, Rule, RuleAllowList } from './rule.js';

/** A rule's parsed configuration: the shared options plus its own, parsed by its schema. */
export interface RuleConfig extends CommonRuleOptions {
  readonly options: unknown;
}

function parseCidr(
  text: string,
): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits] = text.split('/');
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (bits !== undefined && !/^\d+$/.test(bits))
  )
    return undefined;
  return { address, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch {
    return false;
  }
}

const allowSchema = z
  .strictObject({
    cidrs: z
      .array(
        z
          .string()
          .refine(
            (c) => parseCidr(c) !== undefined,
            'expected an IP address or CIDR such as 10.0.0.0/8',
          ),
      )
      .default([])
      .describe('source IPs (CIDRs or addresses) the rule ignores'),
    userAgents: z
      .array(z.string().min(1).max(512).refine(compiles, 'expected a regular expression'))
      .default([])
      .describe('user agents (case-insensitive regular expressions) the rule ignores'),
    principals: z
      .array(z.string().min(1).max(2048))
      .default([])
      .describe('principal ARNs the rule ignores; * matches any run of characters'),
    accounts: z
      .array(z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'))
      .default([])
      .describe('account ids the rule ignores'),
  })
  .prefault({});

const commonShape = {
  enabled: z.boolean().default(true),
  severity: z.enum(SEVERITIES as unknown as [string, ...string[]]).optional(),
  allow: allowSchema,
};

/** The strict schema of one rule's `rules.<id>` entry. */
export function ruleConfigSchema(rule: Rule): z.ZodType<RuleConfig> {
  return configSchemaFor(rule.options?.schema);
}

/** The schema of an entry with the shared options only (Sigma rules take no others). */
export function sharedRuleConfigSchema(): z.ZodType<RuleConfig> {
  return configSchemaFor(undefined);
}

function configSchemaFor(own: z.ZodObject | undefined): z.ZodType<RuleConfig> {
  const shape = own ? own.shape : {};
  return z
    .strictObject({ ...shape, ...commonShape })
    .transform((v): RuleConfig => {
      const { enabled, severity, allow, ...options } = v as Record<string, unknown> &
        Pick<CommonRuleOptions, 'enabled' | 'allow'> & { severity?: CommonRuleOptions['severity'] };
      return {
        enabled,
        ...(severity ? { severity } : {}),
        allow,
        options: own ? options : undefined,
      };
    })
    .prefault({});
}

/** The configuration of a rule nobody configured. */
export function defaultRuleConfig(rule: Rule): RuleConfig {
  return ruleConfigSchema(rule).parse({});
}

/** Parse the `rules:` section against the registry; unknown ids are reported by the caller's schema. */
export function ruleConfigs(
  rules: readonly Rule[],
  section: Readonly<Record<string, RuleConfig | undefined>> = {},
): Map<string, RuleConfig> {
  return new Map(rules.map((r) => [r.id, section[r.id] ?? defaultRuleConfig(r)]));
}

function wildcard(pattern: string): RegExp {
  const body = pattern.split('*').map(escapeRegExp);
  return new RegExp(`^${body.join('.*')}$`);
}

/** A predicate: does the allow-list cover this event? Built once per rule. */
export function allowListMatcher(allow: RuleAllowList): (e: CloudEvent) => boolean {
  const none =
    allow.cidrs.length + allow.userAgents.length + allow.principals.length + allow.accounts.length;
  if (none === 0) return () => false;
  const blocks = new BlockList();
  for (const c of allow.cidrs) {
    const p = parseCidr(c);
    if (p) blocks.addSubnet(p.address, p.prefix, p.type);
  }
  const agents = allow.userAgents.map((a) => new RegExp(a, 'i'));
  const principals = allow.principals.map(wildcard);
  const accounts = new Set(allow.accounts);
  return (e) => {
    const ip = e.sourceIp;
    if (ip && allow.cidrs.length > 0) {
      const v = isIP(ip);
      if (v !== 0 && blocks.check(ip, v === 4 ? 'ipv4' : 'ipv6')) return true;
    }
    if (e.userAgent && agents.some((a) => a.test(e.userAgent ?? ''))) return true;
    for (const arn of [e.identity.arn, e.identity.issuerArn])
      if (arn && principals.some((p) => p.test(arn))) return true;
    const account = e.identity.accountId ?? e.recipientAccountId;
    return account !== undefined && accounts.has(account);
  };
}
