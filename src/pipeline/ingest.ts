/**
 * `ingest`: the pipeline into the workspace store, in its one order: files are read and
 * normalized (in workers), each event is offered to the store, which keeps it once per eventID,
 * and only the events that were new run through the rules — so ingesting a file again runs no
 * rule and adds nothing. Rule state (windows, first-seen sets) is kept in the store between runs,
 * so successive runs see one continuous window. Hits are stored so findings can be regrouped when
 * later files add events to a group; canary identifiers learned or registered since the last run
 * replay the stored events their rules select, so neither file order nor registration order
 * matters. A finding keeps its id when it grows.
 */
import { createHash } from 'node:crypto';
import type { AlertingDeps } from './alerting.js';
import { recordIncidents } from './alerting.js';
import type {
  CloudEvent,
  Finding,
  Incident,
  RecordRejection,
  StoredHit,
  Token,
  TokenFact,
  WorkspaceStore,
} from '../core/index.js';
import { stablePrincipal } from '../core/index.js';
import type {
  Engine,
  HitSummary,
  IpLookup,
  Rule,
  RuleConfig,
  SigmaSet,
  StateSnapshot,
} from '../detect/index.js';
import {
  buildFinding,
  clusterHits,
  settleHits,
  createCanaryIndex,
  createEngine,
  createMemoryState,
  isCanaryOnly,
  principalGroupKey,
  raiseByCanaryContact,
  ruleConfigs,
  ruleSet,
  withPrevious,
} from '../detect/index.js';
import type { FileLimits } from './read.js';
import type { RunStats } from './run.js';
import { readEvents } from './run.js';

/** What ingest works on: the store and the values app.ts reads from the workspace. */
export interface IngestDeps {
  readonly store: WorkspaceStore;
  /** Canary tokens: the registry plus configured token files. */
  readonly tokens: readonly Token[];
  readonly managementPrincipals: readonly string[];
  readonly limits: FileLimits;
  readonly ruleConfig?: Readonly<Record<string, RuleConfig | undefined>>;
  /** Offline IP context for the rules that read it. */
  readonly ip?: IpLookup;
  /** Sigma rules run beside the built-ins. */
  readonly sigma?: SigmaSet;
  /** Incidents and the outbox: when given, changed findings are grouped and alerts queued. */
  readonly alerting?: AlertingDeps;
}

/** Options of {@link ingestFiles}. */
export interface IngestOptions {
  readonly files: readonly string[];
  readonly quietGapMs: number;
  readonly workers: number;
  readonly now: () => Date;
  readonly onRejection?: (r: RecordRejection) => void;
  readonly onSkipped?: (file: string, why: string) => void;
  readonly onProgress?: (done: number, total: number, s: RunStats) => void;
  /** Names each phase after the files are read (it can take a while on a large workspace). */
  readonly onStage?: (what: string) => void;
}

/** What an ingest run did. */
export interface IngestResult {
  /** `considered` counts the new events that ran through the rules. */
  readonly stats: RunStats;
  readonly newEvents: number;
  readonly duplicates: number;
  /** Findings created or changed by this run. */
  readonly changed: Finding[];
  /** Incidents this run opened or changed, and the alerts it queued. */
  readonly incidents: readonly Incident[];
  readonly alertsQueued: number;
}

const STATE_KEY = 'rules:state';
const REPLAYED_KEY = 'rules:replayed-identifiers';

/** Ingest files into the workspace store. */
export async function ingestFiles(deps: IngestDeps, o: IngestOptions): Promise<IngestResult> {
  const { store } = deps;
  const saved = await store.getValue(STATE_KEY);
  const state = createMemoryState(saved ? (JSON.parse(saved) as StateSnapshot) : undefined);
  const rules = ruleSet(deps.sigma);
  const engine = createEngine(rules, {
    canaries: createCanaryIndex(deps.tokens, await store.facts()),
    managementPrincipals: new Set(deps.managementPrincipals),
    ruleConfig: ruleConfigs(rules, deps.ruleConfig),
    state,
    ...(deps.ip ? { ip: deps.ip } : {}),
  });
  // Sigma rules match the record as logged: the stored text is parsed again for them.
  const record = engine.rules.some((r) => r.readsRecord === true);
  const hits: HitSummary[] = [];
  const learned: TokenFact[] = [];
  // Principals this run saw, with their earliest event time: where it is earlier than any stored
  // hit of theirs, their settling rules' groups are settled again.
  const principals = new Map<string, number>();
  let newEvents = 0;
  let duplicates = 0;
  let newestMs = -Infinity;
  const stats = await readEvents({
    files: o.files,
    managementPrincipals: deps.managementPrincipals,
    limits: deps.limits,
    nowMs: o.now().getTime(),
    workers: o.workers,
    onEvents: async (events) => {
      const inserted = await store.insertEvents(events);
      newEvents += inserted.size;
      duplicates += events.length - inserted.size;
      for (const { event, raw } of events) {
        if (!inserted.has(event.eventId)) continue;
        if (record) withRecord(event, raw);
        if (event.timeMs !== undefined && event.timeMs > newestMs) newestMs = event.timeMs;
        const who = stablePrincipal(event.identity);
        principals.set(who, Math.min(event.timeMs ?? Infinity, principals.get(who) ?? Infinity));
        const out = engine.evaluate(event);
        hits.push(...out.hits);
        learned.push(...out.facts);
      }
    },
    ...(o.onRejection ? { onRejection: o.onRejection } : {}),
    ...(o.onSkipped ? { onSkipped: o.onSkipped } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  stats.considered = newEvents;
  await store.addFacts(learned);
  o.onStage?.('looking up canary identifiers among stored events');
  const replay = await replayHits(deps, engine);
  hits.push(...replay.hits);
  o.onStage?.(`grouping ${hits.length} rule hit(s) into findings`);
  const changed = await store.transaction(async () => {
    const regrouped = await storeHitsAndRegroup(store, hits, engine, o.quietGapMs, principals);
    // A source IP that touched a canary raises every stored finding of that IP, earlier ones too.
    const raised = raiseByCanaryContact(await store.listFindings());
    if (raised.length > 0) await store.upsertFindings(raised);
    const byId = new Map([...regrouped, ...raised].map((f) => [f.id, f]));
    const out = [...byId.values()];
    // What the saved state keeps: each rule's retention behind the newest event seen (the next
    // run continues the window from there; an event older than that comes too late for it).
    if (newestMs > -Infinity) state.evict(newestMs);
    await store.setValue(STATE_KEY, JSON.stringify(state.snapshot()));
    await store.setValue(REPLAYED_KEY, replay.identifiers);
    const grouped = deps.alerting
      ? await recordIncidents(deps.alerting, out)
      : { updates: [], alerts: [] };
    return { out, grouped };
  });
  return {
    stats,
    newEvents,
    duplicates,
    changed: changed.out,
    incidents: changed.grouped.updates.map((u) => u.incident),
    alertsQueued: changed.grouped.alerts.length,
  };
}

/** Every identifier tied to a canary, by what the store can look events up by. */
async function canaryIdentifiers(deps: IngestDeps) {
  const facts = await deps.store.facts();
  const values = (kinds: readonly TokenFact['kind'][]): string[] =>
    facts.filter((f) => kinds.includes(f.kind)).map((f) => f.value);
  const sorted = (list: readonly string[]): string[] => [...new Set(list)].sort();
  return {
    accessKeyIds: sorted([
      ...deps.tokens.map((t) => t.accessKeyId),
      ...values(['session-key', 'previous-key']),
    ]),
    principalArns: sorted([
      ...deps.tokens.flatMap((t) => (t.userArn ? [t.userArn] : [])),
      ...values(['user-arn', 'federated-arn']),
    ]),
    targetUserNames: sorted(
      [
        ...deps.tokens.flatMap((t) => (t.userName ? [t.userName] : [])),
        ...values(['user-name']),
      ].map((n) => n.toLowerCase()),
    ),
  };
}

/**
 * Replay, for the canary-only rules, the stored events that mention a canary identifier — made
 * with its keys or by its ARNs, or (for IAM calls) acting on its user — when the identifiers
 * changed since the last run (a token registered, a session key learned). Other rules never
 * replay: their events ran through them when they were stored.
 */
async function replayHits(
  deps: IngestDeps,
  engine: Engine,
): Promise<{ hits: HitSummary[]; identifiers: string }> {
  const query = await canaryIdentifiers(deps);
  const identifiers = createHash('sha256')
    .update(JSON.stringify([query, [...deps.managementPrincipals].sort()]))
    .digest('hex');
  if ((await deps.store.getValue(REPLAYED_KEY)) === identifiers) return { hits: [], identifiers };
  const replayer = createEngine(engine.rules.filter(isCanaryOnly), {
    canaries: engine.ctx.canaries,
    managementPrincipals: engine.ctx.managementPrincipals,
    ruleConfig: ruleConfigs(engine.rules, deps.ruleConfig),
  });
  const hits: HitSummary[] = [];
  for (const ev of await deps.store.findEventsByIdentity(query))
    hits.push(...replayer.evaluate(ev).hits);
  return { hits, identifiers };
}

async function storeHitsAndRegroup(
  store: WorkspaceStore,
  hits: readonly HitSummary[],
  ctx: Engine,
  gapMs: number,
  principals: ReadonlyMap<string, number>,
): Promise<Finding[]> {
  const toStore: StoredHit[] = hits.map((h) => ({
    rule: h.rule,
    groupKey: h.groupKey,
    eventId: h.eventId,
    ...(h.timeMs !== undefined ? { timeMs: h.timeMs } : {}),
    data: h as unknown as Record<string, unknown>,
  }));
  const groups = new Map<string, { rule: string; groupKey: string }>();
  // A settling rule's verdict on a stored group without new hits changes only when its principal
  // is now seen earlier than before (the learning period): so when this run holds an event of the
  // principal older than every hit of it stored before this run (each was a sighting too), its
  // groups are settled again. An earlier call within a group is a new hit of that group. (Beyond
  // the state's retention the sightings are gone while the hits stay: lateness is bounded.)
  for (const rule of ctx.rules.filter((r) => r.settle !== undefined)) {
    for (const [principal, earliest] of principals) {
      const stored = await store.hitGroups(rule.id, principalGroupKey(principal, ''));
      const first = Math.min(...stored.map((g) => g.firstMs ?? Infinity));
      if (earliest >= first) continue;
      for (const { groupKey } of stored)
        groups.set(`${rule.id}\u0000${groupKey}`, { rule: rule.id, groupKey });
    }
  }
  await store.insertHits(toStore);
  for (const h of hits)
    groups.set(`${h.rule}\u0000${h.groupKey}`, { rule: h.rule, groupKey: h.groupKey });
  const byId = new Map<string, Rule>(ctx.rules.map((r) => [r.id, r]));
  const changed: Finding[] = [];
  for (const { rule: ruleId, groupKey } of groups.values()) {
    const rule = byId.get(ruleId);
    if (!rule) continue;
    const stored = await store.hitsForGroup(ruleId, groupKey);
    const owner = new Map(stored.map((s) => [s.eventId, s.findingId]));
    // A first-seen rule's hits are settled again with the state so far: files of a later run
    // may hold an earlier call, which then is the finding instead.
    const standing = settleHits(
      stored.map((s) => s.data as unknown as HitSummary),
      [rule],
      ctx,
    );
    const clusters = clusterHits(standing, gapMs);
    // Findings whose hits no longer stand: the first is corrected in place (its id kept, so it
    // is an update, not a second alert), any others are deleted.
    const kept = new Set(standing.map((h) => owner.get(h.eventId)));
    const superseded = rule.settle
      ? [...new Set(owner.values())]
          .filter((id): id is string => id !== undefined && !kept.has(id))
          .sort()
      : [];
    for (const { cluster, previous } of withPrevious(clusters)) {
      const ids = [
        ...new Set(cluster.map((h) => owner.get(h.eventId)).filter((x): x is string => !!x)),
      ].sort();
      const keep = ids[0] ?? superseded.shift();
      const finding = buildFinding(rule, cluster, ctx, keep, previous);
      const grew = cluster.some((h) => owner.get(h.eventId) !== finding.id);
      if (ids.length > 1) await store.deleteFindings(ids.slice(1));
      if (grew || ids.length > 1) {
        await store.upsertFindings([finding]);
        await store.setHitFinding(
          ruleId,
          cluster.map((h) => h.eventId),
          finding.id,
        );
        changed.push(finding);
      }
    }
    if (superseded.length > 0) await store.deleteFindings(superseded);
  }
  return changed;
}

/**
 * Give the event its record as logged, parsed from the stored text only when a rule reads it
 * (most events are offered to no Sigma rule: their names and sources decide first).
 */
function withRecord(event: CloudEvent, text: string): void {
  let parsed: Record<string, unknown> | undefined;
  let done = false;
  Object.defineProperty(event, 'raw', {
    configurable: true,
    enumerable: false,
    get: () => {
      if (!done) [parsed, done] = [parseRecord(text), true];
      return parsed;
    },
  });
}

/** A stored record's text as the object Sigma rules match (undefined if it is not one). */
function parseRecord(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
