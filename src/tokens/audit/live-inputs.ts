/**
 * What live checks need before they can ask IAM anything. Missing inputs throw, so the auditor
 * records the check as indeterminate rather than clean.
 */
import type { IamPort } from '../../aws/ports.js';
import { AppError } from '../../core/errors.js';
import type { Token } from '../../core/token.js';
import type { AuditContext } from './audit.js';
import { userNameOf } from './identity.js';

/** The user name to look up; throws when the registry has neither a name nor an ARN. */
export function requireUserName(token: Token): string {
  const name = userNameOf(token);
  if (name === undefined) {
    throw new AppError('KS_TOKEN_INVALID', {
      where: token.id,
      reason: 'no IAM user name or user ARN recorded, so IAM cannot be asked about it',
    });
  }
  return name;
}

/** The IAM port; throws when the audit runs offline. */
export function requireIam(ctx: AuditContext): IamPort {
  if (ctx.iam === undefined) {
    throw new AppError('KS_USAGE', {
      reason: 'live audit checks need AWS access (run without --offline)',
    });
  }
  return ctx.iam;
}
