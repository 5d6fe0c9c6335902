/**
 * Token files (`token import FILE`, `detect --tokens FILE`): a JSON or YAML list of
 * `{accessKeyId, userName?, userArn?, accountId?, label?, placement?}`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Placement, Token } from '../core/index.js';
import { AppError, describeError, isAppError } from '../core/index.js';
import { parsePlacement, placementFromObject } from './placement.js';

const placementSchema = z.union([
  z.string().max(4096),
  z.record(z.string().regex(/^[A-Za-z_][\w-]{0,63}$/), z.string().max(1024)),
]);

/** One entry of a token file, validated. */
export const tokenEntrySchema = z.strictObject({
  accessKeyId: z
    .string()
    .regex(/^A[A-Z0-9]{3}[A-Z0-9]{12,124}$/, 'expected an access key id like AKIA…'),
  userName: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM user name')
    .optional(),
  userArn: z
    .string()
    .regex(/^arn:aws[\w-]*:iam::\d{12}:user\/[\x21-\x7e]{1,600}$/, 'expected an IAM user ARN')
    .optional(),
  principalId: z
    .string()
    .regex(/^AIDA[A-Z0-9]{12,124}$/)
    .optional(),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit account id')
    .optional(),
  label: z.string().max(256).optional(),
  placement: placementSchema.optional(),
});

/** A token as given in a file (before it has a registry id). */
export type TokenInput = Pick<
  Token,
  'accessKeyId' | 'userName' | 'userArn' | 'principalId' | 'accountId' | 'label' | 'placement'
>;

/** The entry as a {@link TokenInput}; a bad placement throws KS_PLACEMENT_INVALID. */
function toInput(e: z.output<typeof tokenEntrySchema>): TokenInput {
  const placement: Placement | undefined =
    typeof e.placement === 'string'
      ? parsePlacement(e.placement)
      : e.placement && Object.keys(e.placement).length
        ? placementFromObject(e.placement)
        : undefined;
  const userName =
    e.userName ?? (e.userArn ? e.userArn.slice(e.userArn.lastIndexOf('/') + 1) : undefined);
  const accountId = e.accountId ?? e.userArn?.split(':')[4];
  return {
    accessKeyId: e.accessKeyId,
    ...(userName ? { userName } : {}),
    ...(e.userArn ? { userArn: e.userArn } : {}),
    ...(e.principalId ? { principalId: e.principalId } : {}),
    ...(accountId ? { accountId } : {}),
    ...(e.label !== undefined ? { label: e.label } : {}),
    ...(placement && Object.keys(placement).length ? { placement } : {}),
  };
}

/** "invalid placement "x": why" without the code's wrapping, for a problem line. */
function placementProblem(err: unknown): string {
  if (isAppError(err, 'KS_PLACEMENT_INVALID'))
    return `"${String(err.details['input'])}": ${String(err.details['reason'])}`;
  throw err;
}

/** The `token add` options of each token field. */
const OPTION_OF: Record<string, string> = {
  accessKeyId: '--access-key-id',
  userName: '--user-name',
  userArn: '--user-arn',
  accountId: '--account-id',
  label: '--label',
  placement: '--placement',
};

/**
 * A token given as command-line options (`token add`), validated by the token file's rules; every
 * problem is named by its option, all at once (KS_USAGE).
 */
export function tokenFromOptions(
  options: Readonly<Partial<Record<keyof typeof OPTION_OF, string>>>,
): TokenInput {
  const entry = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const problems: string[] = [];
  const r = tokenEntrySchema.safeParse(entry);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const field = String(issue.path[0] ?? '');
      problems.push(`${OPTION_OF[field] ?? field}: ${issue.message}`);
    }
  }
  let input: TokenInput | undefined;
  try {
    if (r.success) input = toInput(r.data);
    else if (
      typeof entry['placement'] === 'string' &&
      !problems.some((p) => p.startsWith('--placement'))
    )
      parsePlacement(entry['placement']);
  } catch (err) {
    problems.push(`--placement ${placementProblem(err)}`);
  }
  if (problems.length === 1) throw new AppError('KS_USAGE', { reason: problems[0] });
  if (problems.length || !input)
    throw new AppError('KS_USAGE', { reason: 'invalid token options' }, { lines: problems });
  return input;
}

/** Parse token file text; every problem is reported at once (file, entry index, field). */
export function parseTokenFile(text: string, file: string): TokenInput[] {
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new AppError(
      'KS_INPUT_INVALID',
      {
        file,
        reason: `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${describeError(err)}`,
      },
      { cause: err },
    );
  }
  const list = Array.isArray(data) ? data : (data as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list)) {
    throw new AppError('KS_INPUT_INVALID', {
      file,
      reason: 'expected a list of tokens (or {tokens: [...]})',
    });
  }
  const problems: string[] = [];
  const out: TokenInput[] = [];
  list.forEach((entry, i) => {
    const r = tokenEntrySchema.safeParse(entry);
    if (!r.success) {
      for (const issue of r.error.issues)
        problems.push(`[${i}]${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`);
      return;
    }
    try {
      out.push(toInput(r.data));
    } catch (err) {
      problems.push(`[${i}].placement ${placementProblem(err)}`);
    }
  });
  if (problems.length) {
    throw new AppError(
      'KS_INPUT_INVALID',
      {
        file,
        reason: `${problems.length} invalid token entr${problems.length === 1 ? 'y' : 'ies'}`,
      },
      { lines: problems },
    );
  }
  return out;
}

/** Read and parse a token file. */
export function readTokenFile(file: string): TokenInput[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('KS_INPUT_READ', { file, reason: describeError(err) }, { cause: err });
  }
  return parseTokenFile(text, file);
}
