/**
 * The rule contract. A rule is pure: it reads one {@link CloudEvent} and what the engine hands it
 * in {@link RuleContext} (canary lookups, its options, and its own event-time state), and returns
 * signals: which events contribute to a finding and to which group. The engine indexes rules by
 * their {@link RuleSelector}, so an event is only offered to rules that can match it, and turns
 * groups of hits into findings (see grouping.ts).
 */
import type { z } from 'zod';
import type { CloudEvent, FindingSource, IpContext, Severity, Token } from '../core/index.js';
import { anyOfWords } from '../core/index.js';
import type { CanaryIndex } from './canary-index.js';
import type { RuleState, RuleStateReader, WindowEntry } from './state/state.js';

/** What offline data says about a source IP; undefined for anything that is not an address. */
export type IpLookup = (ip: string) => IpContext | undefined;

/** What every rule-like thing shares: built-ins, the Safety Net, Sigma rules, and the docs. */
export interface RuleMeta {
  /** Stable id, e.g. 'honeytoken.used'; a built-in's file name is the id with dots as dashes. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly description: string;
  /** Numbered triage steps. */
  readonly runbook: readonly string[];
  /** MITRE ATT&CK technique ids, e.g. 'T1078.004'. */
  readonly attack: readonly string[];
  /** Where its findings come from. */
  readonly source: FindingSource;
}

/**
 * Which events a rule can match. The engine offers an event to a rule only when every given part
 * holds; an empty selector means every event.
 */
export interface RuleSelector {
  /** Only events of these services, e.g. 'iam.amazonaws.com'. */
  readonly eventSources?: readonly string[];
  /** Only these API calls, e.g. 'GetCallerIdentity'. */
  readonly eventNames?: readonly string[];
  /** Only events whose user agent contains one of these strings (case-insensitive). */
  readonly userAgentContains?: readonly string[];
  /** Only events that failed (they carry an `errorCode`: AccessDenied, UnauthorizedOperation …). */
  readonly failed?: true;
  /**
   * Only events that mention a canary identifier: made by a canary (key id, session key, principal
   * id, ARN) or naming a canary user (`userName` in the identity or the request, or the user a
   * denied IAM call's message names). Such rules let the reader pass over files and records that
   * mention no canary. `'actor'`: only events a canary made (its identity), which lets the reader
   * look at just the identity part of a record's text.
   */
  readonly canary?: true | 'actor';
  /**
   * The rule looks at every event but needs, per principal (`stablePrincipal`) and UTC day, only the
   * earliest call of each distinct API (`'api'`: event source and name) or source IP
   * (`'sourceIp'`): first-seen rules. The reader may parse just those records (see
   * pipeline/record-choice.ts); the engine still offers the rule every event it is given.
   * Calls from an AWS service source (`aws-service`, `aws-internal`) are never among them.
   */
  readonly earliestPer?: 'api' | 'sourceIp';
  /**
   * `eventNames` and `eventSources` compare without case, given in lower case (Sigma rules: the
   * specification compares strings without case).
   */
  readonly anyCase?: true;
  /**
   * A hint for the reader, not a test the engine makes: every event the rule can match has one
   * of these strings in its record's JSON text (compared without case, Unicode case folding), in
   * the part named, so a record holding none need not be parsed for it. The reader takes them
   * together with the names and sources (Sigma rules); the rule's `match` decides.
   */
  readonly mentions?: readonly Mention[];
}

/**
 * A string (printable ASCII, no `"` or `\\`: written the same in the JSON text as in the value) and
 * where in the record it must be: the identity (`userIdentity`), the user agent, the event name,
 * or anywhere.
 */
export interface Mention {
  readonly text: string;
  readonly in: 'identity' | 'userAgent' | 'eventName' | 'record';
}

/** Options common to every rule, set per rule id under `rules:` in keysnare.yaml. */
export interface CommonRuleOptions {
  readonly enabled: boolean;
  /** Overrides the rule's severity. */
  readonly severity?: Severity;
  /** Events that match any of these never reach the rule (sanctioned scanners, automation). */
  readonly allow: RuleAllowList;
}

/** Sanctioned sources, by several keys; an event matching any entry is not offered to the rule. */
export interface RuleAllowList {
  /** Source IPs as CIDRs ('10.0.0.0/8', '2001:db8::/32') or single addresses. */
  readonly cidrs: readonly string[];
  /** Case-insensitive regular expressions over the user agent. */
  readonly userAgents: readonly string[];
  /** Principal ARNs (identity ARN or session issuer ARN); `*` matches any run of characters. */
  readonly principals: readonly string[];
  /** Account ids. */
  readonly accounts: readonly string[];
}

/**
 * A rule's own options: a zod object whose every field has a default, so `{}` parses. Its fields
 * sit beside the shared ones under `rules.<rule id>`.
 */
export interface RuleOptionsSpec<O> {
  readonly schema: z.ZodObject & z.ZodType<O>;
}

/** What the engine gives a rule besides the event. */
export interface RuleContext<O = unknown> {
  readonly canaries: CanaryIndex;
  /** Offline context of a source IP (country, ASN, provider), when IP data is configured. */
  readonly ip?: IpLookup;
  /** ARNs whose IAM calls are Keysnare's own management (never tampering). */
  readonly managementPrincipals: ReadonlySet<string>;
  /** The rule's options, parsed from its schema (undefined for rules without options). */
  readonly options: O;
  /** The rule's own state, in event time; see state/state.ts. */
  readonly state: RuleState;
}

/** What describing a finding may read: no per-event state is written any more. */
export interface DescribeContext<O = unknown> {
  readonly canaries: CanaryIndex;
  readonly ip?: IpLookup;
  readonly managementPrincipals: ReadonlySet<string>;
  readonly options: O;
  readonly state: RuleStateReader;
  /**
   * The latest hit of the same rule and group before this finding's first one (an earlier
   * finding of the same group), when there is one: "has this principal done this before?".
   */
  readonly previous?: HitSummary;
}

/** One signal: these events contribute to the finding of this group. */
export interface RuleSignal {
  /** Hits with the same group key (and close in time) become one finding. */
  readonly groupKey: string;
  /**
   * The events that make this signal, from the rule's state (a threshold rule names every event
   * of the window that crossed it). Absent: just the event being evaluated.
   */
  readonly events?: readonly WindowEntry[];
  readonly tokenId?: string;
  /** Small rule-specific facts about the evaluated event, merged into its hit. */
  readonly note?: Readonly<Record<string, string | number | boolean>>;
}

/** What `match` returns: nothing, one signal, or several. */
export type RuleVerdict = RuleSignal | readonly RuleSignal[] | undefined;

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

/** The part of a hit that depends only on the event (what state keeps per event). */
export type EventSummary = Omit<HitSummary, 'rule' | 'groupKey' | 'tokenId' | 'note'>;

/** What a sample must produce when its events run through the rule alone, in order. */
export interface SampleExpectation {
  /** How many findings. */
  readonly findings: number;
  /** The eventIDs of every finding's events, together (sorted); absent: not checked. */
  readonly eventIds?: readonly string[];
}

/** A sample for a rule's own proof: a sequence of events (stateful rules need more than one). */
export interface RuleSample {
  readonly name: string;
  /** Canary tokens registered while the sample runs. */
  readonly tokens?: readonly Token[];
  /** {@link RuleContext.managementPrincipals} while the sample runs (default none). */
  readonly managementPrincipals?: readonly string[];
  readonly events: readonly Record<string, unknown>[];
  /** Default for `match` samples: at least one finding; for `nonMatch`: none. */
  readonly expect?: SampleExpectation;
}

/** Title and details of a finding built from a group of hits. */
export interface FindingText {
  readonly title: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * The large fields of a {@link CloudEvent}. A stateful rule sees events that crossed from the
 * worker threads to the one ordered stream, and they cross without these fields unless the rule
 * names them in {@link Rule.reads}: most stateful rules count who called what from where.
 */
export const HEAVY_FIELDS = [
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'resources',
  'errorMessage',
] as const;

/** One of {@link HEAVY_FIELDS}. */
export type HeavyField = (typeof HEAVY_FIELDS)[number];

/** A detection rule over CloudTrail events. `O` is the type of its own options. */
export interface Rule<O = unknown> extends RuleMeta {
  readonly selector: RuleSelector;
  /** The rule's own options (thresholds, windows); absent when it has none. */
  readonly options?: RuleOptionsSpec<O>;
  /**
   * True when the rule reads `ctx.state`: such rules see events in one event-time-ordered stream
   * (see the pipeline), stateless ones may run anywhere.
   */
  readonly stateful?: boolean;
  /**
   * The heavy fields a stateful rule reads (see {@link HEAVY_FIELDS}); the others are absent from
   * the events it is given. Stateless rules always get whole events.
   */
  readonly reads?: readonly HeavyField[];
  /**
   * The rule reads the CloudTrail record as logged (`event.raw`, Sigma rules): ingest parses the
   * stored record for it, and a stateful one gets the record across threads.
   */
  readonly readsRecord?: true;
  /**
   * The part of a stateful rule's `match` that reads the event alone (no state): the engine offers
   * an event only when it holds, and the workers apply it before handing events to the ordered
   * stream, so an event that cannot touch the rule's state never crosses threads.
   */
  admit?(event: CloudEvent, options: O): boolean;
  match(event: CloudEvent, ctx: RuleContext<O>): RuleVerdict;
  /**
   * For a rule whose verdict needs the whole run's events first (first-seen rules: delivery files
   * arrive out of order, so the event that looked first when it was read may not be): given every
   * hit of this rule in the run and the final state, the hits that stand. Applied once per run,
   * before grouping (see `settleHits`).
   */
  settle?(hits: readonly HitSummary[], ctx: DescribeContext<O>): readonly HitSummary[];
  /** Title and details for the finding built from `hits` (non-empty, time-ordered). */
  describe(hits: readonly HitSummary[], ctx: DescribeContext<O>): FindingText;
  readonly samples: {
    readonly match: readonly RuleSample[];
    readonly nonMatch: readonly RuleSample[];
  };
}

/**
 * Declare a rule with its options type inferred from its schema. The registry stores rules as
 * `Rule` (options `unknown`); the engine hands each rule the options its own schema parsed.
 */
export function defineRule<O = undefined>(rule: Rule<O>): Rule {
  return rule;
}

/**
 * The group key of a rule with a `settle` step: `<principal>|<value>`, the principal as
 * `stablePrincipal` gives it (a principal never holds `|`). Ingest finds a principal's stored
 * groups by this prefix, to settle them again when a run sees the principal earlier than before.
 */
export function principalGroupKey(principal: string, value: string): string {
  return `${principal}|${value}`;
}

/** True when the rule may only ever fire on events that mention a canary identifier. */
export function isCanaryOnly(rule: Pick<Rule, 'selector'>): boolean {
  return rule.selector.canary !== undefined;
}

/** The selector in words, for docs and `keysnare rules list`. */
export function describeSelector(s: RuleSelector): string {
  const parts: string[] = [];
  if (s.eventSources) parts.push(`from ${s.eventSources.join(', ')}`);
  if (s.eventNames) parts.push(`calls ${s.eventNames.join(', ')}`);
  if (s.userAgentContains) parts.push(`user agents naming ${s.userAgentContains.join(', ')}`);
  if (s.failed) parts.push('that failed (an error code)');
  if (s.mentions) parts.push(`whose record mentions ${s.mentions.map((m) => m.text).join(', ')}`);
  if (s.earliestPer)
    parts.push(
      `the earliest per principal and day of each ${s.earliestPer === 'api' ? 'API' : 'source IP'}`,
    );
  if (parts.length === 0)
    return s.canary ? `CloudTrail events ${canaryWords(s.canary)}` : 'every CloudTrail event';
  const what = `CloudTrail events ${parts.join(', ')}`;
  return s.canary ? `${what} ${canaryWords(s.canary)}` : what;
}

function canaryWords(c: true | 'actor'): string {
  return c === 'actor' ? 'made by a canary' : 'that mention a canary identifier';
}

/**
 * `userAgentContains` as one case-insensitive pattern, so a user agent is tested without being
 * copied; the engine and the pre-filter both use it, so they agree.
 */
export function userAgentPattern(words: readonly string[]): RegExp {
  return anyOfWords(words, 'i');
}
