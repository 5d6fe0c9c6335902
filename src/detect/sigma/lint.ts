/**
 * Warnings about rules that load but probably do not say what their author meant. Such a rule
 * still runs as written (the specification's semantics); `keysnare rules check` shows the warning.
 */
import type { SigmaDetectionRule } from './parse.js';

/** Top-level fields of a CloudTrail record (aws.md §1): a value naming one is likely a field reference. */
const RECORD_FIELDS: ReadonlySet<string> = new Set([
  'eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion',
  'sourceIPAddress', 'userAgent', 'errorCode', 'errorMessage', 'requestParameters',
  'responseElements', 'additionalEventData', 'requestID', 'eventID', 'readOnly', 'resources',
  'eventType', 'apiVersion', 'managementEvent', 'recipientAccountId', 'serviceEventDetails',
  'sharedEventID', 'vpcEndpointId', 'vpcEndpointAccountId', 'eventCategory', 'addendum',
  'sessionCredentialFromConsole', 'edgeDeviceDetails', 'tlsDetails',
]); // prettier-ignore

/** `a.b.c` whose first part is a CloudTrail record field. */
function looksLikeFieldPath(v: unknown): v is string {
  if (typeof v !== 'string' || !/^[A-Za-z]\w*(?:\.\w+)+$/.test(v)) return false;
  return RECORD_FIELDS.has(v.slice(0, v.indexOf('.')));
}

/** The field maps of one search (a map, or a list of maps; keywords have none). */
function fieldMaps(search: unknown): Record<string, unknown>[] {
  const list = Array.isArray(search) ? (search as unknown[]) : [search];
  return list.filter(
    (m): m is Record<string, unknown> => m !== null && typeof m === 'object' && !Array.isArray(m),
  );
}

/**
 * What looks wrong in a rule that loaded: a value that names a record field in an item without
 * `|fieldref` (it is then compared as that literal text, so the item almost never matches).
 */
export function lintSigma(rule: SigmaDetectionRule): string[] {
  const warnings: string[] = [];
  for (const [name, search] of Object.entries(rule.searches)) {
    for (const map of fieldMaps(search)) {
      for (const [key, value] of Object.entries(map)) {
        if (key.split('|').includes('fieldref')) continue;
        const values = Array.isArray(value) ? (value as unknown[]) : [value];
        for (const v of values.filter(looksLikeFieldPath))
          warnings.push(
            `${name}: ${key} is compared with the text "${v}", which names a record field: was |fieldref meant?`,
          );
      }
    }
  }
  return warnings;
}
