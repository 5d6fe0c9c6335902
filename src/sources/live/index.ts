/**
 * Every live CloudTrail source type, one file each. Adding a source = one file + one line here;
 * the `sources:` config schema and docs/sources.md are built from this list.
 */
import { lookupEventsSource } from './lookup-events.js';
import { s3Source } from './s3.js';
import type { LiveSourceDefinition } from './source.js';
import { sqsSource } from './sqs.js';

export type {
  BackfillProgress,
  LivePorts,
  LiveSource,
  LiveSourceContext,
  LiveSourceDefinition,
  LiveSourceKind,
  PartitionHealth,
  SourceClock,
  SourceHealth,
  SpooledFile,
} from './source.js';
export { isAbort, systemClock } from './source.js';
export { createSpool, isSourceName, spoolName, type QuarantineEntry, type Spool } from './spool.js';
export {
  decodeS3Key,
  parseNotification,
  type Notification,
  type NotifiedObject,
} from './s3-notification.js';
export { createS3Source, s3SourceOptions, type S3SourceOptions } from './s3.js';
export { createSqsSource, sqsSourceOptions, type SqsSourceOptions } from './sqs.js';
export {
  createLookupEventsSource,
  lookupEventsSourceOptions,
  type LookupEventsSourceOptions,
} from './lookup-events.js';
export { createTokenBucket, type TokenBucket } from './rate-limit.js';

/** The registered live source types. */
export const liveSourceDefinitions = [
  s3Source,
  sqsSource,
  lookupEventsSource,
] as const satisfies readonly LiveSourceDefinition[];
