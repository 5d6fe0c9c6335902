/**
 * `ingest`: the pipeline into the workspace. Events are stored once per eventID; hits are stored so
 * findings can be regrouped when later files add events to a group; canary identifiers learned in
 * any run are looked up among all stored events, so neither file order nor registration order
 * matters. A finding keeps its id when it grows.
 */
import type { Finding, RecordRejection, StoredHit, Token } from '../core/index.js';
import type { Engine, HitSummary } from '../detect/index.js';
import {
  buildFinding,
  clusterHits,
  createCanaryIndex,
  createEngine,
  rules,
  withPrevious,
} from '../detect/index.js';
import type { Workspace } from '../app.js';
import { canaryTokens, managementPrincipals } from '../app.js';
import type { RunStats } from './run.js';
import { runFiles } from './run.js';

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
  readonly stats: RunStats;
  readonly newEvents: number;
  readonly duplicates: number;
  /** Findings created or changed by this run. */
  readonly changed: Finding[];
}

/** Ingest files into the workspace. */
export async function ingestFiles(ws: Workspace, o: IngestOptions): Promise<IngestResult> {
  const tokens = await canaryTokens(ws, [], o.now());
  let newEvents = 0;
  let duplicates = 0;
  const run = await runFiles({
    files: o.files,
    tokens,
    facts: ws.store.facts(),
    managementPrincipals: managementPrincipals(ws),
    limits: ws.config.limits,
    nowMs: o.now().getTime(),
    quietGapMs: o.quietGapMs,
    workers: o.workers,
    onEvents: (events) => {
      const inserted = ws.store.insertEvents(events);
      newEvents += inserted.size;
      duplicates += events.length - inserted.size;
    },
    ...(o.onRejection ? { onRejection: o.onRejection } : {}),
    ...(o.onSkipped ? { onSkipped: o.onSkipped } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  ws.store.addFacts(run.facts);
  const ctx = contextFor(tokens, ws);
  o.onStage?.('looking up canary identifiers among stored events');
  const hits = [...run.hits, ...retroactiveHits(ws, tokens, ctx)];
  o.onStage?.(`grouping ${hits.length} canary event(s) into findings`);
  const changed = ws.store.transaction(() => storeHitsAndRegroup(ws, hits, ctx, o.quietGapMs));
  return { stats: run.stats, newEvents, duplicates, changed };
}

function contextFor(tokens: readonly Token[], ws: Workspace): Engine {
  return createEngine(rules, {
    canaries: createCanaryIndex(tokens, ws.store.facts()),
    managementPrincipals: new Set(managementPrincipals(ws)),
  });
}

/** Re-evaluate stored events made by any canary identifier (covers late-learned ids). */
function retroactiveHits(ws: Workspace, tokens: readonly Token[], engine: Engine): HitSummary[] {
  const facts = ws.store.facts();
  const accessKeyIds = [
    ...tokens.map((t) => t.accessKeyId),
    ...facts.filter((f) => f.kind === 'session-key').map((f) => f.value),
  ];
  const principalArns = [
    ...tokens.flatMap((t) => (t.userArn ? [t.userArn] : [])),
    ...facts.filter((f) => f.kind === 'user-arn' || f.kind === 'federated-arn').map((f) => f.value),
  ];
  const hits: HitSummary[] = [];
  for (const ev of ws.store.findEventsByIdentity({ accessKeyIds, principalArns })) {
    for (const h of engine.evaluate(ev).hits) hits.push(h);
  }
  return hits;
}

function storeHitsAndRegroup(
  ws: Workspace,
  hits: readonly HitSummary[],
  ctx: Engine,
  gapMs: number,
): Finding[] {
  const toStore: StoredHit[] = hits.map((h) => ({
    rule: h.rule,
    groupKey: h.groupKey,
    eventId: h.eventId,
    ...(h.timeMs !== undefined ? { timeMs: h.timeMs } : {}),
    data: h as unknown as Record<string, unknown>,
  }));
  ws.store.insertHits(toStore);
  const groups = new Map<string, { rule: string; groupKey: string }>();
  for (const h of hits)
    groups.set(`${h.rule}\u0000${h.groupKey}`, { rule: h.rule, groupKey: h.groupKey });
  const byId = new Map(rules.map((r) => [r.id, r]));
  const changed: Finding[] = [];
  for (const { rule: ruleId, groupKey } of groups.values()) {
    const rule = byId.get(ruleId);
    if (!rule) continue;
    const stored = ws.store.hitsForGroup(ruleId, groupKey);
    const owner = new Map(stored.map((s) => [s.eventId, s.findingId]));
    const clusters = clusterHits(
      stored.map((s) => s.data as unknown as HitSummary),
      gapMs,
    );
    for (const { cluster, previous } of withPrevious(clusters)) {
      const ids = [
        ...new Set(cluster.map((h) => owner.get(h.eventId)).filter((x): x is string => !!x)),
      ].sort();
      const keep = ids[0];
      const finding = buildFinding(rule, cluster, ctx, keep, previous);
      const grew = cluster.some((h) => owner.get(h.eventId) !== finding.id);
      if (ids.length > 1) ws.store.deleteFindings(ids.slice(1));
      if (grew || ids.length > 1) {
        ws.store.upsertFindings([finding]);
        ws.store.setHitFinding(
          ruleId,
          cluster.map((h) => h.eventId),
          finding.id,
        );
        changed.push(finding);
      }
    }
  }
  return changed;
}
