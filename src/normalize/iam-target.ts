/**
 * The IAM user an IAM call acts on. CloudTrail logs it as `requestParameters.userName`, except for a
 * denied call, which IAM logs without parameters: then only the error message names the user. The
 * pre-filter (on raw records) and normalize (on events) both read it from here, so they agree.
 */

/** The user an IAM call acts on, and the account when the message gave an ARN. */
export interface IamTarget {
  readonly name: string;
  readonly account?: string;
}

/** "... on resource: user NAME" or "... on resource: arn:aws:iam::ACCOUNT:user/PATH/NAME". */
const DENIED_ON_USER =
  /\bon resource: (?:user ([\w+=,.@-]{1,64})|arn:aws[\w-]*:iam::(\d{12}):user\/(?:[!-~]*\/)?([\w+=,.@-]{1,64}))(?![!-~])/;

/** The target named by a denial message, or undefined. */
export function deniedTarget(message: string): IamTarget | undefined {
  if (!message.includes('on resource: ')) return undefined;
  const m = DENIED_ON_USER.exec(message);
  const name = m?.[1] ?? m?.[3];
  if (!name) return undefined;
  return m?.[2] ? { name, account: m[2] } : { name };
}

/**
 * The user an IAM call acts on: `requestParameters.userName` when it is a string, else (for a call
 * logged without parameters and with an error) the user its error message names.
 */
export function iamTarget(
  requestParameters: unknown,
  errorCode: unknown,
  errorMessage: unknown,
): IamTarget | undefined {
  const params =
    typeof requestParameters === 'object' && requestParameters !== null
      ? (requestParameters as Record<string, unknown>)
      : undefined;
  const requested = params?.['userName'];
  if (typeof requested === 'string') return { name: requested };
  if (requested !== undefined || errorCode === undefined || typeof errorMessage !== 'string')
    return undefined;
  return deniedTarget(errorMessage);
}
