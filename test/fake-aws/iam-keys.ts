/**
 * IAM access key operations: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
 * GetAccessKeyLastUsed.
 */
import { AwsFault, validationError } from './fault.js';
import {
  javaDate,
  page,
  targetUser,
  type OpContext,
  type OpOutput,
  type Operation,
} from './operation.js';
import { addAccessKey, findUser, keysOfUser, type FakeAccessKey } from './state.js';
import { el, isoSeconds, memberList, textEl } from './xml.js';

/** IAM's hard limit of access keys per user. */
export const ACCESS_KEYS_PER_USER = 2;

function noSuchKey(accessKeyId: string): AwsFault {
  return new AwsFault('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
}

function checkKeyId(value: string): string {
  if (value.length < 16 || value.length > 128 || !/^\w+$/.test(value)) {
    throw validationError(
      'accessKeyId',
      value,
      'Member must satisfy regular expression pattern: [\\w]+',
    );
  }
  return value;
}

/** The key `AccessKeyId` of the target user (UserName, or the caller), or NoSuchEntity. */
function userKey(ctx: OpContext): FakeAccessKey {
  const user = targetUser(ctx);
  const id = checkKeyId(ctx.params.require('AccessKeyId'));
  const key = ctx.state.keys.get(id);
  if (!key || key.userName !== user.userName) throw noSuchKey(id);
  return key;
}

function metadataXml(key: FakeAccessKey): string {
  return (
    textEl('UserName', key.userName) +
    textEl('AccessKeyId', key.accessKeyId) +
    textEl('Status', key.status) +
    textEl('CreateDate', isoSeconds(key.createDate))
  );
}

function createAccessKey(ctx: OpContext): OpOutput {
  const user = targetUser(ctx);
  if (keysOfUser(ctx.state, user.userName).length >= ACCESS_KEYS_PER_USER) {
    throw new AwsFault(
      'LimitExceeded',
      `Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`,
    );
  }
  const key = addAccessKey(ctx.state, user.userName);
  const xml =
    textEl('UserName', key.userName) +
    textEl('AccessKeyId', key.accessKeyId) +
    textEl('Status', key.status) +
    textEl('SecretAccessKey', key.secretAccessKey) +
    textEl('CreateDate', isoSeconds(key.createDate));
  // CloudTrail never logs the secret.
  const logged = {
    accessKeyId: key.accessKeyId,
    createDate: javaDate(key.createDate),
    status: key.status,
    userName: key.userName,
  };
  return { xml: el('AccessKey', xml), responseElements: { accessKey: logged } };
}

function listAccessKeys(ctx: OpContext): OpOutput {
  const user = targetUser(ctx);
  const p = page(ctx.params, keysOfUser(ctx.state, user.userName));
  return { xml: p.xml(memberList('AccessKeyMetadata', p.items.map(metadataXml))) };
}

function updateAccessKey(ctx: OpContext): OpOutput {
  const status = ctx.params.require('Status');
  if (status !== 'Active' && status !== 'Inactive' && status !== 'Expired') {
    throw validationError(
      'status',
      status,
      'Member must satisfy enum value set: [Active, Expired, Inactive]',
    );
  }
  userKey(ctx).status = status;
  return {};
}

function deleteAccessKey(ctx: OpContext): OpOutput {
  ctx.state.keys.delete(userKey(ctx).accessKeyId);
  return {};
}

function getAccessKeyLastUsed(ctx: OpContext): OpOutput {
  const id = checkKeyId(ctx.params.require('AccessKeyId'));
  const key = ctx.state.keys.get(id);
  if (!key || !findUser(ctx.state, key.userName)) throw noSuchKey(id);
  const used = key.lastUsed;
  const lastUsed = used
    ? textEl('LastUsedDate', isoSeconds(used.date)) +
      textEl('ServiceName', used.service) +
      textEl('Region', used.region)
    : textEl('ServiceName', 'N/A') + textEl('Region', 'N/A');
  return { xml: textEl('UserName', key.userName) + el('AccessKeyLastUsed', lastUsed) };
}

/** The access key operations. */
export const KEY_OPERATIONS = {
  CreateAccessKey: { service: 'iam', readOnly: false, handle: createAccessKey },
  ListAccessKeys: { service: 'iam', readOnly: true, handle: listAccessKeys },
  UpdateAccessKey: { service: 'iam', readOnly: false, handle: updateAccessKey },
  DeleteAccessKey: { service: 'iam', readOnly: false, handle: deleteAccessKey },
  GetAccessKeyLastUsed: { service: 'iam', readOnly: true, handle: getAccessKeyLastUsed },
} as const satisfies Record<string, Operation>;
