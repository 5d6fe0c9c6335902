/**
 * Running rules over raw CloudTrail records the way `detect` does (normalize, engine, grouping),
 * for rule tests that need more than the samples: configured options, quiet gaps, many files.
 */
import type { Finding, Token } from '../../src/core/index.js';
import { createCanaryIndex } from '../../src/detect/canary-index.js';
import { createEngine } from '../../src/detect/engine.js';
import { findingsFromHits } from '../../src/detect/grouping.js';
import type { RuleConfig } from '../../src/detect/rule-config.js';
import { ruleConfigSchema } from '../../src/detect/rule-config.js';
import type { HitSummary, Rule } from '../../src/detect/rule.js';
import { normalizeRecord } from '../../src/normalize/index.js';

/** How to run: the rule's `rules.<id>` settings, canaries, management principals, quiet gap. */
export interface RunOptions {
  readonly config?: Readonly<Record<string, unknown>>;
  readonly tokens?: readonly Token[];
  readonly managementPrincipals?: readonly string[];
  /** Default 60 minutes, as `detect.quietGapMinutes`. */
  readonly gapMs?: number;
}

/** The findings `rules` make from `records`, evaluated in the order given. */
export function runRules(
  rules: readonly Rule[],
  records: readonly Record<string, unknown>[],
  o: RunOptions = {},
): Finding[] {
  const ruleConfig = new Map<string, RuleConfig>(
    rules.map((r) => [r.id, ruleConfigSchema(r).parse(o.config ?? {})]),
  );
  const engine = createEngine(rules, {
    canaries: createCanaryIndex(o.tokens ?? []),
    managementPrincipals: new Set(o.managementPrincipals ?? []),
    ruleConfig,
  });
  const hits: HitSummary[] = [];
  records.forEach((raw, index) => {
    const ev = normalizeRecord(raw, { file: 'test', index });
    if (!('eventId' in ev)) throw new Error(`record ${index} did not normalize: ${ev.reason}`);
    // The record rides along, as in detect's lanes, for rules that read it (Sigma).
    (ev as { raw?: Record<string, unknown> }).raw = raw;
    hits.push(...engine.evaluate(ev).hits);
  });
  return findingsFromHits(hits, engine.rules, engine, o.gapMs ?? 60 * 60_000);
}
