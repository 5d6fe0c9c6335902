/**
 * The canary detectability auditor ("canary lint", reference/landscape.md §e item 1): for each
 * token, could an attacker tell it is a canary without triggering it? Runs every registered check,
 * keeps "couldn't tell" apart from "clean", and scores each token.
 */
import type { IamPort } from '../../aws/ports.js';
import { describeError } from '../../core/errors.js';
import { keyAnatomy } from '../../core/key-anatomy.js';
import { indeterminate, ok, type Outcome } from '../../core/outcome.js';
import type { Token } from '../../core/token.js';
import { auditChecks } from './checks/index.js';
import { cleanText } from './text.js';

/** How much a problem gives the canary away. */
export type AuditSeverity = 'high' | 'medium' | 'low';

/** One way a canary can be recognised, and how to fix it. */
export interface AuditProblem {
  /** `<check id>/<what>`, stable. */
  code: string;
  severity: AuditSeverity;
  message: string;
  fix: string;
}

/** The audit of one token. */
export interface AuditResult {
  tokenId: string;
  accessKeyId: string;
  /** Decoded from the key id when possible, else as recorded. */
  accountId?: string;
  /** 0..100; 100 = indistinguishable from an ordinary key as far as the checks can tell. */
  score: number;
  /** Most severe first. */
  problems: AuditProblem[];
  /** Ids of the checks that completed. */
  checked: string[];
  /** Checks that could not tell (AWS error, missing data) — neither clean nor a problem. */
  indeterminate: { check: string; error: string }[];
  /** Informational remarks from checks (for example "legacy key id: account not decodable"). */
  notes: { check: string; note: string }[];
}

/** What checks may use besides the token. */
export interface AuditContext {
  /** Every token in the registry (for cross-token checks such as a shared account). */
  allTokens: readonly Token[];
  /** IAM of the canary account; absent when auditing offline. */
  iam?: IamPort;
  /** The token's rendered bait, when the caller can render it. */
  renderedBait?: (token: Token) => { format: string; text: string }[];
}

/** One detectability check. */
export interface AuditCheck {
  id: string;
  title: string;
  /** True when the check calls AWS; live checks run only when `ctx.iam` is given. */
  live: boolean;
  /** Whether the check can run with this context; default: live checks need `ctx.iam`. */
  applies?(ctx: AuditContext): boolean;
  run(token: Token, ctx: AuditContext): Promise<AuditProblem[]> | AuditProblem[];
  /** An informational remark about the token, not a problem. */
  note?(token: Token, ctx: AuditContext): string | undefined;
}

/** Points taken off the score per problem. */
export const SEVERITY_PENALTY: Readonly<Record<AuditSeverity, number>> = {
  high: 40,
  medium: 20,
  low: 5,
};

const SEVERITY_ORDER: readonly AuditSeverity[] = ['high', 'medium', 'low'];

/** 100 minus the penalty of every problem, never below 0. */
export function scoreProblems(problems: readonly AuditProblem[]): number {
  const penalty = problems.reduce((sum, p) => sum + SEVERITY_PENALTY[p.severity], 0);
  return Math.max(0, 100 - penalty);
}

function applies(check: AuditCheck, ctx: AuditContext): boolean {
  if (check.applies) return check.applies(ctx);
  return !check.live || ctx.iam !== undefined;
}

async function runCheck(
  check: AuditCheck,
  token: Token,
  ctx: AuditContext,
): Promise<Outcome<AuditProblem[]>> {
  try {
    return ok(await check.run(token, ctx));
  } catch (err) {
    return indeterminate(cleanText(describeError(err), 300));
  }
}

async function auditToken(
  token: Token,
  ctx: AuditContext,
  checks: readonly AuditCheck[],
): Promise<AuditResult> {
  const problems: AuditProblem[] = [];
  const result: Omit<AuditResult, 'score' | 'problems'> = {
    tokenId: token.id,
    accessKeyId: token.accessKeyId,
    ...accountOf(token),
    checked: [],
    indeterminate: [],
    notes: [],
  };
  for (const check of checks.filter((c) => applies(c, ctx))) {
    // Sequential on purpose: live checks share one IAM client and its rate limit.
    const outcome = await runCheck(check, token, ctx);
    if (outcome.kind === 'ok') {
      problems.push(...outcome.value);
      result.checked.push(check.id);
      const note = check.note?.(token, ctx);
      if (note !== undefined) result.notes.push({ check: check.id, note });
    } else if (outcome.kind === 'indeterminate') {
      result.indeterminate.push({ check: check.id, error: outcome.error });
    } else {
      result.indeterminate.push({ check: check.id, error: outcome.reason });
    }
  }
  problems.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  return { ...result, score: scoreProblems(problems), problems };
}

function accountOf(token: Token): { accountId?: string } {
  const accountId = keyAnatomy(token.accessKeyId).accountId ?? token.accountId;
  return accountId === undefined ? {} : { accountId };
}

/**
 * Audit each token with every registered check (or `checks`). Live checks run only with
 * `ctx.iam`; a check that throws is recorded in `indeterminate`, never as clean.
 */
export async function auditTokens(
  tokens: readonly Token[],
  ctx: AuditContext,
  checks: readonly AuditCheck[] = auditChecks,
): Promise<AuditResult[]> {
  const results: AuditResult[] = [];
  for (const token of tokens) results.push(await auditToken(token, ctx, checks));
  return results;
}
