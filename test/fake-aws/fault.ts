/**
 * Wire-level AWS errors the fake answers with. These are protocol responses of the emulated
 * service, not Keysnare errors, so they are a local class rather than an AppError.
 */

/** HTTP status AWS uses for each error code the fake can produce (aws.md §3.1, §4.2). */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  LimitExceeded: 409,
  DeleteConflict: 409,
  ConcurrentModification: 409,
  InvalidInput: 400,
  ValidationError: 400,
  MalformedPolicyDocument: 400,
  UnmodifiableEntity: 400,
  ServiceFailure: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  AccessDenied: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  ExpiredToken: 403,
  Throttling: 400,
  InvalidAction: 400,
  ReportNotPresent: 410,
  ReportExpired: 410,
  ReportInProgress: 404,
};

/**
 * How CloudTrail spells IAM's modelled errors in `errorCode` (the SDK exception name, e.g.
 * `NoSuchEntityException`, as seen in real records); other codes are logged as sent.
 */
const CLOUDTRAIL_CODE: Readonly<Record<string, string>> = {
  NoSuchEntity: 'NoSuchEntityException',
  EntityAlreadyExists: 'EntityAlreadyExistsException',
  LimitExceeded: 'LimitExceededException',
  DeleteConflict: 'DeleteConflictException',
  ConcurrentModification: 'ConcurrentModificationException',
  InvalidInput: 'InvalidInputException',
  MalformedPolicyDocument: 'MalformedPolicyDocumentException',
  UnmodifiableEntity: 'UnmodifiableEntityException',
  ServiceFailure: 'ServiceFailureException',
  ReportNotPresent: 'CredentialReportNotPresentException',
  ReportExpired: 'CredentialReportExpiredException',
  ReportInProgress: 'CredentialReportNotReadyException',
};

/** The `errorCode` CloudTrail logs for a wire error code. */
export function cloudTrailErrorCode(code: string): string {
  return CLOUDTRAIL_CODE[code] ?? code;
}

/** An AWS error response: code, message and HTTP status. */
export class AwsFault extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status?: number, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AwsFault';
    this.code = code;
    this.status = status ?? STATUS_BY_CODE[code] ?? 400;
  }
}

/** NoSuchEntity for a user, with AWS's wording. */
export function noSuchUser(userName: string): AwsFault {
  return new AwsFault('NoSuchEntity', `The user with name ${userName} cannot be found.`);
}

/** A ValidationError as AWS phrases constraint failures. */
export function validationError(
  member: string,
  value: string | undefined,
  constraint: string,
): AwsFault {
  const shown = value === undefined ? 'null' : `'${value}'`;
  return new AwsFault(
    'ValidationError',
    `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}
