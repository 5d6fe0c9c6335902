/**
 * The one builder of composed CloudTrail records (the shape of reference/aws.md §1: an
 * `AwsApiCall` management event). Rule samples, the demo and every test build their records
 * with it, each with its own defaults; nothing here is copied from real data.
 */

/** The fields a composed record usually sets; anything else is passed through as given. */
export interface RecordSpec {
  readonly userIdentity: Readonly<Record<string, unknown>>;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly eventID: string;
  readonly awsRegion?: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  /** With `errorCode`, `errorMessage` defaults to "Access Denied". */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters?: Readonly<Record<string, unknown>> | null;
  readonly responseElements?: Readonly<Record<string, unknown>> | null;
  readonly requestID?: string;
  readonly readOnly?: boolean;
  readonly recipientAccountId?: string;
  readonly [field: string]: unknown;
}

/**
 * A CloudTrail record in the order CloudTrail writes its fields. The account defaults to the
 * identity's; `null` request and response elements are written as CloudTrail writes them.
 *
 * @example
 * cloudTrailRecord({ userIdentity, eventTime: '2025-03-01T10:00:00Z', eventSource: 'sts.amazonaws.com', eventName: 'GetCallerIdentity', eventID: 'e1' })
 */
export function cloudTrailRecord(spec: RecordSpec): Record<string, unknown> {
  const {
    userIdentity,
    eventTime,
    eventSource,
    eventName,
    eventID,
    awsRegion,
    sourceIPAddress,
    userAgent,
    errorCode,
    errorMessage,
    requestParameters,
    responseElements,
    requestID,
    readOnly,
    recipientAccountId,
    ...extra
  } = spec;
  const account = recipientAccountId ?? userIdentity['accountId'];
  return {
    eventVersion: '1.09',
    userIdentity,
    eventTime,
    eventSource,
    eventName,
    awsRegion: awsRegion ?? 'us-east-1',
    sourceIPAddress: sourceIPAddress ?? '203.0.113.45',
    userAgent: userAgent ?? 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22',
    ...(errorCode ? { errorCode, errorMessage: errorMessage ?? 'Access Denied' } : {}),
    requestParameters: requestParameters ?? null,
    responseElements: responseElements ?? null,
    requestID: requestID ?? `req-${eventID}`,
    eventID,
    readOnly: readOnly ?? true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    ...(account === undefined ? {} : { recipientAccountId: account }),
    eventCategory: 'Management',
    ...extra,
  };
}
