/**
 * IAM user operations: CreateUser, GetUser, ListUsers, DeleteUser, TagUser, UntagUser, ListUserTags.
 */
import { AwsFault, validationError } from './fault.js';
import {
  checkName,
  existingUser,
  javaDate,
  page,
  targetUser,
  userXml,
  type OpContext,
  type OpOutput,
  type Operation,
} from './operation.js';
import type { Params } from './params.js';
import { addUser, findUser, keysOfUser, type FakeTag, type FakeUser } from './state.js';
import { el, memberList, tagsXml } from './xml.js';

const PATH_RE = /^(\/|\/[\u0021-\u007E]+\/)$/;
const TAG_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAGS = 50;

/** Validate an IAM path: 1–512 chars, `/` or `/…/` of U+0021–U+007E. */
export function checkPath(member: string, value: string): string {
  if (value.length > 512 || !PATH_RE.test(value)) {
    throw validationError(
      member,
      value,
      'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
    );
  }
  return value;
}

/** Tags from `Tags.member.N.Key/Value`, validated like IAM does. */
export function parseTags(params: Params): FakeTag[] {
  const tags = params.members('Tags').map((m, i) => {
    const key = m['Key'];
    const value = m['Value'] ?? '';
    const where = `tags.${i + 1}.member`;
    if (key === undefined)
      throw validationError(`${where}.key`, undefined, 'Member must not be null');
    if (key.length < 1 || key.length > 128 || !TAG_RE.test(key)) {
      throw validationError(`${where}.key`, key, 'Member must satisfy the tag key constraints');
    }
    if (value.length > 256 || !TAG_RE.test(value)) {
      throw validationError(
        `${where}.value`,
        value,
        'Member must satisfy the tag value constraints',
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new AwsFault('InvalidInput', 'User-defined tag keys cannot start with aws:.');
    }
    return { key, value };
  });
  const seen = new Set(tags.map((t) => t.key.toLowerCase()));
  if (seen.size !== tags.length) {
    throw new AwsFault(
      'InvalidInput',
      'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    );
  }
  return tags;
}

function mergeTags(user: FakeUser, tags: readonly FakeTag[]): void {
  for (const tag of tags) {
    const existing = user.tags.find((t) => t.key.toLowerCase() === tag.key.toLowerCase());
    if (existing) existing.value = tag.value;
    else user.tags.push({ ...tag });
  }
  if (user.tags.length > MAX_TAGS) {
    throw new AwsFault('LimitExceeded', `Cannot exceed quota for TagsPerUser: ${MAX_TAGS}`);
  }
}

function createUser(ctx: OpContext): OpOutput {
  const userName = checkName('userName', ctx.params.require('UserName'), 64);
  const path = checkPath('path', ctx.params.get('Path') ?? '/');
  const tags = parseTags(ctx.params);
  if (tags.length > MAX_TAGS) {
    throw new AwsFault('LimitExceeded', `Cannot exceed quota for TagsPerUser: ${MAX_TAGS}`);
  }
  if (findUser(ctx.state, userName)) {
    throw new AwsFault('EntityAlreadyExists', `User with name ${userName} already exists.`);
  }
  const user = addUser(ctx.state, { userName, path, tags });
  const logged: Record<string, unknown> = {
    path: user.path,
    userName: user.userName,
    userId: user.userId,
    arn: user.arn,
    createDate: javaDate(user.createDate),
  };
  if (tags.length > 0) logged['tags'] = tags.map((t) => ({ ...t }));
  return { xml: el('User', userXml(user, true)), responseElements: { user: logged } };
}

function getUser(ctx: OpContext): OpOutput {
  return { xml: el('User', userXml(targetUser(ctx), true)) };
}

function listUsers(ctx: OpContext): OpOutput {
  const prefix = ctx.params.get('PathPrefix') ?? '/';
  const users = [...ctx.state.users.values()]
    .filter((u) => u.path.startsWith(prefix))
    .sort((a, b) => a.userName.localeCompare(b.userName));
  const p = page(ctx.params, users);
  return {
    xml: p.xml(
      memberList(
        'Users',
        p.items.map((u) => userXml(u, false)),
      ),
    ),
  };
}

/** Why DeleteUser must refuse, in AWS's wording, or undefined when the user can go. */
function deleteBlocker(ctx: OpContext, user: FakeUser): string | undefined {
  if (user.loginProfile) return 'must delete login profile first';
  if (keysOfUser(ctx.state, user.userName).length > 0) return 'must delete access keys first';
  if (user.inlinePolicies.size > 0) return 'must delete policies first';
  if (user.attachedPolicies.length > 0) return 'must detach all policies first';
  if (user.groups.length > 0) return 'must remove users from group first';
  return undefined;
}

function deleteUser(ctx: OpContext): OpOutput {
  const user = existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
  const blocker = deleteBlocker(ctx, user);
  if (blocker) throw new AwsFault('DeleteConflict', `Cannot delete entity, ${blocker}.`);
  ctx.state.users.delete(user.userName.toLowerCase());
  return {};
}

function tagUser(ctx: OpContext): OpOutput {
  const user = existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
  mergeTags(user, parseTags(ctx.params));
  return {};
}

function untagUser(ctx: OpContext): OpOutput {
  const user = existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
  const remove = new Set(ctx.params.members('TagKeys').map((m) => (m[''] ?? '').toLowerCase()));
  user.tags = user.tags.filter((t) => !remove.has(t.key.toLowerCase()));
  return {};
}

function listUserTags(ctx: OpContext): OpOutput {
  const user = existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
  const p = page(ctx.params, user.tags);
  return { xml: p.xml(tagsXml(p.items)) };
}

/** CreateUser … ListUserTags. */
export const USER_OPERATIONS = {
  CreateUser: { service: 'iam', readOnly: false, handle: createUser },
  GetUser: { service: 'iam', readOnly: true, handle: getUser },
  ListUsers: { service: 'iam', readOnly: true, handle: listUsers },
  DeleteUser: { service: 'iam', readOnly: false, handle: deleteUser },
  TagUser: { service: 'iam', readOnly: false, handle: tagUser },
  UntagUser: { service: 'iam', readOnly: false, handle: untagUser },
  ListUserTags: { service: 'iam', readOnly: true, handle: listUserTags },
} as const satisfies Record<string, Operation>;
