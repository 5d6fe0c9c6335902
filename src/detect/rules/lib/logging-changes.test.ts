import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../../normalize/index.js';
import { sampleRecord } from '../samples.js';
import { LOGGING_CALLS, loggingChange } from './logging-changes.js';

const SOURCE: Record<string, string> = {
  PutEventSelectors: 'cloudtrail.amazonaws.com',
  UpdateTrail: 'cloudtrail.amazonaws.com',
  PutInsightSelectors: 'cloudtrail.amazonaws.com',
  UpdateDetector: 'guardduty.amazonaws.com',
  CreateFilter: 'guardduty.amazonaws.com',
  CreateIPSet: 'guardduty.amazonaws.com',
  UpdateIPSet: 'guardduty.amazonaws.com',
  DeleteFlowLogs: 'ec2.amazonaws.com',
};

function change(eventName: string, rp: Record<string, unknown> | null, errorCode?: string) {
  const raw = sampleRecord({
    eventName,
    eventSource: SOURCE[eventName] ?? 'cloudtrail.amazonaws.com',
    requestParameters: rp,
    ...(errorCode ? { errorCode } : {}),
  });
  const ev = normalizeRecord(raw, { file: 't', index: 0 });
  if (!('eventId' in ev)) throw new Error(ev.reason);
  return loggingChange(ev)?.what;
}

const basic = (s: Record<string, unknown>) =>
  change('PutEventSelectors', { trailName: 't', eventSelectors: [s] });
const advanced = (...fieldSelectors: Record<string, unknown>[][]) =>
  change('PutEventSelectors', {
    trailName: 't',
    advancedEventSelectors: fieldSelectors.map((f) => ({ fieldSelectors: f })),
  });
const MGMT = { field: 'eventCategory', equals: ['Management'] };

describe('PutEventSelectors: what counts as less management logging', () => {
  it('keeps quiet for all management events, with or without data events', () => {
    expect(basic({ readWriteType: 'All', includeManagementEvents: true })).toBeUndefined();
    expect(basic({})).toBeUndefined();
    expect(advanced([MGMT], [{ field: 'eventCategory', equals: ['Data'] }])).toBeUndefined();
  });

  it('reports no management events, no writes, no reads, and excluded sources', () => {
    expect(basic({ includeManagementEvents: false, readWriteType: 'All' })).toBe(
      'CloudTrail event selectors: management events no longer logged',
    );
    expect(basic({ readWriteType: 'ReadOnly' })).toMatch(
      /write management events no longer logged/,
    );
    expect(basic({ readWriteType: 'WriteOnly' })).toMatch(
      /: read management events no longer logged$/,
    );
    expect(basic({ excludeManagementEventSources: ['kms.amazonaws.com'] })).toMatch(
      /management events of kms.amazonaws.com excluded/,
    );
    expect(advanced([{ field: 'eventCategory', equals: ['Data'] }])).toMatch(
      /management events no longer logged/,
    );
    expect(advanced([MGMT, { field: 'readOnly', equals: ['true'] }])).toMatch(/write management/);
    expect(advanced([MGMT, { field: 'readOnly', notEquals: ['false'] }])).toMatch(
      /write management/,
    );
    expect(advanced([MGMT, { field: 'eventSource', notEquals: ['kms.amazonaws.com'] }])).toMatch(
      /kms/,
    );
  });

  it('judges the selectors together: a reads selector and a writes selector log everything', () => {
    const both = change('PutEventSelectors', {
      eventSelectors: [{ readWriteType: 'ReadOnly' }, { readWriteType: 'WriteOnly' }],
    });
    expect(both).toBeUndefined();
    const excludedOnce = change('PutEventSelectors', {
      eventSelectors: [{ excludeManagementEventSources: ['kms.amazonaws.com'] }, {}],
    });
    expect(excludedOnce).toBeUndefined();
  });

  it('counts a denied call without parameters as an attempt, and is silent on a successful one', () => {
    expect(change('PutEventSelectors', null, 'AccessDenied')).toBe(
      'CloudTrail event selectors changed (parameters not logged)',
    );
    expect(change('PutEventSelectors', null)).toBeUndefined();
    expect(change('PutEventSelectors', { trailName: 't' })).toBeUndefined();
  });
});

describe('UpdateTrail, Insights and GuardDuty', () => {
  it('reports what UpdateTrail turns off and a changed bucket, not SNS or KMS changes', () => {
    expect(change('UpdateTrail', { name: 't', includeGlobalServiceEvents: 'false' })).toBe(
      'CloudTrail trail: global service events (IAM, STS) off',
    );
    expect(
      change('UpdateTrail', {
        name: 't',
        s3BucketName: 'elsewhere',
        cloudWatchLogsLogGroupArn: '',
      }),
    ).toBe('CloudTrail trail: CloudWatch Logs delivery removed, logs now go to bucket elsewhere');
    expect(
      change('UpdateTrail', { name: 't', isMultiRegionTrail: true, snsTopicName: 'x' }),
    ).toBeUndefined();
  });

  it('reports Insights turned off, not Insights added', () => {
    expect(change('PutInsightSelectors', { trailName: 't', insightSelectors: [] })).toMatch(
      /turned off/,
    );
    expect(
      change('PutInsightSelectors', {
        trailName: 't',
        insightSelectors: [{ insightType: 'ApiCallRateInsight' }],
      }),
    ).toBeUndefined();
  });

  it('reports GuardDuty disabled, features and data sources off, archive filters, trusted IP lists', () => {
    expect(change('UpdateDetector', { detectorId: 'd', enable: false })).toBe(
      'GuardDuty detector: disabled',
    );
    expect(
      change('UpdateDetector', {
        detectorId: 'd',
        features: [
          { name: 'S3_DATA_EVENTS', status: 'DISABLED' },
          { name: 'EKS_AUDIT_LOGS', status: 'ENABLED' },
        ],
        dataSources: { s3Logs: { enable: false }, kubernetes: { auditLogs: { enable: true } } },
      }),
    ).toBe('GuardDuty detector: features disabled: S3_DATA_EVENTS, data sources disabled: s3Logs');
    expect(change('UpdateDetector', { detectorId: 'd', enable: true })).toBeUndefined();
    expect(change('CreateFilter', { detectorId: 'd', name: 'f', action: 'archive' })).toMatch(
      /auto-archived by f/,
    );
    expect(
      change('CreateIPSet', { detectorId: 'd', name: 'ours', activate: true, location: 's3://x' }),
    ).toMatch(/ours activated/);
    expect(
      change('CreateIPSet', { detectorId: 'd', name: 'ours', activate: false, location: 's3://x' }),
    ).toBeUndefined();
    expect(change('UpdateIPSet', { detectorId: 'd', ipSetId: 'i', location: 's3://y' })).toMatch(
      /i activated/,
    );
  });

  it('names the target, including flow log ids in both logged shapes', () => {
    const raw = (rp: Record<string, unknown>) =>
      normalizeRecord(
        sampleRecord({
          eventName: 'DeleteFlowLogs',
          eventSource: 'ec2.amazonaws.com',
          requestParameters: rp,
        }),
        {
          file: 't',
          index: 0,
        },
      );
    const one = raw({ DeleteFlowLogsRequest: { FlowLogId: { content: 'fl-1', tag: 1 } } });
    const many = raw({
      DeleteFlowLogsRequest: {
        FlowLogId: [
          { content: 'fl-1', tag: 1 },
          { content: 'fl-2', tag: 2 },
        ],
      },
    });
    expect('eventId' in one && loggingChange(one)?.target).toBe('fl-1');
    expect('eventId' in many && loggingChange(many)?.target).toBe('fl-1 fl-2');
  });

  it('ignores a logging call name from another service', () => {
    const ev = normalizeRecord(
      sampleRecord({ eventName: 'DeleteDetector', eventSource: 'ec2.amazonaws.com' }),
      {
        file: 't',
        index: 0,
      },
    );
    expect('eventId' in ev && loggingChange(ev)).toBeUndefined();
  });

  it('never throws on hostile parameters', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LOGGING_CALLS),
        fc.jsonValue(),
        fc.boolean(),
        (name, rp, denied) => {
          const raw = sampleRecord({
            eventName: name,
            eventSource: SOURCE[name] ?? 'cloudtrail.amazonaws.com',
          });
          const ev = normalizeRecord(
            { ...raw, requestParameters: rp, ...(denied ? { errorCode: 'AccessDenied' } : {}) },
            { file: 'p', index: 0 },
          );
          if ('eventId' in ev) loggingChange(ev);
        },
      ),
    );
  });
});
