/**
 * A compiled Sigma detection rule as a Keysnare {@link Rule}: rule id `sigma.<id>`, severity from
 * `level`, ATT&CK ids from `attack.t…` tags, and the rule's own text (description, references,
 * false positives, file) in every finding. It is stateless and matches the CloudTrail record
 * itself (`event.raw`); the engine offers it only events of the names and sources it pins, and
 * the reader may leave unparsed the records that cannot hold one of its needles.
 */
import type { CloudEvent, Severity } from '../../core/index.js';
import { stablePrincipal } from '../../core/index.js';
import type { HitSummary, Rule, RuleMeta, RuleSelector } from '../rule.js';
import { distinct } from '../grouping.js';
import type { CompiledSigma } from './compile.js';
import type { SigmaRuleMeta } from './parse.js';

/** The prefix of every Sigma rule id in findings and in keysnare.yaml's `rules:`. */
export const SIGMA_PREFIX = 'sigma.';

/** Sigma levels → Keysnare severities (a rule without a level is medium). */
const LEVELS: Readonly<Record<string, Severity>> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** The severity of a Sigma level. */
export function severityOfLevel(level: string | undefined): Severity {
  return (level !== undefined ? LEVELS[level.toLowerCase()] : undefined) ?? 'medium';
}

/** ATT&CK technique ids from Sigma tags (`attack.t1078.004` → `T1078.004`); tactics are left out. */
export function attackIds(tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t);
    if (m?.[1]) out.add(m[1].toUpperCase());
  }
  return [...out];
}

/** The rule's own words, carried into each finding's `details.sigma` (and from there to alerts). */
export function sigmaDetails(r: SigmaRuleMeta): Record<string, unknown> {
  return {
    id: r.id,
    title: r.title,
    file: r.file,
    ...(r.level !== undefined ? { level: r.level } : {}),
    ...(r.status !== undefined ? { status: r.status } : {}),
    ...(r.author !== undefined ? { author: r.author } : {}),
    ...(r.description !== undefined ? { description: r.description } : {}),
    tags: r.tags,
    references: r.references,
    falsepositives: r.falsepositives,
  };
}

/** The metadata every Sigma-made rule shares (detection and correlation). */
export function sigmaMeta(r: SigmaRuleMeta): RuleMeta {
  return {
    id: `${SIGMA_PREFIX}${r.id}`,
    title: r.title,
    severity: severityOfLevel(r.level),
    description: r.description ?? `Sigma rule ${r.title} (${r.file}).`,
    runbook: [
      `Read the Sigma rule (${r.file}) and its references: what it looks for and why.`,
      r.falsepositives.length > 0
        ? `Rule out its known false positives: ${r.falsepositives.join('; ')}.`
        : 'Check whether the principal, source address and user agent are expected to do this.',
      'If it is not expected, treat the credential as stolen: deactivate it and review its other calls.',
    ],
    attack: attackIds(r.tags),
    source: 'cloudtrail',
  };
}

/** Title and details shared by Sigma findings: who did it, from where, which calls. */
export function describeSigmaHits(
  r: SigmaRuleMeta,
  hits: readonly HitSummary[],
  extra: Record<string, unknown> = {},
): { title: string; details: Record<string, unknown> } {
  const principals = distinct(hits.map((h) => h.principalArn));
  const who =
    principals.length === 1
      ? principals[0]!
      : principals.length === 0
        ? 'an unknown principal'
        : `${principals.length} principals`;
  const n = hits.length;
  return {
    title: `${r.title}: ${n} event${n === 1 ? '' : 's'} by ${who}`,
    details: {
      sigma: sigmaDetails(r),
      ...extra,
      principals,
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      errorCodes: distinct(hits.map((h) => h.errorCode)),
    },
  };
}

/** The selector of a compiled rule: its pins (any case) and its needles, which the reader ANDs. */
function sigmaSelector(c: CompiledSigma): RuleSelector {
  const names = c.eventNames ? { eventNames: [...c.eventNames] } : {};
  const sources = c.eventSources ? { eventSources: [...c.eventSources] } : {};
  const mentions = c.needles ? { mentions: c.needles } : {};
  return { ...names, ...sources, ...mentions, anyCase: true };
}

/** The group of a Sigma hit: the acting principal (a role's sessions count as one). */
function sigmaGroupKey(event: CloudEvent): string {
  return stablePrincipal(event.identity);
}

/** A compiled Sigma detection rule as a stateless {@link Rule}. */
export function sigmaDetectionRule(c: CompiledSigma): Rule {
  const r = c.rule;
  return {
    ...sigmaMeta(r),
    selector: sigmaSelector(c),
    readsRecord: true,
    match(event) {
      const raw = event.raw;
      if (raw === undefined || !c.matches(raw)) return undefined;
      return { groupKey: sigmaGroupKey(event) };
    },
    describe: (hits) => describeSigmaHits(r, hits),
    samples: { match: [], nonMatch: [] },
  };
}
