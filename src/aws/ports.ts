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
