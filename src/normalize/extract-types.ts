/**
 * Types of the record-extraction API ({@link ./records.ts}).
 */
import type { RecordRejection } from '../core/event.js';

/** Size limits for reading one file. */
export interface ExtractLimits {
  /** Largest decompressed (or plain) file accepted, in bytes. */
  readonly maxDecompressedBytes: number;
  /** Largest single record accepted, in bytes of JSON. */
  readonly maxRecordBytes: number;
  /**
   * Deepest nesting accepted in a record (default 256). Deeper records are rejected so recursive
   * consumers downstream (JSON.stringify overflows at a few thousand levels) never see them.
   */
  readonly maxDepth?: number;
  /**
   * Leave each record's size and depth check to the caller ({@link recordLimitProblem}), for
   * callers that keep only some records: the whole-text depth scan and the per-record walks are
   * then skipped. The file and each JSON line are still checked.
   */
  readonly deferRecordChecks?: boolean;
}

/** A record found in a file, with its index there. */
export interface ExtractedRecord {
  readonly index: number;
  readonly value: Record<string, unknown>;
}

/** The delivery shape a file was read as. */
export type DeliveryFormat =
  | 'cloudtrail-s3'
  | 'json-array'
  | 'json-lines'
  | 'eventbridge'
  | 'lookup-events'
  | 'cloudwatch-logs'
  | 'single-record';

/** What {@link extractRecords} found. */
export interface ExtractResult {
  readonly records: ExtractedRecord[];
  readonly rejections: RecordRejection[];
  /** Why the whole file was skipped on purpose (digest file, empty file, control message). */
  readonly skipped?: string;
  readonly format?: DeliveryFormat;
  /** Records skipped on purpose (CloudTrail Insights events, which are not API calls). */
  readonly skippedRecords?: number;
}
