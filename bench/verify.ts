/**
 * Correctness of a detector run against the data set's manifest: the eventIDs of the canary
 * findings must be exactly the manifest's canary events, and the run's stats must account for
 * every record.
 */

/** The parts of a finding the benchmark reads. */
export interface FindingLine {
  readonly rule: string;
  readonly eventIds: readonly string[];
  readonly tokenId?: string;
}

/** The `stats {json}` line `keysnare detect --stats` prints last on stderr. */
export interface DetectStats {
  readonly files: number;
  readonly records: number;
  readonly rejected: number;
  readonly findings: number;
  readonly elapsedMs: number;
  readonly maxRssBytes: number;
  /** Files skipped whole by a pre-filter (their records are then not counted in `records`). */
  readonly passedOver?: number;
  /** Records parsed and offered to the rules. */
  readonly considered?: number;
}

/** Outcome of comparing a run with the manifest. */
export interface Verification {
  readonly ok: boolean;
  readonly expected: number;
  /** Expected canary eventIDs found in canary findings. */
  readonly found: number;
  readonly missing: readonly string[];
  /** eventIDs in canary findings that are not canary events (false positives). */
  readonly extra: readonly string[];
  /** Findings from other rules, by rule id (reported, not judged). */
  readonly otherFindings: Readonly<Record<string, number>>;
  /** eventIDs of other findings that are not canary events (for the report). */
  readonly otherEventIds: number;
  readonly problems: readonly string[];
}

/** A canary finding: it names a token, or comes from a `honeytoken.*` rule. */
export function isCanaryFinding(f: FindingLine): boolean {
  return f.tokenId !== undefined || f.rule.startsWith('honeytoken.');
}

/** Parse the findings printed by `--format jsonl`; throws on a line that is not a finding. */
export function parseFindings(stdout: string): FindingLine[] {
  const out: FindingLine[] = [];
  stdout.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const f = JSON.parse(line) as Partial<FindingLine> | null;
    if (!f || typeof f.rule !== 'string' || !Array.isArray(f.eventIds)) {
      throw new TypeError(`stdout line ${i + 1} is not a finding (needs rule and eventIds)`);
    }
    out.push({
      rule: f.rule,
      eventIds: f.eventIds.map(String),
      ...(f.tokenId ? { tokenId: String(f.tokenId) } : {}),
    });
  });
  return out;
}

/** Read the last `stats {json}` line of stderr, or undefined when there is none. */
export function parseStats(stderr: string): DetectStats | undefined {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1];
  if (last === undefined || !last.startsWith('stats ')) return undefined;
  const s = JSON.parse(last.slice('stats '.length)) as Partial<DetectStats>;
  const fields = ['files', 'records', 'rejected', 'findings', 'elapsedMs', 'maxRssBytes'] as const;
  for (const k of fields) if (typeof s[k] !== 'number') return undefined;
  return s as DetectStats;
}

/**
 * Every record was read, or the records not counted are in files a pre-filter passed over whole.
 */
function recordsAccountedFor(stats: DetectStats, expected: number): boolean {
  if (stats.records === expected) return true;
  return (stats.passedOver ?? 0) > 0 && stats.records < expected;
}

/** Compare findings and stats with the manifest. */
export function verifyRun(
  findings: readonly FindingLine[],
  stats: DetectStats,
  expected: {
    readonly records: number;
    readonly files: number;
    readonly canaryEventIds: readonly string[];
  },
): Verification {
  const want = new Set(expected.canaryEventIds);
  const got = new Set<string>();
  const other = new Set<string>();
  const otherFindings: Record<string, number> = {};
  for (const f of findings) {
    if (isCanaryFinding(f)) {
      for (const id of f.eventIds) got.add(id);
    } else {
      otherFindings[f.rule] = (otherFindings[f.rule] ?? 0) + 1;
      for (const id of f.eventIds) if (!want.has(id)) other.add(id);
    }
  }
  const missing = [...want].filter((id) => !got.has(id));
  const extra = [...got].filter((id) => !want.has(id));
  const problems = [
    missing.length > 0 && `${missing.length} canary events not found`,
    extra.length > 0 && `${extra.length} events wrongly reported as canary use`,
    stats.files !== expected.files && `stats.files is ${stats.files}, expected ${expected.files}`,
    !recordsAccountedFor(stats, expected.records) &&
      `stats.records is ${stats.records}, expected ${expected.records}`,
    stats.rejected !== 0 && `${stats.rejected} records or files rejected`,
    stats.findings !== findings.length &&
      `stats.findings is ${stats.findings} but ${findings.length} were printed`,
  ].filter((p): p is string => typeof p === 'string');
  return {
    ok: problems.length === 0,
    expected: want.size,
    found: want.size - missing.length,
    missing,
    extra,
    otherFindings,
    otherEventIds: other.size,
    problems,
  };
}
