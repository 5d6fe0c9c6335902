import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Token } from '../../core/index.js';
import { normalizeRecord } from '../../normalize/index.js';
import { createCanaryIndex } from '../canary-index.js';
import { createEngine } from '../engine.js';
import type { HitSummary } from '../rule.js';
import { CANARY_USER_CHANGES, honeytokenTampered as rule } from './honeytoken-tampered.js';
import {
  CANARY_SAMPLE_TOKEN as T,
  SAMPLE_ADMIN_IDENTITY as ADMIN,
  sampleDeniedMessage,
  sampleIamCall,
} from './samples.js';

const ADMIN_ARN = 'arn:aws:iam::111122223333:user/alice';
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';

function run(
  records: readonly Record<string, unknown>[],
  opts: { tokens?: readonly Token[]; management?: readonly string[] } = {},
) {
  const engine = createEngine([rule], {
    canaries: createCanaryIndex(opts.tokens ?? [T]),
    managementPrincipals: new Set(opts.management ?? []),
  });
  const ctx = engine.describeContext(rule);
  const hits: HitSummary[] = [];
  records.forEach((raw, index) => {
    const ev = normalizeRecord(raw, { file: 'test', index });
    if (!('eventId' in ev)) throw new Error(`record ${index} did not normalize`);
    hits.push(...engine.evaluate(ev).hits);
  });
  return { hits, ctx };
}

const attach = (userName: unknown) =>
  sampleIamCall({ requestParameters: { userName, policyArn: ADMIN_POLICY } });

describe('honeytoken.tampered: which calls count', () => {
  it('fires on every listed change to the canary user, succeeded or denied', () => {
    for (const eventName of CANARY_USER_CHANGES) {
      for (const errorCode of [undefined, 'AccessDenied']) {
        const rec = sampleIamCall({
          eventName,
          requestParameters: { userName: T.userName },
          ...(errorCode ? { errorCode } : {}),
        });
        expect(run([rec]).hits, `${eventName} ${errorCode ?? 'ok'}`).toHaveLength(1);
      }
    }
  });

  it('fires on a listed change even when the record claims readOnly', () => {
    expect(run([{ ...attach(T.userName), readOnly: true }]).hits).toHaveLength(1);
  });

  it('fires on an unlisted IAM call that is not logged readOnly (actions AWS adds later)', () => {
    const rec = sampleIamCall({
      eventName: 'SetUserSomethingNew',
      requestParameters: { userName: T.userName },
    });
    expect(run([rec]).hits).toHaveLength(1);
  });

  it('ignores reads by name even when readOnly is missing, and unlisted calls logged readOnly', () => {
    const getUser = sampleIamCall({
      eventName: 'GetUser',
      requestParameters: { userName: T.userName },
    });
    delete getUser['readOnly'];
    const unlistedRead = sampleIamCall({
      eventName: 'SetUserSomethingNew',
      readOnly: true,
      requestParameters: { userName: T.userName },
    });
    expect(run([getUser, unlistedRead]).hits).toHaveLength(0);
  });

  it('ignores calls to other services that carry a userName', () => {
    const rec = { ...attach(T.userName), eventSource: 'identitystore.amazonaws.com' };
    expect(run([rec]).hits).toHaveLength(0);
  });
});

describe('honeytoken.tampered: which user is the target', () => {
  it('matches the user name case-insensitively, as IAM does', () => {
    expect(run([attach('SVC-Billing-PROD')]).hits).toHaveLength(1);
  });

  it.each([
    ['a trailing space', 'svc-billing-prod '],
    ['a number', 42],
    ['an object', { name: 'svc-billing-prod' }],
    ['an array', ['svc-billing-prod']],
    ['a prototype key', '__proto__'],
    ['an over-long name that starts with the canary name', `svc-billing-prod${'x'.repeat(200)}`],
  ])('does not fire when userName is %s', (_label, userName) => {
    expect(run([attach(userName)]).hits).toHaveLength(0);
  });

  it('never fires and never throws on arbitrary userName values that are not the canary name', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (userName) => {
        fc.pre(!(typeof userName === 'string' && userName.toLowerCase() === 'svc-billing-prod'));
        expect(run([attach(userName)]).hits).toHaveLength(0);
      }),
      { numRuns: 200 },
    );
  });

  it('does not fire when the event comes from another account than the canary user', () => {
    const rec = {
      ...attach(T.userName),
      recipientAccountId: '444455556666',
      userIdentity: { ...ADMIN, accountId: '444455556666' },
    };
    expect(run([rec]).hits).toHaveLength(0);
  });

  it('fires regardless of account when the token has no known account', () => {
    const bare: Token = { ...T, id: 'tok_bare00000001' };
    delete (bare as { accountId?: string }).accountId;
    delete (bare as { userArn?: string }).userArn;
    const rec = { ...attach(T.userName), recipientAccountId: '444455556666' };
    expect(run([rec], { tokens: [bare] }).hits).toHaveLength(1);
  });

  it('prefers the active token when a retired one has the same user name', () => {
    const retired: Token = { ...T, id: 'tok_retired000001', status: 'retired' };
    const { hits } = run([attach(T.userName)], { tokens: [retired, T] });
    expect(hits[0]?.tokenId).toBe(T.id);
  });

  it('reads the target of a denied call from the error message, user or ARN form', () => {
    const denied = (errorMessage: string) =>
      sampleIamCall({ eventName: 'PutUserPolicy', errorCode: 'AccessDenied', errorMessage });
    const userForm = sampleDeniedMessage(ADMIN_ARN, 'PutUserPolicy', 'svc-billing-prod');
    const arnForm = `User: ${ADMIN_ARN} is not authorized to perform: iam:PutUserPolicy on resource: arn:aws:iam::111122223333:user/svc/ci/svc-billing-prod with an explicit deny in a service control policy`;
    const otherAccount = arnForm.replace(':111122223333:user/svc', ':444455556666:user/svc');
    const elsewhere = `User: ${ADMIN_ARN} is not authorized to perform: iam:PutUserPolicy on resource: user alice because svc-billing-prod`;
    expect(run([denied(userForm)]).hits).toHaveLength(1);
    expect(run([denied(arnForm)]).hits).toHaveLength(1);
    expect(run([denied(otherAccount)]).hits).toHaveLength(0);
    expect(run([denied(elsewhere)]).hits).toHaveLength(0);
  });

  it('does not read the error message of a successful call', () => {
    const rec = sampleIamCall({
      eventName: 'PutUserPolicy',
      errorMessage: sampleDeniedMessage(ADMIN_ARN, 'PutUserPolicy', 'svc-billing-prod'),
    });
    expect(run([rec]).hits).toHaveLength(0);
  });
});

describe('honeytoken.tampered: who is excluded', () => {
  it('stays quiet when a management principal acts directly as an IAM user', () => {
    expect(run([attach(T.userName)], { management: [ADMIN_ARN] }).hits).toHaveLength(0);
  });

  it('stays quiet when the canary acts on itself with a session key', () => {
    const rec = sampleIamCall({
      actor: 'canary',
      accessKeyId: 'ASIAQEXAMPLESESSION2',
      requestParameters: { userName: T.userName, policyArn: ADMIN_POLICY },
    });
    expect(run([rec]).hits).toHaveLength(0);
  });

  it('groups by token and actor', () => {
    const bob = { ...ADMIN, arn: 'arn:aws:iam::111122223333:user/bob', principalId: 'AIDABOB' };
    const { hits } = run([attach(T.userName), attach(T.userName)]);
    const other = run([sampleIamCall({ actor: bob, requestParameters: { userName: T.userName } })]);
    expect(new Set(hits.map((h) => h.groupKey))).toEqual(new Set([`${T.id}|${ADMIN_ARN}`]));
    expect(other.hits[0]?.groupKey).toBe(`${T.id}|arn:aws:iam::111122223333:user/bob`);
  });
});

describe('honeytoken.tampered: finding text', () => {
  it('names the canary user, the actor and the actions, and counts failures', () => {
    const { hits, ctx } = run([
      attach(T.userName),
      sampleIamCall({
        eventName: 'CreateAccessKey',
        errorCode: 'AccessDenied',
        errorMessage: sampleDeniedMessage(ADMIN_ARN, 'CreateAccessKey', 'svc-billing-prod'),
      }),
    ]);
    const text = rule.describe(hits, ctx);
    expect(text.title).toBe(
      `Canary user svc-billing-prod changed by ${ADMIN_ARN} (AttachUserPolicy, CreateAccessKey)`,
    );
    expect(text.details).toMatchObject({
      canaryUser: T.userArn,
      actor: ADMIN_ARN,
      actions: ['AttachUserPolicy', 'CreateAccessKey'],
      succeeded: true,
      succeededCalls: 1,
      failedCalls: 1,
      errorCodes: ['AccessDenied'],
      policyArns: [ADMIN_POLICY],
      awsQuarantine: false,
      placementText:
        'user svc-billing-prod (key AKIAQEXAMPLECANARY01) placed on build-7 in ~/.aws/credentials by platform-team',
    });
  });

  it('says when every attempt failed', () => {
    const rec = sampleIamCall({
      eventName: 'DeleteAccessKey',
      errorCode: 'AccessDenied',
      requestParameters: { userName: T.userName, accessKeyId: T.accessKeyId },
    });
    const { hits, ctx } = run([rec]);
    const text = rule.describe(hits, ctx);
    expect(text.title).toBe(
      `Failed attempt to change canary user svc-billing-prod by ${ADMIN_ARN} (DeleteAccessKey)`,
    );
    expect(text.details).toMatchObject({ succeeded: false, targetKeyIds: [T.accessKeyId] });
  });

  it('labels AWS quarantining the user, but not an attacker attaching the same policy', () => {
    const policyArn = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3';
    const byAws = sampleIamCall({
      actor: { type: 'AWSService', invokedBy: 'AWS Internal' },
      sourceIPAddress: 'AWS Internal',
      requestParameters: { userName: T.userName, policyArn },
    });
    const aws = run([byAws]);
    const awsText = rule.describe(aws.hits, aws.ctx);
    expect(awsText.title).toBe(
      'AWS quarantined canary user svc-billing-prod (AWSCompromisedKeyQuarantineV3): AWS saw its key exposed publicly',
    );
    expect(awsText.details).toMatchObject({ awsQuarantine: true, actor: 'AWS Internal' });
    const mimic = run([sampleIamCall({ requestParameters: { userName: T.userName, policyArn } })]);
    const mimicText = rule.describe(mimic.hits, mimic.ctx);
    expect(mimicText.details['awsQuarantine']).toBe(false);
    expect(mimicText.title).toMatch(/^Canary user svc-billing-prod changed by /);
  });

  it.each([
    ['identity type AWSService', { actor: { type: 'AWSService' } }],
    ['invokedBy AWS Internal', { actor: { ...ADMIN, invokedBy: 'AWS Internal' } }],
    ['source AWS Internal', { sourceIPAddress: 'AWS Internal' }],
  ])('takes %s as AWS acting', (_label, who) => {
    const policyArn = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine';
    const { hits } = run([
      sampleIamCall({ ...who, requestParameters: { userName: T.userName, policyArn } }),
    ]);
    expect(hits[0]?.note?.['awsQuarantine']).toBe(true);
  });

  it('caps attacker-controlled parameters kept in notes', () => {
    const rec = sampleIamCall({
      eventName: 'PutUserPolicy',
      requestParameters: { userName: T.userName, policyName: 'p'.repeat(5000) },
    });
    const { hits } = run([rec]);
    expect(String(hits[0]?.note?.['policyName']).length).toBeLessThanOrEqual(513);
  });
});
