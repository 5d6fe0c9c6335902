/**
 * The Safety Net pass: IAM's last-used data for every active canary key (GetAccessKeyLastUsed,
 * rate-limited, and the credential report when one can be had without waiting) compared with the
 * latest CloudTrail event stored for each canary. Use that CloudTrail never showed becomes a
 * `honeytoken.unlogged-use` finding, stored once per last-used time.
 */
import type { Finding, Token } from './core/index.js';
import { describeError } from './core/index.js';
import type { IamPort } from './aws/ports.js';
import type { LastUseObservation } from './detect/safety-net.js';
import { evaluateSafetyNet } from './detect/safety-net.js';
import { parseCredentialReport } from './sources/credential-report.js';
import type { Workspace } from './app.js';

const ALERTED_KEY = 'safety-net:alerted';

/** Options of one pass. */
export interface SafetyNetOptions {
  readonly requestsPerSecond: number;
  readonly useCredentialReport: boolean;
  readonly granularityMs: number;
  readonly log: (line: string) => void;
  /** Waits between rate-limited calls (tests pass a fake clock's sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What a pass did. */
export interface SafetyNetRun {
  readonly findings: Finding[];
  readonly checked: number;
  readonly keysQueried: number;
  readonly reportUsed: boolean;
  /** Keys whose last-used data could not be read (never counted as "not used"). */
  readonly indeterminate: { tokenId: string; error: string }[];
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function fromApi(iam: IamPort, tokens: readonly Token[], o: SafetyNetOptions) {
  const observations: LastUseObservation[] = [];
  const indeterminate: { tokenId: string; error: string }[] = [];
  const gap = 1000 / o.requestsPerSecond;
  const start = Date.now();
  for (const [i, t] of tokens.entries()) {
    // Paced against the start, so slow calls do not stretch the sweep below the configured rate.
    const due = start + i * gap - Date.now();
    if (due > 0) await (o.sleep ?? wait)(due);
    try {
      const u = await iam.getAccessKeyLastUsed(t.accessKeyId);
      if (u.lastUsedDate) {
        observations.push({
          tokenId: t.id,
          accessKeyId: t.accessKeyId,
          lastUsedDate: u.lastUsedDate,
          via: 'GetAccessKeyLastUsed',
          ...(u.serviceName ? { service: u.serviceName } : {}),
          ...(u.region ? { region: u.region } : {}),
        });
      }
    } catch (err) {
      indeterminate.push({ tokenId: t.id, error: describeError(err) });
    }
  }
  return { observations, indeterminate };
}

/** The credential report's last-used dates (both key slots) when a report is ready now. */
async function fromReport(
  iam: IamPort,
  tokens: readonly Token[],
  o: SafetyNetOptions,
): Promise<LastUseObservation[] | undefined> {
  let report = await iam.getCredentialReport();
  if (report.state === 'not-present' || report.state === 'expired') {
    await iam.generateCredentialReport();
    report = await iam.getCredentialReport();
  }
  if (report.state !== 'ready') {
    o.log(
      `safety net: credential report is ${report.state}; this pass uses GetAccessKeyLastUsed only (the next pass picks the report up)`,
    );
    return undefined;
  }
  const parsed = parseCredentialReport(report.csv);
  for (const p of parsed.problems.slice(0, 5)) o.log(`safety net: credential report: ${p}`);
  const byUser = new Map(tokens.flatMap((t) => (t.userName ? [[t.userName, t] as const] : [])));
  return parsed.rows.flatMap((row) => {
    const t = byUser.get(row.user);
    if (!t) return [];
    return row.keys.flatMap((k) =>
      k.lastUsedDate
        ? [
            {
              tokenId: t.id,
              accessKeyId: t.accessKeyId,
              lastUsedDate: k.lastUsedDate,
              via: 'credential-report' as const,
              ...(k.lastUsedService ? { service: k.lastUsedService } : {}),
              ...(k.lastUsedRegion ? { region: k.lastUsedRegion } : {}),
            },
          ]
        : [],
    );
  });
}

/** Latest stored CloudTrail time per token, over its key, learned session keys and ARNs. */
function lastCloudTrail(ws: Workspace, tokens: readonly Token[]): Map<string, number> {
  const facts = ws.store.facts();
  const out = new Map<string, number>();
  for (const t of tokens) {
    const mine = facts.filter((f) => f.tokenId === t.id);
    const events = ws.store.findEventsByIdentity({
      accessKeyIds: [
        t.accessKeyId,
        ...mine.filter((f) => f.kind === 'session-key').map((f) => f.value),
      ],
      principalArns: [
        ...(t.userArn ? [t.userArn] : []),
        ...mine
          .filter((f) => f.kind === 'user-arn' || f.kind === 'federated-arn')
          .map((f) => f.value),
      ],
    });
    for (const e of events)
      if (e.timeMs !== undefined && e.timeMs > (out.get(t.id) ?? -Infinity))
        out.set(t.id, e.timeMs);
  }
  return out;
}

/** One Safety Net pass over the workspace's active canaries. */
export async function runSafetyNet(
  ws: Workspace,
  iam: IamPort,
  o: SafetyNetOptions,
): Promise<SafetyNetRun> {
  const tokens = ws.store.list({ status: 'active' });
  const api = await fromApi(iam, tokens, o);
  let report: LastUseObservation[] | undefined;
  if (o.useCredentialReport) {
    try {
      report = await fromReport(iam, tokens, o);
    } catch (err) {
      o.log(
        `safety net: credential report unavailable (${describeError(err)}); using GetAccessKeyLastUsed only`,
      );
    }
  }
  const alreadyAlerted = new Map(
    Object.entries(JSON.parse(ws.store.getValue(ALERTED_KEY) ?? '{}') as Record<string, string>),
  );
  const result = evaluateSafetyNet({
    tokens,
    observations: [...api.observations, ...(report ?? [])],
    lastCloudTrail: lastCloudTrail(ws, tokens),
    alreadyAlerted,
    granularityMs: o.granularityMs,
  });
  ws.store.transaction(() => {
    ws.store.upsertFindings(result.findings);
    ws.store.setValue(ALERTED_KEY, JSON.stringify(Object.fromEntries(result.alerted)));
  });
  return {
    findings: result.findings,
    checked: result.checked,
    keysQueried: tokens.length,
    reportUsed: report !== undefined,
    indeterminate: api.indeterminate,
  };
}
