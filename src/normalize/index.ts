/**
 * The normalize stage: files → CloudTrail records → `CloudEvent`s, with enrichment.
 */
export {
  DEFAULT_MAX_DEPTH,
  asciiText,
  decodeBytes,
  decodedText,
  decodeText,
  type DecodedBytes,
  extractRecords,
  extractRecordsFromText,
  recordLimitProblem,
  isDigestPath,
  type DeliveryFormat,
  type ExtractLimits,
  type ExtractResult,
  type ExtractedRecord,
} from './records.js';
export {
  CLOUDTRAIL_START_MS,
  DEFAULT_FIELD_LIMITS,
  DEFAULT_TIME_WINDOW,
  capString,
  flattenIdentity,
  isRecordRejection,
  normalizeRecord,
  syntheticEventId,
  type FieldLimits,
  type TimeWindow,
  type TruncatedObject,
} from './cloudtrail.js';
export { parseTime, type ParsedTime } from './time.js';
export { formatBytes } from './json-size.js';
export { AWS_REGIONS, isKnownRegion } from './enrich/regions.js';
export { classifySource, isDnsNameLike } from './enrich/source.js';
export { classifyUserAgent, MAX_USER_AGENT_SCAN, type UserAgentInfo } from './enrich/user-agent.js';
export {
  OFFENSIVE_DISTROS,
  TOOL_SIGNATURES,
  type ToolSignature,
} from './enrich/user-agent-tools.js';
export { deniedTarget, iamTarget, type IamTarget } from './iam-target.js';
export {
  createIpContext,
  DEFAULT_CLOUD_ASNS,
  DEFAULT_HOSTING_ASNS,
  type IpContextLookup,
  type IpContextOptions,
  type IpSourceStatus,
} from './enrich/ip-context/index.js';
