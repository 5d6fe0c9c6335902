import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CloudEvent, RecordRejection } from '../core/event.js';
import type { TimeWindow } from './cloudtrail.js';
import {
  CLOUDTRAIL_START_MS,
  DEFAULT_FIELD_LIMITS,
  isRecordRejection,
  normalizeRecord,
} from './cloudtrail.js';
import { buildInsightRecord, buildRecord, CANARY_IDENTITY } from './fixtures/records.js';

const ORIGIN = { file: 'test.json', index: 4 };

function normalize(value: Record<string, unknown>): CloudEvent {
  const r = normalizeRecord(value, ORIGIN);
  if (isRecordRejection(r)) throw new Error(`unexpected rejection: ${r.reason}`);
  return r;
}

function deepArray(depth: number): unknown {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
}

describe('normalizeRecord', () => {
  it('normalizes a complete denied call', () => {
    const ev = normalize(buildRecord());
    expect(ev).toMatchObject({
      eventId: '3b1f1c2e-0000-4000-8000-000000000001',
      time: '2025-01-01T10:05:07.000Z',
      timeMs: Date.UTC(2025, 0, 1, 10, 5, 7),
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      region: 'us-east-1',
      regionKnown: true,
      eventType: 'AwsApiCall',
      identity: CANARY_IDENTITY,
      sourceIp: '203.0.113.45',
      sourceKind: 'ipv4',
      userAgentClass: 'aws-cli',
      userAgentName: 'aws-cli',
      errorCode: 'AccessDenied',
      errorMessage: 'Access Denied',
      readOnly: true,
      recipientAccountId: '111122223333',
      requestParameters: { Host: 's3.amazonaws.com' },
      origin: ORIGIN,
    });
    expect(ev.key).toMatchObject({ prefix: 'AKIA', kind: 'access-key', legacy: false });
    expect(ev).not.toHaveProperty('responseElements');
  });

  it('flattens the session issuer of a federated user', () => {
    const ev = normalize(
      buildRecord({
        userIdentity: {
          type: 'FederatedUser',
          principalId: '111122223333:attacker',
          arn: 'arn:aws:sts::111122223333:federated-user/attacker',
          accountId: '111122223333',
          accessKeyId: 'ASIAEXAMPLESESSION01',
          sessionContext: {
            attributes: { creationDate: '2025-01-01T10:00:00Z', mfaAuthenticated: 'false' },
            sessionIssuer: {
              type: 'IAMUser',
              principalId: 'AIDAEXAMPLEUSERID0001',
              arn: CANARY_IDENTITY.arn,
              accountId: '111122223333',
              userName: 'backup-sync',
            },
          },
        },
      }),
    );
    expect(ev.identity).toEqual({
      type: 'FederatedUser',
      principalId: '111122223333:attacker',
      arn: 'arn:aws:sts::111122223333:federated-user/attacker',
      accountId: '111122223333',
      accessKeyId: 'ASIAEXAMPLESESSION01',
      issuerType: 'IAMUser',
      issuerArn: CANARY_IDENTITY.arn,
      issuerPrincipalId: 'AIDAEXAMPLEUSERID0001',
      issuerUserName: 'backup-sync',
      issuerAccountId: '111122223333',
      mfaAuthenticated: false,
      sessionCreated: '2025-01-01T10:00:00Z',
    });
    expect(ev.key?.kind).toBe('temporary-access-key');
  });

  it('keeps the fields Sigma rules read, derives principalArn and the IAM target, marks truncation', () => {
    const ev = normalize(
      buildRecord({
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateAccessKey',
        requestID: 'req-1',
        vpcEndpointId: 'vpce-0abc',
        eventCategory: 'Management',
        managementEvent: true,
        additionalEventData: { SignatureVersion: 'SigV4' },
        resources: [{ ARN: 'arn:aws:iam::111122223333:user/x', type: 'AWS::IAM::User' }, 7],
        errorCode: 'AccessDenied',
        errorMessage:
          'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:CreateAccessKey on resource: user backup-sync because no identity-based policy allows it',
        requestParameters: null,
        userAgent: 'x'.repeat(3000),
      }),
    );
    expect(ev).toMatchObject({
      requestId: 'req-1',
      vpcEndpointId: 'vpce-0abc',
      eventCategory: 'Management',
      managementEvent: true,
      additionalEventData: { SignatureVersion: 'SigV4' },
      resources: [{ arn: 'arn:aws:iam::111122223333:user/x', type: 'AWS::IAM::User' }],
      principalArn: CANARY_IDENTITY.arn,
      targetUser: { name: 'backup-sync' },
      truncated: ['userAgent'],
    });
  });

  it('treats an empty accessKeyId as absent and has no key anatomy then', () => {
    const ev = normalize(
      buildRecord({
        userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com', accessKeyId: '' },
      }),
    );
    expect(ev.identity).toEqual({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' });
    expect(ev.key).toBeUndefined();
  });

  it('rejects only a record with neither eventName nor eventSource', () => {
    expect(normalizeRecord({ eventTime: '2025-01-01T10:05:07Z' }, ORIGIN)).toEqual({
      file: 'test.json',
      index: 4,
      reason: 'neither eventName nor eventSource',
    });
    const onlySource = normalize({ eventSource: 'sts.amazonaws.com' });
    expect(onlySource).toMatchObject({
      eventName: '',
      eventSource: 'sts.amazonaws.com',
      region: '',
      regionKnown: false,
    });
    expect(normalize({ eventName: 'GetCallerIdentity' }).eventSource).toBe('');
  });

  it('explains that an Insights event is not an API call', () => {
    const r = normalizeRecord(buildInsightRecord(), ORIGIN) as RecordRejection;
    expect(r.reason).toBe('a CloudTrail Insights event, not an API call');
  });

  it('derives a stable x- id from the content when eventID is missing or empty', () => {
    const a = normalize(buildRecord({ eventID: undefined }));
    const b = normalize({ ...buildRecord({ eventID: undefined }) });
    const reordered = Object.fromEntries(
      Object.entries(buildRecord({ eventID: undefined })).reverse(),
    );
    expect(a.eventId).toMatch(/^x-[0-9a-f]{32}$/);
    expect(b.eventId).toBe(a.eventId);
    expect(normalize(reordered).eventId).toBe(a.eventId);
    expect(normalize(buildRecord({ eventID: '' })).eventId).toMatch(/^x-/);
    expect(normalize(buildRecord({ eventID: undefined, eventName: 'Other' })).eventId).not.toBe(
      a.eventId,
    );
  });

  it('ignores fields of the wrong type instead of failing', () => {
    const ev = normalize({
      eventName: 'GetCallerIdentity',
      eventSource: 42,
      eventID: { nested: true },
      awsRegion: 7,
      userIdentity: 'IAMUser',
      sourceIPAddress: 2130706433,
      userAgent: ['aws-cli/2.0'],
      errorCode: false,
      readOnly: 'maybe',
      requestParameters: ['not', 'an', 'object'],
      responseElements: 'null',
    });
    expect(ev).toMatchObject({
      eventName: 'GetCallerIdentity',
      eventSource: '',
      region: '',
      regionKnown: false,
      identity: {},
      sourceKind: 'missing',
      userAgentClass: 'missing',
    });
    expect(ev.eventId).toMatch(/^x-/);
    for (const k of [
      'time',
      'sourceIp',
      'userAgent',
      'errorCode',
      'readOnly',
      'requestParameters',
      'responseElements',
    ]) {
      expect(ev).not.toHaveProperty(k);
    }
  });

  it('turns numeric account ids into 12-digit strings and reads readOnly strings', () => {
    const ev = normalize(
      buildRecord({
        recipientAccountId: 11122223333,
        readOnly: 'false',
        userIdentity: { accountId: 123 },
      }),
    );
    expect(ev.recipientAccountId).toBe('011122223333');
    expect(ev.identity.accountId).toBe('000000000123');
    expect(ev.readOnly).toBe(false);
  });

  it('reads every supported eventTime shape and leaves time out when there is none', () => {
    expect(normalize(buildRecord({ eventTime: 'Jul 18, 2014 4:07:39 PM' })).time).toBe(
      '2014-07-18T16:07:39.000Z',
    );
    expect(normalize(buildRecord({ eventTime: 1735725907 })).time).toBe('2025-01-01T10:05:07.000Z');
    const none = normalize(buildRecord({ eventTime: undefined }));
    expect(none).not.toHaveProperty('time');
    expect(none).not.toHaveProperty('timeMs');
  });

  it('rejects a record whose eventTime is unreadable or implausible, saying why', () => {
    const reason = (eventTime: unknown, window?: TimeWindow): string | undefined => {
      const r = normalizeRecord(buildRecord({ eventTime }), ORIGIN, DEFAULT_FIELD_LIMITS, window);
      return isRecordRejection(r) ? r.reason : undefined;
    };
    expect(reason('yesterday')).toBe('eventTime "yesterday" is not a readable time');
    expect(reason('2026-02-30T25:61:61Z')).toBe(
      'eventTime "2026-02-30T25:61:61Z" is not a readable time',
    );
    expect(reason(['2025-01-01T10:05:07Z'])).toBe(
      'eventTime of type object is not a readable time',
    );
    expect(reason(12345)).toBe('eventTime 12345 is before CloudTrail existed (2013-11-01)');
    expect(reason('\u001b[31m')).toBe('eventTime "?[31m" is not a readable time');
    const window = { notBeforeMs: CLOUDTRAIL_START_MS, notAfterMs: Date.UTC(2026, 0, 1) };
    expect(reason('2026-01-01T00:00:00Z', window)).toBeUndefined();
    expect(reason('2026-01-01T00:00:01Z', window)).toBe(
      'eventTime "2026-01-01T00:00:01Z" is in the future (after 2026-01-01T00:00:00.000Z)',
    );
  });

  it('flags fake regions as unknown and keeps them as given', () => {
    const ev = normalize(buildRecord({ awsRegion: 'ap-isob-east-1r' }));
    expect(ev.region).toBe('ap-isob-east-1r');
    expect(ev.regionKnown).toBe(false);
  });

  it('caps user agent, error message and other strings', () => {
    const ev = normalize(
      buildRecord({
        userAgent: 'aws-cli/2.0 ' + 'u'.repeat(1_000_000),
        errorMessage: 'e'.repeat(1_000_000),
        errorCode: 'c'.repeat(1_000_000),
        userIdentity: { arn: 'a'.repeat(1_000_000), accessKeyId: 'AKIA' + 'B'.repeat(1_000_000) },
      }),
    );
    expect(ev.userAgent?.length).toBe(DEFAULT_FIELD_LIMITS.userAgent);
    expect(ev.userAgentClass).toBe('aws-cli');
    expect(ev.errorMessage?.length).toBe(DEFAULT_FIELD_LIMITS.errorMessage);
    expect(ev.errorCode?.length).toBe(DEFAULT_FIELD_LIMITS.string);
    expect(ev.identity.arn?.length).toBe(DEFAULT_FIELD_LIMITS.string);
    expect(ev.key?.wellFormed).toBe(false);
  });

  it('never cuts a surrogate pair in half when capping', () => {
    const ev = normalize(buildRecord({ errorCode: 'x'.repeat(2047) + '😀😀' }));
    expect(ev.errorCode).toBe('x'.repeat(2047));
  });

  it('keeps user-agent markup as data', () => {
    const ua = '<img src=x onerror=alert(1)>|<script>alert("x")</script>';
    const ev = normalize(buildRecord({ userAgent: ua }));
    expect(ev.userAgent).toBe(ua);
    expect(ev.userAgentClass).toBe('other');
  });

  it('replaces request parameters over 64 KB by a truncation marker', () => {
    const ev = normalize(buildRecord({ requestParameters: { policy: 'p'.repeat(200_000) } }));
    expect(ev.requestParameters).toMatchObject({ _truncated: true });
    expect((ev.requestParameters as { bytes: number }).bytes).toBeGreaterThan(64 * 1024);
  });

  it('replaces 10 000-deep response elements by a marker without blowing the stack', () => {
    const ev = normalize(buildRecord({ responseElements: { items: deepArray(10_000) } }));
    expect(ev.responseElements).toMatchObject({ _truncated: true, depth: 65 });
  });

  it('keeps an object at the cap and honours custom limits', () => {
    const params = { note: 'n'.repeat(100) };
    const limits = { ...DEFAULT_FIELD_LIMITS, objectBytes: 50, userAgent: 10 };
    const ev = normalizeRecord(
      buildRecord({ requestParameters: params }),
      ORIGIN,
      limits,
    ) as CloudEvent;
    // Short top-level strings are kept beside the marker, so the request's target stays visible.
    expect(ev.requestParameters).toEqual({ note: 'n'.repeat(100), _truncated: true, bytes: 111 });
    const long = normalizeRecord(
      buildRecord({ requestParameters: { userName: 'u', doc: 'x'.repeat(2000) } }),
      ORIGIN,
      limits,
    ) as CloudEvent;
    expect(long.requestParameters).toMatchObject({ userName: 'u', _truncated: true });
    expect(long.requestParameters).not.toHaveProperty('doc');
    expect(ev.userAgent).toBe('[aws-cli/2');
    expect(normalize(buildRecord({ requestParameters: params })).requestParameters).toBe(params);
  });

  it('never throws and returns an event or a rejection for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.object(),
          fc.dictionary(
            fc.constantFrom(
              'eventName',
              'eventSource',
              'eventTime',
              'userIdentity',
              'requestParameters',
              'userAgent',
              'sourceIPAddress',
              'eventID',
              'awsRegion',
            ),
            fc.anything(),
          ),
        ),
        (v) => {
          const r = normalizeRecord(v as Record<string, unknown>, ORIGIN);
          if (isRecordRejection(r)) {
            expect(typeof r.reason).toBe('string');
          } else {
            expect(typeof r.eventId).toBe('string');
            expect(typeof r.eventName).toBe('string');
            expect(r.origin).toBe(ORIGIN);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
