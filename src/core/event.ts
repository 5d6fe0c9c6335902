/**
 * The single internal event shape. Every source's raw record is normalized once, at the edge, into
 * a {@link CloudEvent}; rules read nothing else. Every field may be missing in real data, so every
 * optional field here is optional on purpose.
 */
import type { KeyAnatomy } from './key-anatomy.js';

/** What `sourceIPAddress` held. */
export type SourceKind =
  'ipv4' | 'ipv6' | 'aws-service' | 'aws-internal' | 'hostname' | 'invalid' | 'missing';

/**
 * Penetration-testing distributions a user agent can name (the AWS CLI and SDKs write the OS and
 * its release). GuardDuty raises `PenTest:IAMUser/KaliLinux|ParrotLinux|PentooLinux` on the same
 * signal.
 */
export const OFFENSIVE_OSES = ['kali', 'parrot', 'pentoo', 'blackarch'] as const;

/** Every class of user agent, in one list (options name them; the type is derived from it). */
export const USER_AGENT_CLASSES = [
  'aws-cli',
  'aws-sdk',
  'console',
  'terraform',
  'offensive-os',
  'offensive-tool',
  'aws-service',
  'aws-internal',
  'browser',
  'scripting',
  'other',
  'missing',
] as const;

/** Coarse class of the user agent. */
export type UserAgentClass = (typeof USER_AGENT_CLASSES)[number];

/** `userIdentity`, flattened. `issuer*` come from `sessionContext.sessionIssuer`. */
export interface CloudIdentity {
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly invokedBy?: string;
  readonly issuerType?: string;
  readonly issuerArn?: string;
  readonly issuerPrincipalId?: string;
  readonly issuerUserName?: string;
  readonly issuerAccountId?: string;
  /** `sessionContext.attributes.mfaAuthenticated`. */
  readonly mfaAuthenticated?: boolean;
  /** `sessionContext.attributes.creationDate`, as logged. */
  readonly sessionCreated?: string;
}

/**
 * Who acts, the same across sessions: the session issuer (the role behind an assumed-role session,
 * the user behind a federation token), else the identity's ARN, principal id or key. First-seen
 * rules key their state by it, and the reader finds it in unparsed text the same way
 * (pipeline/earliest.ts), so both must use this one function.
 */
export function stablePrincipal(id: CloudIdentity): string {
  return id.issuerArn ?? id.arn ?? id.principalId ?? id.accessKeyId ?? 'unknown';
}

/** Where a record came from: the file (or other source name) and its index within it. */
export interface RecordOrigin {
  readonly file: string;
  readonly index: number;
  /**
   * Set by the reader on the events it hands to the stateful rules: false when the record is not
   * one a first-seen rule needs (not the earliest of its kind: `selector.earliestPer`), so such a
   * rule is not offered it. Absent: offered (every event, as ingest gives them).
   */
  readonly earliest?: boolean;
}

/** A normalized CloudTrail event. */
export interface CloudEvent {
  /** CloudTrail `eventID`; when the record had none, `x-` + a hash of its content. */
  readonly eventId: string;
  /** ISO-8601 UTC (`toISOString`) or undefined when `eventTime` could not be read. */
  readonly time?: string;
  /** Epoch milliseconds of {@link time}. */
  readonly timeMs?: number;
  readonly eventName: string;
  readonly eventSource: string;
  /** `awsRegion` as given (capped), or '' when missing. */
  readonly region: string;
  /** False when the region is not one of the known AWS region names. */
  readonly regionKnown: boolean;
  readonly eventType?: string;
  readonly identity: CloudIdentity;
  /** Anatomy of `identity.accessKeyId`, when present. */
  readonly key?: KeyAnatomy;
  readonly sourceIp?: string;
  readonly sourceKind: SourceKind;
  readonly userAgent?: string;
  readonly userAgentClass: UserAgentClass;
  /** The named tool or OS behind the user agent ('kali', 'trufflehog', 'terraform', 'aws-cli' …). */
  readonly userAgentName?: string;
  /** The offensive OS the user agent names ('kali', 'parrot', 'pentoo', 'blackarch'), whatever its class. */
  readonly userAgentOs?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly readOnly?: boolean;
  readonly recipientAccountId?: string;
  /** Request parameters as logged (object), size-capped. */
  readonly requestParameters?: Readonly<Record<string, unknown>>;
  /** Response elements as logged (object), size-capped. */
  readonly responseElements?: Readonly<Record<string, unknown>>;
  /** `additionalEventData` as logged (object), size-capped. */
  readonly additionalEventData?: Readonly<Record<string, unknown>>;
  /** `resources` as logged (ARN, type, account), at most 64. */
  readonly resources?: readonly {
    readonly arn?: string;
    readonly type?: string;
    readonly accountId?: string;
  }[];
  readonly requestId?: string;
  readonly vpcEndpointId?: string;
  /** 'Management', 'Data', 'NetworkActivity' … as logged. */
  readonly eventCategory?: string;
  readonly managementEvent?: boolean;
  /** Who made the call, as one ARN: the identity's ARN, else its session issuer's. */
  readonly principalArn?: string;
  /** For IAM calls: the user the call acts on (request parameters, or a denial's message). */
  readonly targetUser?: { readonly name: string; readonly account?: string };
  /**
   * Fields that were cut to the size caps ('requestParameters', 'userAgent' …). A field cut is
   * "truncated", never "absent": its marker object or capped string is still there.
   */
  readonly truncated?: readonly string[];
  readonly origin: RecordOrigin;
  /**
   * The record as logged, for rules that read dotted paths into it (Sigma): set where the record
   * was parsed, in detection, and never carried across threads or into the store (the store keeps
   * the record itself). Absent on events handed to stateful rules and on events read back.
   */
  readonly raw?: Readonly<Record<string, unknown>>;
}

/** A record that could not be used, and why. */
export interface RecordRejection {
  readonly file: string;
  /** Index of the record in the file, or undefined when the whole file was rejected. */
  readonly index?: number;
  readonly reason: string;
}
