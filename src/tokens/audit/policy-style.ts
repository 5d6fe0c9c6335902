/**
 * Reading an inline policy document the way an attacker experiences it: does it allow anything,
 * and does it deny explicitly (which AWS's AccessDenied text names)?
 */
import { AppError } from '../../core/errors.js';

/** What a policy document does. */
export interface PolicyStyle {
  /** Some statement has Effect Allow. */
  readonly allows: boolean;
  /** Some statement denies every action on every resource. */
  readonly deniesAll: boolean;
  /** Some statement has Effect Deny. */
  readonly denies: boolean;
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as unknown[]) : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDenyAll(statement: Record<string, unknown>): boolean {
  const actions = asList(statement['Action']);
  const resources = asList(statement['Resource']);
  return (
    statement['Condition'] === undefined &&
    actions.some((a) => a === '*' || a === '*:*') &&
    resources.some((r) => r === '*')
  );
}

/**
 * Classify policy document JSON `text` (`policyName` is only for the error).
 *
 * @throws AppError KS_INPUT_INVALID when the text is not a policy document.
 */
export function policyStyle(policyName: string, text: string): PolicyStyle {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new AppError(
      'KS_INPUT_INVALID',
      { file: `inline policy ${policyName}`, reason: 'not JSON' },
      { cause: err },
    );
  }
  if (!isRecord(doc)) {
    throw new AppError('KS_INPUT_INVALID', {
      file: `inline policy ${policyName}`,
      reason: 'not a policy document',
    });
  }
  const statements = asList(doc['Statement']).filter(isRecord);
  const denyStatements = statements.filter((s) => s['Effect'] === 'Deny');
  return {
    allows: statements.some((s) => s['Effect'] === 'Allow'),
    denies: denyStatements.length > 0,
    deniesAll: denyStatements.some(isDenyAll),
  };
}
