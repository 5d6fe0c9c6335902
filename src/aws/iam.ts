/**
 * {@link IamPort} over the AWS SDK v3 IAM client. Pagination is followed; errors become AppError
 * with `details.awsCode` (see clients.ts).
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { User } from '@aws-sdk/client-iam';
import { awsError, hasAwsCode } from './clients.js';
import type { CredentialReportResult, IamPort, IamUserInfo } from './ports.js';

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw awsError(operation, err);
  }
}

function userInfo(u: User | undefined): IamUserInfo {
  return {
    userName: u?.UserName ?? '',
    userId: u?.UserId ?? '',
    arn: u?.Arn ?? '',
    path: u?.Path ?? '/',
    ...(u?.CreateDate ? { createDate: u.CreateDate.toISOString() } : {}),
    tags: (u?.Tags ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })),
  };
}

const notApplicable = (v: string | undefined): string | undefined =>
  v && v !== 'N/A' ? v : undefined;

/** Build the IAM port over a client (constructed by app.ts). */
export function createIamPort(client: IAMClient): IamPort {
  const pages = async <T>(
    op: string,
    fetch: (
      marker?: string,
    ) => Promise<{ items: T[]; marker?: string | undefined; truncated?: boolean | undefined }>,
  ): Promise<T[]> => {
    const out: T[] = [];
    let marker: string | undefined;
    do {
      const page = await call(op, () => fetch(marker));
      out.push(...page.items);
      marker = page.truncated ? page.marker : undefined;
    } while (marker);
    return out;
  };
  return {
    createUser: async (i) =>
      userInfo(
        (
          await call('CreateUser', () =>
            client.send(
              new CreateUserCommand({
                UserName: i.userName,
                Path: i.path ?? '/',
                ...(i.tags?.length
                  ? { Tags: i.tags.map((t) => ({ Key: t.key, Value: t.value })) }
                  : {}),
              }),
            ),
          )
        ).User,
      ),
    async getUser(userName) {
      try {
        return userInfo(
          (await call('GetUser', () => client.send(new GetUserCommand({ UserName: userName }))))
            .User,
        );
      } catch (err) {
        if (hasAwsCode(err, 'NoSuchEntity')) return undefined;
        throw err;
      }
    },
    deleteUser: async (userName) =>
      void (await call('DeleteUser', () =>
        client.send(new DeleteUserCommand({ UserName: userName })),
      )),
    async createAccessKey(userName) {
      const k = (
        await call('CreateAccessKey', () =>
          client.send(new CreateAccessKeyCommand({ UserName: userName })),
        )
      ).AccessKey;
      return {
        userName: k?.UserName ?? userName,
        accessKeyId: k?.AccessKeyId ?? '',
        secretAccessKey: k?.SecretAccessKey ?? '',
        status: k?.Status ?? 'Active',
        ...(k?.CreateDate ? { createDate: k.CreateDate.toISOString() } : {}),
      };
    },
    listAccessKeys: (userName) =>
      pages('ListAccessKeys', async (Marker) => {
        const r = await client.send(new ListAccessKeysCommand({ UserName: userName, Marker }));
        return {
          items: (r.AccessKeyMetadata ?? []).map((k) => ({
            userName: k.UserName ?? userName,
            accessKeyId: k.AccessKeyId ?? '',
            status: k.Status ?? '',
            ...(k.CreateDate ? { createDate: k.CreateDate.toISOString() } : {}),
          })),
          marker: r.Marker,
          truncated: r.IsTruncated,
        };
      }),
    updateAccessKey: async (userName, accessKeyId, status) =>
      void (await call('UpdateAccessKey', () =>
        client.send(
          new UpdateAccessKeyCommand({
            UserName: userName,
            AccessKeyId: accessKeyId,
            Status: status,
          }),
        ),
      )),
    deleteAccessKey: async (userName, accessKeyId) =>
      void (await call('DeleteAccessKey', () =>
        client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })),
      )),
    listUserPolicies: (userName) =>
      pages('ListUserPolicies', async (Marker) => {
        const r = await client.send(new ListUserPoliciesCommand({ UserName: userName, Marker }));
        return { items: r.PolicyNames ?? [], marker: r.Marker, truncated: r.IsTruncated };
      }),
    async getUserPolicy(userName, policyName) {
      const r = await call('GetUserPolicy', () =>
        client.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName })),
      );
      const doc = r.PolicyDocument ?? '';
      try {
        return decodeURIComponent(doc);
      } catch {
        return doc;
      }
    },
    putUserPolicy: async (userName, policyName, document) =>
      void (await call('PutUserPolicy', () =>
        client.send(
          new PutUserPolicyCommand({
            UserName: userName,
            PolicyName: policyName,
            PolicyDocument: document,
          }),
        ),
      )),
    deleteUserPolicy: async (userName, policyName) =>
      void (await call('DeleteUserPolicy', () =>
        client.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: policyName })),
      )),
    listAttachedUserPolicies: (userName) =>
      pages('ListAttachedUserPolicies', async (Marker) => {
        const r = await client.send(
          new ListAttachedUserPoliciesCommand({ UserName: userName, Marker }),
        );
        return {
          items: (r.AttachedPolicies ?? []).map((p) => ({
            policyName: p.PolicyName ?? '',
            policyArn: p.PolicyArn ?? '',
          })),
          marker: r.Marker,
          truncated: r.IsTruncated,
        };
      }),
    detachUserPolicy: async (userName, policyArn) =>
      void (await call('DetachUserPolicy', () =>
        client.send(new DetachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn })),
      )),
    listGroupsForUser: (userName) =>
      pages('ListGroupsForUser', async (Marker) => {
        const r = await client.send(new ListGroupsForUserCommand({ UserName: userName, Marker }));
        return {
          items: (r.Groups ?? []).map((g) => g.GroupName ?? ''),
          marker: r.Marker,
          truncated: r.IsTruncated,
        };
      }),
    removeUserFromGroup: async (userName, groupName) =>
      void (await call('RemoveUserFromGroup', () =>
        client.send(new RemoveUserFromGroupCommand({ UserName: userName, GroupName: groupName })),
      )),
    async deleteLoginProfile(userName) {
      try {
        await call('DeleteLoginProfile', () =>
          client.send(new DeleteLoginProfileCommand({ UserName: userName })),
        );
      } catch (err) {
        if (!hasAwsCode(err, 'NoSuchEntity')) throw err;
      }
    },
    async getAccessKeyLastUsed(accessKeyId) {
      const r = await call('GetAccessKeyLastUsed', () =>
        client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
      );
      const u = r.AccessKeyLastUsed;
      const service = notApplicable(u?.ServiceName);
      const region = notApplicable(u?.Region);
      return {
        ...(r.UserName ? { userName: r.UserName } : {}),
        ...(u?.LastUsedDate ? { lastUsedDate: u.LastUsedDate.toISOString() } : {}),
        ...(service ? { serviceName: service } : {}),
        ...(region ? { region } : {}),
      };
    },
    generateCredentialReport: async () => ({
      state:
        (
          await call('GenerateCredentialReport', () =>
            client.send(new GenerateCredentialReportCommand({})),
          )
        ).State ?? 'UNKNOWN',
    }),
    async getCredentialReport(): Promise<CredentialReportResult> {
      try {
        const r = await call('GetCredentialReport', () =>
          client.send(new GetCredentialReportCommand({})),
        );
        return {
          state: 'ready',
          csv: new TextDecoder().decode(r.Content ?? new Uint8Array()),
          ...(r.GeneratedTime ? { generatedTime: r.GeneratedTime.toISOString() } : {}),
        };
      } catch (err) {
        if (hasAwsCode(err, 'CredentialReportNotReady') || hasAwsCode(err, 'ReportInProgress'))
          return { state: 'in-progress' };
        if (hasAwsCode(err, 'CredentialReportNotPresent') || hasAwsCode(err, 'ReportNotPresent'))
          return { state: 'not-present' };
        if (hasAwsCode(err, 'CredentialReportExpired') || hasAwsCode(err, 'ReportExpired'))
          return { state: 'expired' };
        throw err;
      }
    },
  };
}
