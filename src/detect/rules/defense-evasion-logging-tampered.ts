import type { HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import { LOGGING_CALLS, LOGGING_SOURCES, loggingChange } from './lib/logging-changes.js';
import { HOSTILE_AGENT, LEAKED_KEY, TERRAFORM_AGENT } from './lib/launch-samples.js';
import { isAwsServiceCall, principalOf } from './lib/actor.js';
import { sampleRecord, sampleRoleIdentity, sampleTime } from './samples.js';

const T0 = '2025-03-04T02:05:00Z';
const TRAIL = 'org-audit-trail';
const MAX_CHANGES = 50;

/** A logging call by the leaked key (any call, any service), logged as a change. */
function call(
  eventSource: string,
  eventName: string,
  requestParameters: Record<string, unknown> | null,
  extra: { eventID?: string; minute?: number; errorCode?: string; userAgent?: string } = {},
): Record<string, unknown> {
  const { minute, ...rest } = extra;
  const record = sampleRecord({
    eventSource,
    eventName,
    requestParameters,
    userIdentity: LEAKED_KEY,
    eventTime: sampleTime(T0, minute ?? 0),
    ...rest,
  });
  return { ...record, readOnly: false };
}

/** Someone turns off, narrows or deletes the account's logging and threat detection. */
export const defenseEvasionLoggingTampered = defineRule({
  id: 'defense-evasion.logging-tampered',
  title: 'Logging or threat detection turned off',
  severity: 'high',
  description: `A call that reduces what the account logs or watches. Always: CloudTrail StopLogging, DeleteTrail, StopEventDataStoreIngestion and DeleteEventDataStore; GuardDuty DeleteDetector, DeletePublishingDestination and leaving the administrator account; EC2 DeleteFlowLogs; Route 53 Resolver DeleteResolverQueryLogConfig and DisassociateResolverQueryLogConfig; AWS Config StopConfigurationRecorder, DeleteConfigurationRecorder and DeleteDeliveryChannel. With some parameters only (the event does not hold the previous configuration, so "reduce" means the new one leaves something out): UpdateTrail turning off multi-region, global service events, log file validation or the organization trail, removing CloudWatch Logs delivery, or naming a destination bucket; PutEventSelectors whose selectors no longer log all management events (none, no reads, no writes, or sources excluded — data event selectors are not judged); PutInsightSelectors with an empty list; GuardDuty UpdateDetector with enable false or a feature or data source disabled, CreateFilter / UpdateFilter with action ARCHIVE, CreateIPSet / UpdateIPSet activating a trusted IP list. Denied and failed attempts count too: the title says "attempted" and details.assessedSeverity is medium; a denied conditional call whose parameters were not logged counts, saying so. Quiet for: PutEventSelectors that keep or add logging (data events added), UpdateTrail changing only SNS, KMS or tags, UpdateDetector changing only the publishing frequency, NOOP filters, and changes AWS services make for the account — Control Tower, Organizations, CloudFormation StackSets (invokedBy, an AWSService identity or a service source address). A pipeline that sets up a data-events-only trail fires (its selectors log no management events): allow-list its principal.`,
  runbook: [
    'If any call succeeded (details.succeeded), undo it first — StartLogging on the trail, re-create the detector or recorder, restore the selectors (details.changes says what and where) — since nothing is recorded meanwhile.',
    'If details.assessedSeverity is medium every call failed: the principal tried and was denied. Still find out why it tried.',
    'Check whether details.principal made a sanctioned change (a change ticket, a pipeline re-configuring logging); if so, allow-list it and close.',
    'Otherwise treat its key as stolen: deactivate it, then read everything it did from just before the change, from sources the attacker could not stop (an organization trail, the S3 access logs of the trail bucket, GuardDuty in the administrator account).',
    'Compare the trail, selectors, detector and recorder with your baseline in every region: attackers stop logging in the regions they are about to use.',
  ],
  attack: ['T1562.008', 'T1562.001'],
  source: 'cloudtrail',
  selector: { eventSources: LOGGING_SOURCES, eventNames: LOGGING_CALLS },
  match(event) {
    if (isAwsServiceCall(event)) return undefined;
    const change = loggingChange(event);
    if (!change) return undefined;
    return {
      groupKey: principalOf(event),
      note: { what: change.what, ...(change.target ? { target: change.target } : {}) },
    };
  },
  describe(hits) {
    return describeTampering(hits);
  },
  samples: {
    match: [
      {
        name: 'a leaked key stops the trail from a hostile user agent',
        events: [
          call(
            'cloudtrail.amazonaws.com',
            'StopLogging',
            { name: TRAIL },
            { eventID: 'stop-1', userAgent: HOSTILE_AGENT },
          ),
        ],
        expect: { findings: 1, eventIds: ['stop-1'] },
      },
      {
        name: 'one key blinds the account: trail deleted, GuardDuty, flow logs, DNS logs and Config removed',
        events: [
          call('cloudtrail.amazonaws.com', 'DeleteTrail', { name: TRAIL }, { eventID: 'blind-1' }),
          call(
            'guardduty.amazonaws.com',
            'DeleteDetector',
            { detectorId: '12abc34d567e8fa901bc2d34e56789f0' },
            { eventID: 'blind-2', minute: 1 },
          ),
          call(
            'ec2.amazonaws.com',
            'DeleteFlowLogs',
            { DeleteFlowLogsRequest: { FlowLogId: { content: 'fl-0a1b2c3d4e5f60718', tag: 1 } } },
            { eventID: 'blind-3', minute: 2 },
          ),
          call(
            'route53resolver.amazonaws.com',
            'DisassociateResolverQueryLogConfig',
            { resolverQueryLogConfigId: 'rqlc-0a1b2c3d4e5f6071', resourceId: 'vpc-0a1b2c3d' },
            { eventID: 'blind-4', minute: 3 },
          ),
          call(
            'route53resolver.amazonaws.com',
            'DeleteResolverQueryLogConfig',
            { resolverQueryLogConfigId: 'rqlc-0a1b2c3d4e5f6071' },
            { eventID: 'blind-5', minute: 3 },
          ),
          call(
            'config.amazonaws.com',
            'StopConfigurationRecorder',
            { configurationRecorderName: 'default' },
            { eventID: 'blind-6', minute: 4 },
          ),
          call(
            'config.amazonaws.com',
            'DeleteDeliveryChannel',
            { deliveryChannelName: 'default' },
            { eventID: 'blind-7', minute: 5 },
          ),
        ],
        expect: {
          findings: 1,
          eventIds: ['blind-1', 'blind-2', 'blind-3', 'blind-4', 'blind-5', 'blind-6', 'blind-7'],
        },
      },
      {
        name: 'event selectors narrowed to read-only data events, management events off',
        events: [
          call(
            'cloudtrail.amazonaws.com',
            'PutEventSelectors',
            {
              trailName: TRAIL,
              eventSelectors: [
                {
                  readWriteType: 'ReadOnly',
                  includeManagementEvents: false,
                  dataResources: [{ type: 'AWS::S3::Object', values: [] }],
                  excludeManagementEventSources: [],
                },
              ],
            },
            { eventID: 'sel-1' },
          ),
        ],
        expect: { findings: 1, eventIds: ['sel-1'] },
      },
      {
        name: 'advanced selectors keep only S3 data events; the trail goes single-region without validation',
        events: [
          call(
            'cloudtrail.amazonaws.com',
            'PutEventSelectors',
            {
              trailName: TRAIL,
              advancedEventSelectors: [
                {
                  name: 'S3 only',
                  fieldSelectors: [
                    { field: 'eventCategory', equals: ['Data'] },
                    { field: 'resources.type', equals: ['AWS::S3::Object'] },
                  ],
                },
              ],
            },
            { eventID: 'adv-1' },
          ),
          call(
            'cloudtrail.amazonaws.com',
            'UpdateTrail',
            { name: TRAIL, isMultiRegionTrail: false, enableLogFileValidation: false },
            { eventID: 'adv-2', minute: 1 },
          ),
        ],
        expect: { findings: 1, eventIds: ['adv-1', 'adv-2'] },
      },
      {
        name: 'denied attempts: GuardDuty disabled, an auto-archive filter, Insights off',
        events: [
          call(
            'guardduty.amazonaws.com',
            'UpdateDetector',
            { detectorId: '12abc34d567e8fa901bc2d34e56789f0', enable: false },
            { eventID: 'deny-1', errorCode: 'AccessDenied' },
          ),
          call(
            'guardduty.amazonaws.com',
            'CreateFilter',
            {
              detectorId: '12abc34d567e8fa901bc2d34e56789f0',
              name: '<b>quiet</b>',
              action: 'ARCHIVE',
              findingCriteria: { criterion: { severity: { gte: 1 } } },
            },
            { eventID: 'deny-2', minute: 1, errorCode: 'AccessDenied' },
          ),
          call(
            'cloudtrail.amazonaws.com',
            'PutInsightSelectors',
            { trailName: TRAIL, insightSelectors: [] },
            { eventID: 'deny-3', minute: 2, errorCode: 'AccessDeniedException' },
          ),
          call('cloudtrail.amazonaws.com', 'UpdateTrail', null, {
            eventID: 'deny-4',
            minute: 3,
            errorCode: 'AccessDenied',
          }),
        ],
        expect: { findings: 1, eventIds: ['deny-1', 'deny-2', 'deny-3', 'deny-4'] },
      },
    ],
    nonMatch: [
      {
        name: 'Terraform adds S3 data events and keeps all management events',
        events: [
          call(
            'cloudtrail.amazonaws.com',
            'PutEventSelectors',
            {
              trailName: TRAIL,
              eventSelectors: [
                {
                  readWriteType: 'All',
                  includeManagementEvents: true,
                  dataResources: [
                    { type: 'AWS::S3::Object', values: ['arn:aws:s3:::payroll-exports/'] },
                  ],
                  excludeManagementEventSources: [],
                },
              ],
            },
            { userAgent: TERRAFORM_AGENT },
          ),
          call(
            'cloudtrail.amazonaws.com',
            'PutEventSelectors',
            {
              trailName: TRAIL,
              advancedEventSelectors: [
                {
                  name: 'Management',
                  fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }],
                },
                {
                  name: 'Lambda',
                  fieldSelectors: [
                    { field: 'eventCategory', equals: ['Data'] },
                    { field: 'resources.type', equals: ['AWS::Lambda::Function'] },
                  ],
                },
              ],
            },
            { userAgent: TERRAFORM_AGENT, minute: 1 },
          ),
        ],
      },
      {
        name: 'UpdateTrail changing only its SNS topic and KMS key; GuardDuty publishing frequency; a NOOP filter',
        events: [
          call('cloudtrail.amazonaws.com', 'UpdateTrail', {
            name: TRAIL,
            snsTopicName: 'trail-notify',
            kmsKeyId: 'alias/trail',
          }),
          call('guardduty.amazonaws.com', 'UpdateDetector', {
            detectorId: '12abc34d567e8fa901bc2d34e56789f0',
            enable: true,
            findingPublishingFrequency: 'FIFTEEN_MINUTES',
          }),
          call('guardduty.amazonaws.com', 'CreateFilter', {
            detectorId: '12abc34d567e8fa901bc2d34e56789f0',
            name: 'tag-prod',
            action: 'NOOP',
          }),
        ],
      },
      {
        name: 'Control Tower and Organizations re-baselining logging through AWS services',
        events: [
          sampleRecord({
            eventSource: 'config.amazonaws.com',
            eventName: 'StopConfigurationRecorder',
            eventTime: T0,
            requestParameters: {
              configurationRecorderName: 'aws-controltower-BaselineConfigRecorder',
            },
            userIdentity: {
              ...sampleRoleIdentity('AWSControlTowerExecution', 'AWS-CloudFormation-StackSet'),
              invokedBy: 'cloudformation.amazonaws.com',
            },
            sourceIPAddress: 'cloudformation.amazonaws.com',
            userAgent: 'cloudformation.amazonaws.com',
          }),
          sampleRecord({
            eventSource: 'cloudtrail.amazonaws.com',
            eventName: 'DeleteTrail',
            eventTime: T0,
            requestParameters: { name: 'aws-controltower-BaselineCloudTrail' },
            userIdentity: { type: 'AWSService', invokedBy: 'organizations.amazonaws.com' },
            sourceIPAddress: 'organizations.amazonaws.com',
            userAgent: 'organizations.amazonaws.com',
          }),
        ],
      },
    ],
  },
});

function describeTampering(hits: readonly HitSummary[]) {
  const first = hits[0]!;
  const done = hits.filter((h) => h.errorCode === undefined);
  const principal = first.principalArn ?? first.accessKeyId ?? 'an unknown principal';
  // In time order, so the title leads with what was done first.
  const what = [...new Set(hits.map((h) => String(h.note?.['what'] ?? h.eventName)))];
  const shown =
    what.slice(0, 2).join('; ') + (what.length > 2 ? `; and ${what.length - 2} more` : '');
  const regions = distinct(hits.map((h) => h.region));
  return {
    title:
      done.length > 0
        ? `Logging reduced by ${principal}: ${shown}`
        : `Logging reduction attempted by ${principal} (all failed): ${shown}`,
    details: {
      principal,
      accessKeys: distinct(hits.map((h) => h.accessKeyId)),
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      regions,
      assessedSeverity: done.length > 0 ? 'high' : 'medium',
      succeeded: done.length,
      failed: hits.length - done.length,
      errorCodes: distinct(hits.map((h) => h.errorCode)),
      changes: hits.slice(0, MAX_CHANGES).map((h) => ({
        time: h.time ?? null,
        region: h.region,
        call: h.eventName,
        what: h.note?.['what'] ?? h.eventName,
        target: h.note?.['target'] ?? null,
        succeeded: h.errorCode === undefined,
        errorCode: h.errorCode ?? null,
      })),
      changesOmitted: Math.max(0, hits.length - MAX_CHANGES),
    },
  };
}
