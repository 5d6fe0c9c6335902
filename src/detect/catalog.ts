/**
 * The catalog of every rule-like thing Keysnare raises findings from: the built-in CloudTrail rules
 * and the Safety Net. `keysnare rules list` and docs/rules.md read it, so they cannot drift.
 */
import type { Severity } from '../core/index.js';
import type { RuleConfig } from './rule-config.js';
import { defaultRuleConfig } from './rule-config.js';
import type { Rule, RuleMeta } from './rule.js';
import { describeSelector } from './rule.js';
import { rules } from './rules/index.js';
import { HEARTBEAT_RULE } from './heartbeat.js';
import { SAFETY_NET_RULE } from './safety-net.js';

/** One catalog entry: the rule's metadata, what it looks at, and its options as configured. */
export interface CatalogEntry extends RuleMeta {
  /** What the rule looks at, in words. */
  readonly sees: string;
  readonly enabled: boolean;
  /** The severity its findings carry (the configured one when overridden). */
  readonly effectiveSeverity: Severity;
  /** Its own options with their values (defaults unless configured); empty when it has none. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Its own options' descriptions, by name. */
  readonly optionHelp: Readonly<Record<string, string>>;
}

/** Every rule, built-ins first, each with the configuration given (defaults otherwise). */
export function ruleCatalog(
  config: Readonly<Record<string, RuleConfig | undefined>> = {},
): CatalogEntry[] {
  const builtIns = (rules as readonly Rule[]).map((r): CatalogEntry => {
    const c = config[r.id] ?? defaultRuleConfig(r);
    const shape = r.options?.schema.shape ?? {};
    const optionHelp = Object.fromEntries(
      Object.entries(shape).map(([k, v]) => [k, (v as { description?: string }).description ?? '']),
    );
    return {
      ...meta(r),
      sees: describeSelector(r.selector),
      enabled: c.enabled,
      effectiveSeverity: c.severity ?? r.severity,
      options: (c.options ?? {}) as Record<string, unknown>,
      optionHelp,
    };
  });
  const safetyNet: CatalogEntry = {
    ...meta(SAFETY_NET_RULE),
    sees: 'IAM last-used data (`keysnare safety-net`), not CloudTrail',
    enabled: true,
    effectiveSeverity: SAFETY_NET_RULE.severity,
    options: {},
    optionHelp: {},
  };
  const heartbeat: CatalogEntry = {
    ...meta(HEARTBEAT_RULE),
    sees: 'the intake itself (`keysnare serve` with `server.heartbeatMinutes`), not CloudTrail',
    enabled: true,
    effectiveSeverity: HEARTBEAT_RULE.severity,
    options: {},
    optionHelp: {},
  };
  return [...builtIns, safetyNet, heartbeat];
}

function meta(r: RuleMeta): RuleMeta {
  const { id, title, severity, description, runbook, attack, source } = r;
  return { id, title, severity, description, runbook, attack, source };
}

/** Every rule id findings may carry. */
export function ruleIds(): string[] {
  return ruleCatalog().map((r) => r.id);
}
