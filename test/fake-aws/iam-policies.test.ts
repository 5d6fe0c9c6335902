import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  GetUserPolicyCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeAws } from './harness.js';

const DENY_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'DenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
});
const QUARANTINE = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2';

describe('inline user policies', () => {
  const h = useFakeAws();

  it('stores a policy and returns it URL-encoded, as AWS does', async () => {
    const iam = h.iam();
    await iam.send(new CreateUserCommand({ UserName: 'canary' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'canary',
        PolicyName: 'deny-all',
        PolicyDocument: DENY_ALL,
      }),
    );
    const out = await iam.send(
      new GetUserPolicyCommand({ UserName: 'canary', PolicyName: 'deny-all' }),
    );
    expect(out.PolicyDocument).toMatch(/^%7B%22Version%22%3A%222012-10-17%22/);
    expect(JSON.parse(decodeURIComponent(out.PolicyDocument!))).toEqual(JSON.parse(DENY_ALL));
    const names = await iam.send(new ListUserPoliciesCommand({ UserName: 'canary' }));
    expect(names.PolicyNames).toEqual(['deny-all']);
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'canary', PolicyName: 'deny-all' }));
    const gone = await rejection(
      iam.send(new GetUserPolicyCommand({ UserName: 'canary', PolicyName: 'deny-all' })),
    );
    expect(gone.name).toBe('NoSuchEntityException');
  });

  it('rejects malformed documents and documents over the per-user size quota', async () => {
    const iam = h.iam();
    await iam.send(new CreateUserCommand({ UserName: 'canary' }));
    const bad = await rejection(
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'canary',
          PolicyName: 'p',
          PolicyDocument: '{"Statement":',
        }),
      ),
    );
    expect(bad.name).toBe('MalformedPolicyDocumentException');
    const big = JSON.stringify({
      Statement: [{ Effect: 'Deny', Action: 'x'.repeat(2100), Resource: '*' }],
    });
    const tooBig = await rejection(
      iam.send(
        new PutUserPolicyCommand({ UserName: 'canary', PolicyName: 'p', PolicyDocument: big }),
      ),
    );
    expect(tooBig.name).toBe('LimitExceededException');
  });
});

describe('managed user policies', () => {
  const h = useFakeAws();

  it('attaches AWS-managed ARNs and lists them with their names', async () => {
    const iam = h.iam();
    await iam.send(new CreateUserCommand({ UserName: 'canary' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'canary', PolicyArn: QUARANTINE }));
    const out = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'canary' }));
    expect(out.AttachedPolicies).toEqual([
      { PolicyName: 'AWSCompromisedKeyQuarantineV2', PolicyArn: QUARANTINE },
    ]);
  });

  it('refuses customer-managed ARNs the fake does not know', async () => {
    await h.iam().send(new CreateUserCommand({ UserName: 'canary' }));
    const err = await rejection(
      h.iam().send(
        new AttachUserPolicyCommand({
          UserName: 'canary',
          PolicyArn: 'arn:aws:iam::123456789012:policy/mine',
        }),
      ),
    );
    expect(err.name).toBe('NoSuchEntityException');
  });

  it('lets a test attach the quarantine policy as AWS itself, logged with an AWS-internal identity', async () => {
    await h.iam().send(new CreateUserCommand({ UserName: 'canary' }));
    h.fake.control.attachPolicyAsAws('canary', QUARANTINE);
    expect(h.fake.control.users().find((u) => u.userName === 'canary')?.attachedPolicies).toEqual([
      QUARANTINE,
    ]);
    const last = h.fake.cloudTrailRecords().at(-1);
    expect(last).toMatchObject({
      eventName: 'AttachUserPolicy',
      userIdentity: { type: 'AWSService', invokedBy: 'AWS Internal' },
      sourceIPAddress: 'AWS Internal',
      requestParameters: { userName: 'canary', policyArn: QUARANTINE },
    });
  });
});

describe('authorization of non-admin callers', () => {
  const h = useFakeAws({ accountId: '111122223333' });

  async function canary(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    await h.iam().send(new CreateUserCommand({ UserName: 'canary', Path: '/svc/' }));
    const out = await h.iam().send(new CreateAccessKeyCommand({ UserName: 'canary' }));
    return {
      accessKeyId: out.AccessKey!.AccessKeyId!,
      secretAccessKey: out.AccessKey!.SecretAccessKey!,
    };
  }

  it('denies a user without policies with AWS wording naming the user ARN', async () => {
    const err = await rejection(h.iam(await canary()).send(new ListUsersCommand({})));
    expect(err.name).toBe('AccessDenied');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toBe(
      'User: arn:aws:iam::111122223333:user/svc/canary is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::111122223333:user/ because no identity-based policy allows the iam:ListUsers action',
    );
  });

  it('says "explicit deny" when a deny-all inline policy matches, even with AdministratorAccess', async () => {
    const key = await canary();
    const iam = h.iam();
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'canary',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    await expect(h.iam(key).send(new ListUsersCommand({}))).resolves.toBeDefined();
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'canary',
        PolicyName: 'deny',
        PolicyDocument: DENY_ALL,
      }),
    );
    const err = await rejection(h.iam(key).send(new CreateUserCommand({ UserName: 'evil' })));
    expect(err.message).toBe(
      'User: arn:aws:iam::111122223333:user/svc/canary is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::111122223333:user/evil with an explicit deny in an identity-based policy',
    );
    const keyErr = await rejection(h.iam(key).send(new CreateAccessKeyCommand({})));
    expect(keyErr.message).toContain(
      'iam:CreateAccessKey on resource: user canary with an explicit deny',
    );
  });
});
