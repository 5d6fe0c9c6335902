/**
 * The one error catalog. Every error Keysnare raises on purpose has a code here with its message
 * template, CLI exit code and HTTP status. The CLI and the HTTP error handler are the only places
 * that turn an {@link AppError} into output.
 */
export const ERRORS = {
  KS_USAGE: { message: '{reason}', exit: 2, http: 400 },
  KS_CONFIG_INVALID: { message: 'invalid configuration in {file}', exit: 2, http: 500 },
  KS_CONFIG_READ: { message: 'cannot read configuration {file}: {reason}', exit: 2, http: 500 },
  KS_WORKSPACE_MISSING: {
    message: 'no workspace at {home}; run `keysnare init` first (or pass --home)',
    exit: 2,
    http: 500,
  },
  KS_WORKSPACE_EXISTS: { message: 'a workspace already exists at {home}', exit: 2, http: 409 },
  KS_DB: { message: 'database error in {file}: {reason}', exit: 1, http: 500 },
  KS_DB_MIGRATION: {
    message: 'cannot migrate database {file} to version {version}',
    exit: 1,
    http: 500,
  },
  KS_INPUT_READ: { message: 'cannot read {file}: {reason}', exit: 1, http: 400 },
  KS_INPUT_INVALID: { message: '{file}: {reason}', exit: 2, http: 400 },
  KS_TOKEN_NOT_FOUND: { message: 'no token {id} in the registry', exit: 2, http: 404 },
  KS_INCIDENT_NOT_FOUND: { message: 'no incident {id} in the workspace', exit: 2, http: 404 },
  KS_ALERT_NOT_FOUND: { message: 'no alert {id} in the outbox', exit: 2, http: 404 },
  KS_SINK_INVALID: { message: 'cannot build sink {sink}: {reason}', exit: 2, http: 500 },
  KS_TOKEN_EXISTS: {
    message: 'access key {accessKeyId} is already registered as {id}',
    exit: 2,
    http: 409,
  },
  KS_TOKEN_INVALID: { message: 'invalid token {where}: {reason}', exit: 2, http: 400 },
  KS_PLACEMENT_INVALID: { message: 'invalid placement "{input}": {reason}', exit: 2, http: 400 },
  KS_AWS: { message: 'AWS {operation} failed: {reason}', exit: 1, http: 502 },
  KS_AWS_ACCESS_DENIED: { message: 'AWS {operation} was denied: {reason}', exit: 1, http: 502 },
  KS_SECRET_KEY: { message: 'cannot use the secrets key {where}: {reason}', exit: 1, http: 500 },
  KS_BAIT_FORMAT: {
    message: 'unknown bait format {format}; expected one of {formats}',
    exit: 2,
    http: 400,
  },
  KS_PLANT: { message: 'cannot plant into {file}: {reason}', exit: 1, http: 500 },
  KS_INTERNAL: { message: 'internal error: {reason}', exit: 1, http: 500 },
  KS_NAME_TEMPLATE: { message: 'cannot generate an IAM user name: {reason}', exit: 2, http: 400 },
  KS_BAIT_INPUT: { message: 'cannot render {format} bait: {reason}', exit: 2, http: 400 },
  // Mint, plant and rotate (issue 6: no secret lost, no file clobbered).
  KS_PLANT_PROFILE_TAKEN: {
    message: 'will not plant into {file}: profile [{profile}] {reason}',
    exit: 2,
    http: 409,
  },
  KS_MINT_PLAN: {
    message: 'nothing was minted: the bait plan has problems',
    exit: 2,
    http: 400,
  },
  // safety net (issue 6, h-store)
  KS_AWS_CREDENTIALS: {
    message: 'AWS credentials do not work for {operation}: {reason}; {hint}',
    exit: 1,
    http: 502,
  },
  // CLI and registry (issue 6: usage errors, workspace errors)
  KS_TOKEN_RETIRED: {
    message:
      'token {id} is retired; {action} applies to active tokens only (add or mint a new canary instead)',
    exit: 2,
    http: 409,
  },
  KS_TOKEN_IMPORT_CONFLICT: {
    message:
      '{file}: {count} access key(s) already registered, nothing imported; pass --skip-existing to import the others',
    exit: 2,
    http: 409,
  },
  KS_WORKSPACE_NOT_DIR: {
    message:
      'cannot use {home} as a workspace: {file} is a file, not a folder; pass --home with a folder path (new or existing workspace), or move that file away',
    exit: 2,
    http: 500,
  },
  KS_WORKSPACE_ACCESS: {
    message:
      'cannot {action} the workspace at {home}: {reason}; check the owner and mode of that folder and of the folders above it (you need read, write and search rights), or pass --home with another folder',
    exit: 1,
    http: 500,
  },
  // Offline IP context (country, ASN, cloud ranges, Tor) and `keysnare data update`.
  KS_IP_DATA_READ: { message: 'cannot read IP data file {file}: {reason}', exit: 1, http: 500 },
  KS_IP_DATA_INVALID: {
    message: 'IP data file {file} is unusable: {reason}',
    exit: 2,
    http: 500,
  },
  KS_DATA_OFFLINE: {
    message:
      'cannot reach {url} for the {what}: {reason}; `keysnare data update` needs internet access (or a --url-… option naming a copy it can reach)',
    exit: 1,
    http: 502,
  },
  KS_DATA_WRITE: { message: 'cannot write {file}: {reason}', exit: 1, http: 500 },
  KS_DATA_DOWNLOAD: {
    message: 'the {what} download from {url} was not used: {reason}',
    exit: 1,
    http: 502,
  },
} as const satisfies Record<string, { message: string; exit: 0 | 1 | 2; http: number }>;

/** A code from the error catalog. */
export type ErrorCode = keyof typeof ERRORS;

/** Values substituted into a catalog message template. */
export type ErrorDetails = Record<
  string,
  string | number | boolean | undefined | readonly string[]
>;

function render(template: string, details: ErrorDetails): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = details[name];
    if (value === undefined) return whole;
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}

/**
 * The one error class. Switch on `code`, never on the message.
 *
 * @example
 * throw new AppError('KS_TOKEN_NOT_FOUND', { id: 'tok_1' });
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  /** Extra lines (for example every config issue) printed under the message. */
  readonly lines: readonly string[];

  constructor(
    code: ErrorCode,
    details: ErrorDetails = {},
    options: { cause?: unknown; lines?: readonly string[] } = {},
  ) {
    super(render(ERRORS[code].message, details), { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.lines = options.lines ?? [];
  }

  /** CLI exit code from the catalog. */
  get exitCode(): 0 | 1 | 2 {
    return ERRORS[this.code].exit;
  }

  /** HTTP status from the catalog. */
  get httpStatus(): number {
    return ERRORS[this.code].http;
  }
}

/** True when `err` is an {@link AppError}, optionally with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/** A short, single-line description of any thrown value, for logs (never parsed). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
