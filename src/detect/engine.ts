/**
 * The detection engine: events × rules → hits (and facts learned about canaries). No I/O.
 *
 * Rules are indexed by their selectors, so an event is offered only to rules that can match it.
 * Each rule sees a read-only context: canary lookups, its own options, and its own event-time state.
 * Canary linking (session keys and ARNs learned from a canary's events) happens before the rules
 * run, so a rule never changes what another rule sees.
 */
import type { CloudEvent, TokenFact } from '../core/index.js';
import { createInterner } from '../core/index.js';
import type { CanaryIndex } from './canary-index.js';
import type { RuleConfig } from './rule-config.js';
import { allowListMatcher, defaultRuleConfig } from './rule-config.js';
import type {
  DescribeContext,
  EventSummary,
  HitSummary,
  IpLookup,
  Rule,
  RuleContext,
  RuleSignal,
} from './rule.js';
import { HEAVY_FIELDS, isCanaryOnly, userAgentPattern } from './rule.js';
import { createMemoryState } from './state/memory.js';
import type { RuleState, RuleStateReader, StateStore, WindowEntry } from './state/state.js';
import { HOUR_MS } from './state/state.js';

/** What evaluating one event produced. */
export interface Evaluation {
  readonly hits: HitSummary[];
  readonly facts: TokenFact[];
}

/** The shared, read-only part of every rule's context. */
export interface EngineContext {
  readonly canaries: CanaryIndex;
  /** IP context for rules that read it (stateful ones run where it is built). */
  readonly ip?: IpLookup;
  /** ARNs whose IAM calls are Keysnare's own management (never tampering). */
  readonly managementPrincipals: ReadonlySet<string>;
}

/** How to build an engine. */
export interface EngineOptions extends EngineContext {
  /** Rule state; default a fresh in-memory store. */
  readonly state?: StateStore;
  /** Parsed `rules:` config by rule id; a rule without an entry runs with its defaults. */
  readonly ruleConfig?: ReadonlyMap<string, RuleConfig>;
  /** Which of the enabled rules this engine runs (default all). */
  readonly kind?: 'all' | 'stateless' | 'stateful';
  /**
   * Shares the repeated strings of what the state keeps (window entries' event summaries: user
   * agents, ARNs, services repeat thousands of times, and events from worker threads arrive as
   * fresh copies). Default: one table of this engine's.
   */
  readonly intern?: (s: string) => string;
  /**
   * Learn canary facts (session keys, ARNs) from the events evaluated (default true). False when
   * the caller adds them itself: the stateful engine of a detect run gets each file's facts from
   * the lane that read it, which already matched every event against the canaries.
   */
  readonly learn?: boolean;
}

/** A configured engine. */
export interface Engine {
  /** 'canary' when every enabled rule only needs events that mention a canary identifier. */
  readonly scope: 'canary' | 'all';
  /** The enabled rules. */
  readonly rules: readonly Rule[];
  readonly ctx: EngineContext;
  readonly state: StateStore;
  evaluate(event: CloudEvent): Evaluation;
  /**
   * True when some rule of this engine would be offered the event (its selector holds).
   * `earliest` false: the event is not one a first-seen rule needs (`selector.earliestPer`).
   */
  wants(event: CloudEvent, earliest?: boolean): boolean;
  /**
   * The event without the heavy fields no stateful rule of this engine reads (what crosses to the
   * ordered stream; see `Rule.reads`).
   */
  slim(event: CloudEvent, earliest?: boolean): CloudEvent;
  /** The context `rule.describe` gets. */
  describeContext(rule: Rule): DescribeContext;
  /** The severity a rule's findings carry (the config may override the rule's). */
  severityOf(rule: Rule): Rule['severity'];
}

const NONE: Evaluation = { hits: [], facts: [] };
interface Entry {
  readonly rule: Rule;
  readonly config: RuleConfig;
  /** Does the rule take events of this source (`selector.eventSources`, any case if asked)? */
  readonly sources: ((source: string) => boolean) | undefined;
  /** `userAgentContains` as one case-insensitive pattern. */
  readonly agents: RegExp | undefined;
  readonly canary: boolean;
  readonly failed: boolean;
  /** A first-seen rule (`selector.earliestPer`). */
  readonly earliest: boolean;
  readonly admit: ((e: CloudEvent) => boolean) | undefined;
  readonly allowed: (e: CloudEvent) => boolean;
  readonly ctx: RuleContext;
  bind(event: CloudEvent): void;
}

/** Builds an engine over the enabled ones of `rules`. */
export function createEngine(rules: readonly Rule[], opts: EngineOptions): Engine {
  const state = opts.state ?? createMemoryState();
  const ctx: EngineContext = {
    canaries: opts.canaries,
    managementPrincipals: opts.managementPrincipals,
    ...(opts.ip ? { ip: opts.ip } : {}),
  };
  const entries: Entry[] = [];
  const kind = opts.kind ?? 'all';
  const intern = opts.intern ?? createInterner();
  for (const rule of rules) {
    const config = opts.ruleConfig?.get(rule.id) ?? defaultRuleConfig(rule);
    const stateful = rule.stateful === true;
    if (kind === 'stateless' && stateful) continue;
    if (kind === 'stateful' && !stateful) continue;
    if (config.enabled) entries.push(entryFor(rule, config, ctx, state, intern));
  }
  const enabled = entries.map((e) => e.rule);
  const scope = enabled.every(isCanaryOnly) ? 'canary' : 'all';
  const candidates = selectorIndex(entries);
  const offered = (entry: Entry, event: CloudEvent): boolean =>
    (!entry.sources || entry.sources(event.eventSource)) &&
    (!entry.agents || agentHas(event, entry.agents)) &&
    (!entry.failed || event.errorCode !== undefined) &&
    (!entry.admit || entry.admit(event)) &&
    (!entry.canary || opts.canaries.size > 0) &&
    (!entry.earliest || event.origin.earliest !== false) &&
    !entry.allowed(event);
  return {
    scope,
    rules: enabled,
    ctx,
    state,
    evaluate(event) {
      // State is bounded by the store itself (state/memory.ts), from each rule's own events: an
      // eviction here, by how many events were evaluated, made findings depend on the lane split.
      const facts = opts.learn === false ? [] : link(opts.canaries, event);
      let hits: HitSummary[] | undefined;
      for (const entry of candidates(event.eventName)) {
        if (!offered(entry, event)) continue;
        entry.bind(event);
        const verdict = entry.rule.match(event, entry.ctx);
        if (!verdict) continue;
        const signals: readonly RuleSignal[] = Array.isArray(verdict)
          ? (verdict as readonly RuleSignal[])
          : [verdict as RuleSignal];
        for (const s of signals) (hits ??= []).push(...hitsOf(entry.rule.id, event, s));
      }
      return hits || facts.length ? { hits: hits ?? [], facts } : NONE;
    },
    wants(event, earliest = true) {
      return candidates(event.eventName).some(
        (entry) => (earliest || !entry.earliest) && offered(entry, event),
      );
    },
    slim: slimmer(enabled),
    describeContext(rule) {
      const e = entries.find((x) => x.rule.id === rule.id);
      const config = e?.config ?? defaultRuleConfig(rule);
      return { ...ctx, options: config.options, state: readerFor(state, rule.id) };
    },
    severityOf(rule) {
      return entries.find((x) => x.rule.id === rule.id)?.config.severity ?? rule.severity;
    },
  };
}

/**
 * Drops the heavy fields none of `rules` reads, the file name and the raw record (only stateful
 * rules are given slim events).
 */
export function slimmer(
  rules: readonly Rule[],
): (event: CloudEvent, earliest?: boolean) => CloudEvent {
  const kept = new Set(rules.flatMap((r) => r.reads ?? []));
  // The file name is the same for every event of a file (the file's result names it): the events
  // cross without it, and rules never read it. The record itself crosses only for a rule that
  // reads it (a Sigma correlation).
  const record = rules.some((r) => r.readsRecord === true) ? [] : ['raw'];
  const skip = new Set<string>([...record, ...HEAVY_FIELDS.filter((f) => !kept.has(f))]);
  // Copied key by key (measured the fastest of spread-and-delete, rest destructuring and this),
  // not spread and `delete`d: a deleted key turns an object into a slow dictionary with a hidden
  // class of its own.
  return (e, earliest) => {
    const copy: Record<string, unknown> = {};
    const from = e as unknown as Record<string, unknown>;
    for (const k in from) if (!skip.has(k)) copy[k] = from[k];
    copy['origin'] =
      earliest === undefined
        ? { file: '', index: e.origin.index }
        : { file: '', index: e.origin.index, earliest };
    return copy as unknown as CloudEvent;
  };
}

function agentHas(event: CloudEvent, agents: RegExp): boolean {
  return event.userAgent !== undefined && agents.test(event.userAgent);
}

/** Learn what a canary's event teaches (its session keys, ARNs) before any rule runs. */
function link(canaries: CanaryIndex, event: CloudEvent): TokenFact[] {
  const canary = canaries.match(event);
  if (!canary) return [];
  const facts = canaries.learn(event, canary);
  if (facts.length > 0) canaries.addFacts(facts);
  return facts;
}

/**
 * A test of names against a selector's list: exact, or (`anyCase`, the list in lower case) without
 * case, as Sigma compares (`toLowerCase` of an AWS-written name or source).
 */
export function nameTest(names: readonly string[], anyCase: boolean): (name: string) => boolean {
  const set = new Set(names);
  return anyCase ? (name) => set.has(name) || set.has(name.toLowerCase()) : (name) => set.has(name);
}

/** Rules by event name: those that name it, plus those that take any name (cached per name). */
function selectorIndex(entries: readonly Entry[]): (eventName: string) => readonly Entry[] {
  const anyName = entries.filter((e) => !e.rule.selector.eventNames);
  const tests = new Map(
    entries.map((e) => {
      const names = e.rule.selector.eventNames;
      return [e, names ? nameTest(names, e.rule.selector.anyCase === true) : () => true] as const;
    }),
  );
  const cache = new Map<string, readonly Entry[]>();
  return (name) => {
    let list = cache.get(name);
    if (list === undefined) {
      list = entries.filter((e) => tests.get(e)!(name));
      if (list.length === anyName.length) list = anyName;
      // Event names are attacker-controlled: bound the cache, the fallback is exact anyway.
      if (cache.size < 4096) cache.set(name, list);
    }
    return list;
  };
}

function entryFor(
  rule: Rule,
  config: RuleConfig,
  ctx: EngineContext,
  store: StateStore,
  intern: (s: string) => string,
): Entry {
  let current: CloudEvent | undefined;
  const state = boundState(store, rule.id, () => current, intern);
  return {
    rule,
    config,
    sources: rule.selector.eventSources
      ? nameTest(rule.selector.eventSources, rule.selector.anyCase === true)
      : undefined,
    agents: rule.selector.userAgentContains
      ? userAgentPattern(rule.selector.userAgentContains)
      : undefined,
    canary: isCanaryOnly(rule),
    failed: rule.selector.failed === true,
    earliest: rule.selector.earliestPer !== undefined,
    admit: rule.admit ? (e) => rule.admit?.(e, config.options) === true : undefined,
    allowed: allowListMatcher(config.allow),
    ctx: { ...ctx, options: config.options, state },
    bind(event) {
      current = event;
    },
  };
}

function boundState(
  store: StateStore,
  ns: string,
  current: () => CloudEvent | undefined,
  intern: (s: string) => string,
): RuleState {
  return {
    window(key, value, windowMs) {
      const e = current();
      if (e?.timeMs === undefined) return [];
      const event = summary(e, intern);
      const entry: WindowEntry = {
        eventId: e.eventId,
        timeMs: e.timeMs,
        value: intern(value),
        event,
      };
      store.addEntry(ns, key, entry, 2 * windowMs);
      return store.entries(ns, key, e.timeMs - windowMs, e.timeMs + windowMs);
    },
    seenBefore(key, value, lookbackMs) {
      const e = current();
      if (e?.timeMs === undefined) return undefined;
      const before = lastBefore(store, ns, key, value, e.timeMs, lookbackMs);
      store.addSighting(ns, key, value, e.timeMs, lookbackMs + HOUR_MS);
      return before;
    },
  };
}

function lastBefore(
  store: StateStore,
  ns: string,
  key: string,
  value: string,
  beforeMs: number,
  lookbackMs: number,
): number | undefined {
  // Sightings are hour buckets: one in the event's own hour does not count as "before".
  const own = Math.floor(beforeMs / HOUR_MS) * HOUR_MS;
  return store.latestSighting(ns, key, value, beforeMs - lookbackMs, own - 1);
}

function readerFor(store: StateStore, ns: string): RuleStateReader {
  return {
    lastSeenBefore: (key, value, beforeMs, lookbackMs) =>
      lastBefore(store, ns, key, value, beforeMs, lookbackMs),
    firstSeen: (key, value) =>
      value === undefined
        ? store.earliestSighting(ns, key)
        : store.sightings(ns, key, value, -Infinity, Infinity)[0],
    keysWith: (value, keyContains) => store.keysWith(ns, value, keyContains),
  };
}

function hitsOf(rule: string, event: CloudEvent, s: RuleSignal): HitSummary[] {
  if (!s.events) return [fixedHit(summary(event), rule, s, s.note)];
  return s.events.map((w) =>
    fixedHit(w.event, rule, s, w.eventId === event.eventId ? s.note : undefined),
  );
}

/**
 * A hit in one fixed shape: every key present, absent facts `undefined`. Objects built key by key
 * with some keys left out get many hidden classes (V8 "maps"): a run's 30,000 kept hits held 11 MB
 * of them. `intern` lets a caller share repeated strings (see `compactHit`).
 */
export function fixedHit(
  e: EventSummary,
  rule: string,
  s: { readonly groupKey: string; readonly tokenId?: string | undefined },
  note: HitSummary['note'],
  intern: (s: string) => string = same,
): HitSummary {
  // One literal, not a spread of the summary: V8 gave each spread copy a hidden class of its own.
  const opt = (v: string | undefined): string | undefined => (v === undefined ? v : intern(v));
  const h = {
    eventId: e.eventId,
    eventName: intern(e.eventName),
    eventSource: intern(e.eventSource),
    region: intern(e.region),
    time: e.time,
    timeMs: e.timeMs,
    sourceIp: opt(e.sourceIp),
    userAgent: opt(e.userAgent),
    userAgentClass: opt(e.userAgentClass),
    accessKeyId: opt(e.accessKeyId),
    principalArn: opt(e.principalArn),
    accountId: opt(e.accountId),
    errorCode: opt(e.errorCode),
    rule: intern(rule),
    groupKey: intern(s.groupKey),
    tokenId: s.tokenId,
    note,
  };
  return h as HitSummary;
}

/** The same hit with repeated strings shared through `intern` (hits kept until a run ends). */
export function compactHit(h: HitSummary, intern: (s: string) => string): HitSummary {
  return fixedHit(h, h.rule, h, h.note, intern);
}

const same = (s: string): string => s;

/**
 * The event facts a hit keeps (absent facts `undefined`, in one shape: see {@link fixedHit}), the
 * repeated ones shared through `intern`.
 */
export function summary(e: CloudEvent, intern: (s: string) => string = same): EventSummary {
  const opt = (v: string | undefined): string | undefined => (v === undefined ? v : intern(v));
  const h = {
    eventId: e.eventId,
    eventName: intern(e.eventName),
    eventSource: intern(e.eventSource),
    region: intern(e.region),
    time: e.time,
    timeMs: e.timeMs,
    sourceIp: opt(e.sourceIp),
    userAgent: opt(e.userAgent),
    userAgentClass: opt(e.userAgentClass),
    accessKeyId: opt(e.identity.accessKeyId),
    principalArn: opt(e.identity.arn ?? e.identity.issuerArn),
    accountId: opt(e.identity.accountId ?? e.recipientAccountId),
    errorCode: opt(e.errorCode),
  };
  return h as EventSummary;
}
