/**
 * Thin ports over the AWS SDK v3. Everything else in Keysnare talks to AWS through these
 * interfaces; src/aws/iam.ts and src/aws/sts.ts implement them with the real SDK. Errors are
 * thrown as AppError (KS_AWS / KS_AWS_ACCESS_DENIED) with `details.awsCode` set to AWS's error code.
 */

/** An IAM user as IAM describes it. */
export interface IamUserInfo {
  readonly userName: string;
  readonly userId: string;
  readonly arn: string;
  readonly path: string;
  readonly createDate?: string;
  readonly tags: readonly { readonly key: string; readonly value: string }[];
}

/** Access key metadata (never the secret). */
export interface IamAccessKeyInfo {
  readonly userName: string;
  readonly accessKeyId: string;
  /** 'Active' | 'Inactive' (IAM's words). */
  readonly status: string;
  readonly createDate?: string;
}

/** A freshly created access key, with the secret IAM returns only once. */
export interface IamNewAccessKey extends IamAccessKeyInfo {
  readonly secretAccessKey: string;
}

/** GetAccessKeyLastUsed, with AWS's 'N/A' turned into undefined. */
export interface AccessKeyLastUsed {
  readonly userName?: string;
  /** ISO time, undefined when never used. */
  readonly lastUsedDate?: string;
  readonly serviceName?: string;
  readonly region?: string;
}

/** GetCredentialReport's outcome. */
export type CredentialReportResult =
  | { readonly state: 'ready'; readonly csv: string; readonly generatedTime?: string }
  | { readonly state: 'in-progress' }
  | { readonly state: 'not-present' }
  | { readonly state: 'expired' };

/** A managed policy attached to a user. */
export interface AttachedPolicy {
  readonly policyName: string;
  readonly policyArn: string;
}

/** The IAM operations Keysnare uses. */
export interface IamPort {
  createUser(input: {
    userName: string;
    path?: string;
    tags?: readonly { key: string; value: string }[];
  }): Promise<IamUserInfo>;
  /** undefined when the user does not exist. */
  getUser(userName: string): Promise<IamUserInfo | undefined>;
  deleteUser(userName: string): Promise<void>;
  createAccessKey(userName: string): Promise<IamNewAccessKey>;
  listAccessKeys(userName: string): Promise<IamAccessKeyInfo[]>;
  updateAccessKey(
    userName: string,
    accessKeyId: string,
    status: 'Active' | 'Inactive',
  ): Promise<void>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
  listUserPolicies(userName: string): Promise<string[]>;
  /** The inline policy document, URL-decoded JSON text. */
  getUserPolicy(userName: string, policyName: string): Promise<string>;
  putUserPolicy(userName: string, policyName: string, document: string): Promise<void>;
  deleteUserPolicy(userName: string, policyName: string): Promise<void>;
  listAttachedUserPolicies(userName: string): Promise<AttachedPolicy[]>;
  detachUserPolicy(userName: string, policyArn: string): Promise<void>;
  listGroupsForUser(userName: string): Promise<string[]>;
  removeUserFromGroup(userName: string, groupName: string): Promise<void>;
  /** Deletes the console password if there is one; no error when there is none. */
  deleteLoginProfile(userName: string): Promise<void>;
  getAccessKeyLastUsed(accessKeyId: string): Promise<AccessKeyLastUsed>;
  /** IAM's State: STARTED, INPROGRESS or COMPLETE. */
  generateCredentialReport(): Promise<{ state: string }>;
  getCredentialReport(): Promise<CredentialReportResult>;
}

/** Who the configured credentials are. */
export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

/** The STS operations Keysnare uses. */
export interface StsPort {
  getCallerIdentity(): Promise<CallerIdentity>;
}

/** One object of an S3 listing. */
export interface S3ObjectInfo {
  readonly key: string;
  readonly size?: number;
  /** ISO time. */
  readonly lastModified?: string;
}

/** One page of ListObjectsV2. */
export interface S3ListPage {
  readonly objects: readonly S3ObjectInfo[];
  /** CommonPrefixes, when a delimiter was given. */
  readonly prefixes: readonly string[];
  /** Pass as `continuationToken` for the next page; undefined on the last page. */
  readonly nextToken?: string;
}

/** What to list: keys under `prefix` after `startAfter` (S3 order: UTF-8 bytes). */
export interface S3ListInput {
  readonly bucket: string;
  readonly prefix?: string;
  readonly startAfter?: string;
  readonly continuationToken?: string;
  readonly delimiter?: string;
  /** 1–1000 (S3's default 1000). */
  readonly maxKeys?: number;
}

/** The S3 operations Keysnare uses (reading CloudTrail delivery buckets). */
export interface S3Port {
  /** One page of ListObjectsV2; the caller follows `nextToken`. */
  listObjects(input: S3ListInput, signal?: AbortSignal): Promise<S3ListPage>;
  /**
   * The object's bytes as stored (a `.json.gz` stays gzipped). Past `maxBytes` (declared length
   * or bytes actually read) it throws KS_AWS with `details.sizeCap` set, without reading the rest.
   */
  getObject(
    input: { readonly bucket: string; readonly key: string; readonly maxBytes: number },
    signal?: AbortSignal,
  ): Promise<Buffer>;
}

/** A received SQS message. */
export interface SqsMessage {
  readonly messageId: string;
  /** The handle of this receive; only the latest one deletes the message. */
  readonly receiptHandle: string;
  readonly body: string;
  /** ApproximateReceiveCount, this receive included (1 on the first). */
  readonly receiveCount: number;
  /** ISO time the message was sent, when SQS said. */
  readonly sentAt?: string;
}

/** The SQS operations Keysnare uses (a queue of S3 event notifications). */
export interface SqsPort {
  /** ReceiveMessage with long polling; asks for the receive count and sent time. */
  receiveMessages(
    input: {
      readonly queueUrl: string;
      /** 1–10. */
      readonly maxMessages: number;
      /** Long-poll wait, 0–20 s. */
      readonly waitSeconds: number;
      /** Visibility timeout for these messages; the queue's default when omitted. */
      readonly visibilitySeconds?: number;
    },
    signal?: AbortSignal,
  ): Promise<SqsMessage[]>;
  deleteMessage(queueUrl: string, receiptHandle: string): Promise<void>;
  /** Hide the message for `seconds` more from now (0 makes it visible again). */
  changeMessageVisibility(queueUrl: string, receiptHandle: string, seconds: number): Promise<void>;
}

/** One LookupEvents item. */
export interface LookupEventItem {
  readonly eventId: string;
  readonly eventName?: string;
  /** ISO time. */
  readonly eventTime?: string;
  /** The full CloudTrail record as JSON text (unparsed; attacker-controlled). */
  readonly cloudTrailEvent?: string;
}

/** One page of LookupEvents (newest first). */
export interface LookupEventsPage {
  readonly events: readonly LookupEventItem[];
  /** Undefined on the last page. */
  readonly nextToken?: string;
}

/** The CloudTrail operations Keysnare uses (Event history, per region). */
export interface CloudTrailPort {
  /** One page of management events between the times, in `region`. */
  lookupEvents(
    input: {
      readonly region: string;
      readonly startTime: Date;
      readonly endTime: Date;
      readonly nextToken?: string;
      /** 1–50 (default 50). */
      readonly maxResults?: number;
    },
    signal?: AbortSignal,
  ): Promise<LookupEventsPage>;
}
