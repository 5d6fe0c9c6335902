/**
 * What an attacker holding the key sees of its IAM identity: the user name and path inside the
 * ARN (shown by GetCallerIdentity and in every AccessDenied message).
 */
import type { Token } from '../../core/token.js';

/** The parts of an IAM user ARN. */
export interface UserArnParts {
  readonly accountId: string;
  /** `/` or `/…/`. */
  readonly path: string;
  readonly userName: string;
}

const USER_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):user(\/.*)$/;

/** Split `arn:aws:iam::ACCOUNT:user/PATH/NAME`, or undefined when `arn` is not an IAM user ARN. */
export function parseUserArn(arn: string): UserArnParts | undefined {
  const m = USER_ARN.exec(arn);
  const accountId = m?.[1];
  const rest = m?.[2];
  if (accountId === undefined || rest === undefined) return undefined;
  const cut = rest.lastIndexOf('/');
  return { accountId, path: rest.slice(0, cut + 1), userName: rest.slice(cut + 1) };
}

/** The token's IAM user name: as recorded, else from its ARN. */
export function userNameOf(token: Token): string | undefined {
  if (token.userName !== undefined && token.userName !== '') return token.userName;
  return token.userArn === undefined ? undefined : parseUserArn(token.userArn)?.userName;
}

/** The token's IAM path from its recorded ARN, or undefined when no usable ARN is recorded. */
export function userPathOf(token: Token): string | undefined {
  return token.userArn === undefined ? undefined : parseUserArn(token.userArn)?.path;
}
