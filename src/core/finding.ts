/**
 * Findings: the contract other tools rely on (ARCHITECTURE.md "A finding (JSON)").
 */

/** Severity, most to least urgent. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** All severities, most urgent first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Where a finding was seen. */
export type FindingSource = 'cloudtrail' | 'safety-net' | 'pipeline';

/** A finding, exactly as printed by `--format jsonl`. */
export interface Finding {
  readonly id: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly title: string;
  /** ISO time of the first contributing event. */
  readonly time: string;
  /** Every CloudTrail eventID that contributed. */
  readonly eventIds: readonly string[];
  readonly accessKeyId?: string;
  readonly principalArn?: string;
  readonly accountId?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly regions?: readonly string[];
  readonly eventNames?: readonly string[];
  readonly tokenId?: string;
  readonly source: FindingSource;
  readonly details: Readonly<Record<string, unknown>>;
}
