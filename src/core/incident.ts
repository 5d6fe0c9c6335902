/**
 * Incidents and alerts: what the incidents stage makes of findings and what the alert stage
 * delivers (ARCHITECTURE.md "sources → normalize → detect → incidents → alert").
 */
import type { Severity } from './finding.js';

/** Where an incident stands; every change is kept in its history with who, when and why. */
export type IncidentState = 'open' | 'acknowledged' | 'false-positive' | 'resolved';

/** All incident states, in their usual order. */
export const INCIDENT_STATES: readonly IncidentState[] = [
  'open',
  'acknowledged',
  'false-positive',
  'resolved',
];

/**
 * What an incident is about: a canary token (its findings stay apart from real-key ones), a
 * principal (a real key's user or role), or only a source IP (findings that name no principal).
 */
export type IncidentKind = 'canary' | 'principal' | 'source';

/**
 * How a state change made through the owner's signed "Was this you?" link names who made it
 * (`<name> (via the signed owner link)`): such a false positive does not mute later activity.
 */
export const OWNER_LINK_SUFFIX = ' (via the signed owner link)';

/** One state change of an incident. */
export interface IncidentChange {
  readonly at: string;
  readonly by: string;
  readonly state: IncidentState;
  readonly why?: string;
}

/** A note someone added to an incident. */
export interface IncidentNote {
  readonly at: string;
  readonly by: string;
  readonly text: string;
}

/** An incident, exactly as `incidents list --format jsonl` prints it. */
export interface Incident {
  /** `inc-` and 16 hex digits, stable for the incident's life. */
  readonly id: string;
  readonly kind: IncidentKind;
  /** The grouping key: `token:<id>`, `principal:<arn or key id>` or `ip:<address>`. */
  readonly key: string;
  readonly title: string;
  /** The highest of its findings', raised by cross-correlation (see `raisedBy`). */
  readonly severity: Severity;
  /** Why the severity is above its findings' highest, when it is. */
  readonly raisedBy?: string;
  readonly state: IncidentState;
  /** ISO times of the first and last contributing events. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly findingIds: readonly string[];
  readonly rules: readonly string[];
  readonly eventCount: number;
  readonly tokenId?: string;
  readonly principalArn?: string;
  readonly accountId?: string;
  readonly accessKeyIds: readonly string[];
  readonly sourceIps: readonly string[];
  readonly userAgents: readonly string[];
  readonly regions: readonly string[];
  readonly eventNames: readonly string[];
  /** Other incidents that share a source IP with this one (a canary's with real keys'). */
  readonly related: readonly string[];
  readonly history: readonly IncidentChange[];
  readonly notes: readonly IncidentNote[];
  /** Why it does not page: a quiet rule (`alerts.quiet`) matched every one of its findings. */
  readonly quiet?: string;
  /** Bumped on every change that alerts (new findings or events, a state change). */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Why an alert was made: the incident's first alert, a follow-up, or a sink check. */
export type AlertKind =
  'opened' | 'updated' | 'acknowledged' | 'resolved' | 'false-positive' | 'reopened' | 'test';

/** A labelled value an alert shows (sinks render these as fields, facts or CEF extensions). */
export interface AlertFact {
  readonly label: string;
  readonly value: string;
}

/**
 * Everything a sink renders, worked out once when the alert is queued (so a retry an hour later
 * sends what was true then). Every string that came from CloudTrail is attacker-controlled: each
 * sink escapes it for its destination.
 */
export interface AlertMessage {
  /** Unique per alert: the idempotency key receivers can check (`webhook-id`, …). */
  readonly alertId: string;
  readonly incidentId: string;
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly state: IncidentState;
  /** A short headline (one line, no trailing period). */
  readonly title: string;
  /** What happened, in one sentence. */
  readonly summary: string;
  /** Where, who and when, with the enrichment. */
  readonly facts: readonly AlertFact[];
  /** The runbook steps of the rules involved, de-duplicated, in order. */
  readonly runbook: readonly string[];
  /** The dashboard's page for the incident, when a public URL is configured. */
  readonly link?: string;
  /** When the alert was made (ISO). */
  readonly time: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly rules: readonly string[];
  readonly eventCount: number;
  /** Token owner and labels, for routing and display. */
  readonly owner?: string;
  readonly labels: readonly string[];
  readonly accessKeyId?: string;
  readonly principalArn?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly eventName?: string;
  readonly region?: string;
  /** The incident's revision this alert reports. */
  readonly revision: number;
}

/** Where an alert is in the outbox. */
export type AlertStatus = 'pending' | 'delivered' | 'dead';

/** One alert for one sink, as the outbox keeps it (`alerts list --format jsonl`). */
export interface Alert {
  readonly id: string;
  readonly sink: string;
  readonly incidentId: string;
  readonly kind: AlertKind;
  readonly status: AlertStatus;
  readonly attempts: number;
  readonly createdAt: string;
  /** When the next attempt is due (pending alerts). */
  readonly nextAttemptAt: string;
  readonly deliveredAt?: string;
  /** The last failure's reason (a dead alert's is why it died). */
  readonly lastError?: string;
  readonly message: AlertMessage;
}
