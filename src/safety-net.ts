/**
 * The Safety Net pass: IAM's last-used data for every active canary key (GetAccessKeyLastUsed,
 * rate-limited, and the credential report when one can be had without waiting) compared with the
 * latest CloudTrail event stored for each canary. Use that CloudTrail never showed becomes a
 * `honeytoken.unlogged-use` finding, stored once per last-used time.
 */
import type { AlertingDeps } from './pipeline/alerting.js';
import { recordIncidents } from './pipeline/alerting.js';
import type { Finding, Token, WorkspaceStore } from './core/index.js';
import { AppError, describeError, isAppError } from './core/index.js';
import type { IamPort } from './aws/ports.js';
import type { LastUseObservation } from './detect/safety-net.js';
import { evaluateSafetyNet } from './detect/safety-net.js';
import { parseCredentialReport } from './sources/credential-report.js';

const ALERTED_KEY = 'safety-net:alerted';

/** Options of one pass. */
export interface SafetyNetOptions {
  readonly requestsPerSecond: number;
  readonly useCredentialReport: boolean;
  readonly granularityMs: number;
  readonly log: (line: string) => void;
  /** Waits between rate-limited calls (tests pass a fake clock's sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Each new finding as soon as it is made and stored (before the next key is checked). */
  readonly onFinding?: (finding: Finding) => void;
  /** After each key: how many of the active keys have been checked. */
  readonly onProgress?: (checked: number, total: number) => void;
  /** Incidents and the outbox: each finding is grouped and its alerts queued with it. */
  readonly alerting?: AlertingDeps;
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

/**
 * AWS error codes (as awsError gives them, "Exception" stripped) that say the credentials
 * themselves are missing, wrong, expired or not allowed: every later call would fail the same way.
 */
const CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidAccessKeyId',
  'InvalidToken',
  'ExpiredToken',
  'UnrecognizedClient',
  'AuthFailure',
  'AccessDenied',
  'UnauthorizedOperation',
]);

const DENIED_HINT =
  'the Safety Net needs iam:GetAccessKeyLastUsed, and iam:GenerateCredentialReport and iam:GetCredentialReport unless safetyNet.useCredentialReport is false';
const CREDENTIALS_HINT =
  'check the AWS credentials Keysnare runs with (aws.profile or AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, an expired session)';

/** The error that ends the pass when `err` says the credentials cannot work, else undefined. */
function credentialsFailure(operation: string, err: unknown): AppError | undefined {
  const code = isAppError(err) ? err.details['awsCode'] : undefined;
  if (typeof code !== 'string' || !CREDENTIAL_CODES.has(code)) return undefined;
  const denied = code === 'AccessDenied' || code === 'UnauthorizedOperation';
  const op = isAppError(err) ? err.details['operation'] : undefined;
  return new AppError(
    'KS_AWS_CREDENTIALS',
    {
      operation: typeof op === 'string' ? op : operation,
      reason: isAppError(err) ? String(err.details['reason'] ?? describeError(err)) : code,
      hint: denied ? DENIED_HINT : CREDENTIALS_HINT,
    },
    { cause: err },
  );
}

/** One key's GetAccessKeyLastUsed reading (none when never used or unreadable). */
async function lastUsed(
  iam: IamPort,
  t: Token,
  indeterminate: { tokenId: string; error: string }[],
): Promise<LastUseObservation[]> {
  try {
    const u = await iam.getAccessKeyLastUsed(t.accessKeyId);
    if (!u.lastUsedDate) return [];
    return [
      {
        tokenId: t.id,
        accessKeyId: t.accessKeyId,
        lastUsedDate: u.lastUsedDate,
        via: 'GetAccessKeyLastUsed',
        ...(u.serviceName ? { service: u.serviceName } : {}),
        ...(u.region ? { region: u.region } : {}),
      },
    ];
  } catch (err) {
    const fatal = credentialsFailure('GetAccessKeyLastUsed', err);
    if (fatal) throw fatal;
    indeterminate.push({ tokenId: t.id, error: describeError(err) });
    return [];
  }
}

/** The report's observations, or undefined when it cannot be had now (credential errors throw). */
async function reportObservations(
  iam: IamPort,
  tokens: readonly Token[],
  o: SafetyNetOptions,
): Promise<LastUseObservation[] | undefined> {
  try {
    return await fromReport(iam, tokens, o);
  } catch (err) {
    const fatal = credentialsFailure('GetCredentialReport', err);
    if (fatal) throw fatal;
    o.log(
      `safety net: credential report unavailable (${describeError(err)}); using GetAccessKeyLastUsed only`,
    );
    return undefined;
  }
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
async function lastCloudTrail(
  store: WorkspaceStore,
  tokens: readonly Token[],
): Promise<Map<string, number>> {
  const facts = await store.facts();
  const out = new Map<string, number>();
  for (const t of tokens) {
    const mine = facts.filter((f) => f.tokenId === t.id);
    const events = await store.findEventsByIdentity({
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

/**
 * One Safety Net pass over the store's active canaries. The credential report (when used) is
 * read first, then each key is checked at the configured rate; a key's finding is stored and handed
 * to `onFinding` as soon as it is made. Credentials that are missing, refused or not allowed end
 * the pass at the first call with KS_AWS_CREDENTIALS.
 */
export async function runSafetyNet(
  store: WorkspaceStore,
  iam: IamPort,
  o: SafetyNetOptions,
): Promise<SafetyNetRun> {
  const tokens = await store.list({ status: 'active' });
  const report = o.useCredentialReport ? await reportObservations(iam, tokens, o) : undefined;
  const fromReportByToken = new Map<string, LastUseObservation[]>();
  for (const r of report ?? []) {
    fromReportByToken.set(r.tokenId, [...(fromReportByToken.get(r.tokenId) ?? []), r]);
  }
  const seen = await lastCloudTrail(store, tokens);
  let alerted = new Map(
    Object.entries(
      JSON.parse((await store.getValue(ALERTED_KEY)) ?? '{}') as Record<string, string>,
    ),
  );
  const findings: Finding[] = [];
  const indeterminate: { tokenId: string; error: string }[] = [];
  let checked = 0;
  const gap = 1000 / o.requestsPerSecond;
  const start = Date.now();
  for (const [i, t] of tokens.entries()) {
    // Paced against the start, so slow calls do not stretch the sweep below the configured rate.
    const due = start + i * gap - Date.now();
    if (due > 0) await (o.sleep ?? wait)(due);
    const result = evaluateSafetyNet({
      tokens: [t],
      observations: [
        ...(await lastUsed(iam, t, indeterminate)),
        ...(fromReportByToken.get(t.id) ?? []),
      ],
      lastCloudTrail: seen,
      alreadyAlerted: alerted,
      granularityMs: o.granularityMs,
    });
    checked += result.checked;
    if (result.findings.length > 0) {
      alerted = result.alerted;
      await store.transaction(async () => {
        await store.upsertFindings(result.findings);
        await store.setValue(ALERTED_KEY, JSON.stringify(Object.fromEntries(alerted)));
        if (o.alerting) await recordIncidents(o.alerting, result.findings);
      });
      for (const f of result.findings) {
        findings.push(f);
        o.onFinding?.(f);
      }
    }
    o.onProgress?.(i + 1, tokens.length);
  }
  return {
    findings: findings.sort((a, b) =>
      a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1,
    ),
    checked,
    keysQueried: tokens.length,
    reportUsed: report !== undefined,
    indeterminate,
  };
}
