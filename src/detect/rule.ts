/**
 * The rule contract. A rule is pure: it reads one {@link CloudEvent} and what the engine hands it in
 * {@link RuleContext}, and says whether the event contributes to a finding and to which group.
 * The engine turns groups of hits into findings (see grouping.ts).
 */
import type { CloudEvent, Severity, Token } from '../core/index.js';
import type { CanaryIndex } from './canary-index.js';

/** What the engine gives a rule besides the event. */
export interface RuleContext {
  readonly canaries: CanaryIndex;
  /** ARNs whose IAM calls are Keysnare's own management (never tampering). */
  readonly managementPrincipals: ReadonlySet<string>;
}

/** A rule's verdict on one event. */
export interface RuleMatch {
  /** Hits with the same group key (and close in time) become one finding. */
  readonly groupKey: string;
  readonly tokenId?: string;
  /** Small rule-specific facts about this event, merged into the finding's details. */
  readonly note?: Readonly<Record<string, string | number | boolean>>;
}

/** The event facts a finding is built from (kept per hit, so findings can be regrouped later). */
export interface HitSummary {
  readonly rule: string;
  readonly groupKey: string;
  readonly eventId: string;
  readonly time?: string;
  readonly timeMs?: number;
  readonly eventName: string;
  readonly eventSource: string;
  readonly region: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** The event's user-agent class (CloudEvent.userAgentClass); absent on hits stored before it. */
  readonly userAgentClass?: string;
  readonly accessKeyId?: string;
  readonly principalArn?: string;
  readonly accountId?: string;
  readonly errorCode?: string;
  readonly tokenId?: string;
  readonly note?: Readonly<Record<string, string | number | boolean>>;
}

/** A sample for a rule's own proof: a sequence of events (stateful rules need more than one). */
export interface RuleSample {
  readonly name: string;
  /** Canary tokens registered while the sample runs. */
  readonly tokens?: readonly Token[];
  /** {@link RuleContext.managementPrincipals} while the sample runs (default none). */
  readonly managementPrincipals?: readonly string[];
  readonly events: readonly Record<string, unknown>[];
}

/** Title and details of a finding built from a group of hits. */
export interface FindingText {
  readonly title: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A detection rule. */
export interface Rule {
  /** Stable id, e.g. 'honeytoken.used'; file name is the id with dots as dashes. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly description: string;
  /** Numbered triage steps. */
  readonly runbook: readonly string[];
  /** MITRE ATT&CK technique ids, e.g. 'T1078.004'. */
  readonly attack: readonly string[];
  /**
   * 'canary' when the rule can only fire on events that mention a canary identifier (key id,
   * principal id or user name) — the engine may then skip records and whole files that mention
   * none. 'all' when it must see every event.
   */
  readonly scope: 'canary' | 'all';
  match(event: CloudEvent, ctx: RuleContext): RuleMatch | undefined;
  /** Title and details for the finding built from `hits` (non-empty, time-ordered). */
  describe(hits: readonly HitSummary[], ctx: RuleContext): FindingText;
  readonly samples: {
    readonly match: readonly RuleSample[];
    readonly nonMatch: readonly RuleSample[];
  };
}
