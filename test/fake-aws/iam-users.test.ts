import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetUserCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeAws } from './harness.js';

const DENY_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'DenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
});

describe('IAM users', () => {
  const h = useFakeAws({ accountId: '111122223333' });

  it('creates a user with path and tags and returns it with an AIDA id and path in the ARN', async () => {
    const out = await h.iam().send(
      new CreateUserCommand({
        UserName: 'backup-sync',
        Path: '/svc/ci/',
        Tags: [
          { Key: 'canary', Value: 'true' },
          { Key: 'empty', Value: '' },
        ],
      }),
    );
    expect(out.User).toMatchObject({
      UserName: 'backup-sync',
      Path: '/svc/ci/',
      Arn: 'arn:aws:iam::111122223333:user/svc/ci/backup-sync',
      Tags: [
        { Key: 'canary', Value: 'true' },
        { Key: 'empty', Value: '' },
      ],
    });
    expect(out.User?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(out.User?.CreateDate).toBeInstanceOf(Date);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a duplicate name case-insensitively with EntityAlreadyExists (409)', async () => {
    await h.iam().send(new CreateUserCommand({ UserName: 'Deploy' }));
    const err = await rejection(h.iam().send(new CreateUserCommand({ UserName: 'deploy' })));
    expect(err.name).toBe('EntityAlreadyExistsException');
    expect(err.$metadata.httpStatusCode).toBe(409);
  });

  it('validates names, paths and tags', async () => {
    const iam = h.iam();
    const cases = [
      { UserName: 'x'.repeat(65) },
      { UserName: 'bad name' },
      { UserName: 'ok', Path: 'no-slash' },
      { UserName: 'ok', Path: '/a b/' },
      { UserName: 'ok', Tags: [{ Key: 'bad<key', Value: 'v' }] },
    ];
    for (const input of cases) {
      const err = await rejection(iam.send(new CreateUserCommand(input)));
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.name).toBe('ValidationError');
    }
    const dup = await rejection(
      iam.send(
        new CreateUserCommand({
          UserName: 'ok',
          Tags: [
            { Key: 'A', Value: '1' },
            { Key: 'a', Value: '2' },
          ],
        }),
      ),
    );
    expect(dup.name).toBe('InvalidInputException');
    expect(h.fake.control.users().map((u) => u.userName)).toEqual(['keysnare-admin']);
  });

  it('answers GetUser without a name with the caller, and NoSuchEntity (404) for unknown users', async () => {
    const me = await h.iam().send(new GetUserCommand({}));
    expect(me.User?.UserName).toBe('keysnare-admin');
    const err = await rejection(h.iam().send(new GetUserCommand({ UserName: 'ghost' })));
    expect(err.name).toBe('NoSuchEntityException');
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect(err.message).toBe('The user with name ghost cannot be found.');
  });

  it('escapes names in XML so user data cannot break the response', async () => {
    const err = await rejection(h.iam().send(new GetUserCommand({ UserName: 'a&b<c>' })));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toContain("'a&b<c>'");
  });

  it('lists users by path prefix with Marker/MaxItems paging', async () => {
    const iam = h.iam();
    for (const name of ['u1', 'u2', 'u3']) {
      await iam.send(new CreateUserCommand({ UserName: name, Path: '/canary/' }));
    }
    const first = await iam.send(new ListUsersCommand({ PathPrefix: '/canary/', MaxItems: 2 }));
    expect(first.Users?.map((u) => u.UserName)).toEqual(['u1', 'u2']);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(
      new ListUsersCommand({ PathPrefix: '/canary/', MaxItems: 2, Marker: first.Marker! }),
    );
    expect(second.Users?.map((u) => u.UserName)).toEqual(['u3']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
  });

  it('merges tags by key and lists them', async () => {
    const iam = h.iam();
    await iam.send(new CreateUserCommand({ UserName: 't', Tags: [{ Key: 'a', Value: '1' }] }));
    await iam.send(
      new TagUserCommand({
        UserName: 't',
        Tags: [
          { Key: 'A', Value: '2' },
          { Key: 'b', Value: '3' },
        ],
      }),
    );
    const tags = await iam.send(new ListUserTagsCommand({ UserName: 't' }));
    expect(tags.Tags).toEqual([
      { Key: 'a', Value: '2' },
      { Key: 'b', Value: '3' },
    ]);
  });
});

describe('DeleteUser', () => {
  const h = useFakeAws();

  async function expectConflict(message: string): Promise<void> {
    const err = await rejection(h.iam().send(new DeleteUserCommand({ UserName: 'victim' })));
    expect(err.name).toBe('DeleteConflictException');
    expect(err.$metadata.httpStatusCode).toBe(409);
    expect(err.message).toBe(`Cannot delete entity, ${message}.`);
  }

  it('refuses while a login profile, keys, inline or attached policies or groups remain', async () => {
    const iam = h.iam();
    await iam.send(new CreateUserCommand({ UserName: 'victim' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
    await iam.send(new AddUserToGroupCommand({ UserName: 'victim', GroupName: 'devs' }));
    const policyArn = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2';
    await iam.send(new AttachUserPolicyCommand({ UserName: 'victim', PolicyArn: policyArn }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'victim',
        PolicyName: 'deny',
        PolicyDocument: DENY_ALL,
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'victim' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'victim', Password: 'Secret-123!' }));

    await expectConflict('must delete login profile first');
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'victim' }));
    await expectConflict('must delete access keys first');
    await iam.send(
      new DeleteAccessKeyCommand({ UserName: 'victim', AccessKeyId: key.AccessKey!.AccessKeyId! }),
    );
    await expectConflict('must delete policies first');
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'victim', PolicyName: 'deny' }));
    await expectConflict('must detach all policies first');
    await iam.send(new DetachUserPolicyCommand({ UserName: 'victim', PolicyArn: policyArn }));
    await expectConflict('must remove users from group first');
    const groups = await iam.send(new ListGroupsForUserCommand({ UserName: 'victim' }));
    expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['devs']);
    await iam.send(new RemoveUserFromGroupCommand({ UserName: 'victim', GroupName: 'devs' }));

    await iam.send(new DeleteUserCommand({ UserName: 'victim' }));
    const err = await rejection(iam.send(new DeleteUserCommand({ UserName: 'victim' })));
    expect(err.name).toBe('NoSuchEntityException');
  });

  it('answers NoSuchEntity when deleting a login profile that does not exist', async () => {
    await h.iam().send(new CreateUserCommand({ UserName: 'nopw' }));
    const err = await rejection(h.iam().send(new DeleteLoginProfileCommand({ UserName: 'nopw' })));
    expect(err.name).toBe('NoSuchEntityException');
  });
});
