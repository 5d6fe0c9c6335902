/**
 * IAM groups and console login profiles, as far as DeleteUser's preconditions need them:
 * CreateGroup, AddUserToGroup, ListGroupsForUser, RemoveUserFromGroup, CreateLoginProfile,
 * DeleteLoginProfile.
 */
import { AwsFault } from './fault.js';
import {
  checkName,
  existingUser,
  javaDate,
  page,
  type OpContext,
  type OpOutput,
  type Operation,
} from './operation.js';
import { checkPath } from './iam-users.js';
import { iamArn, type FakeGroup, type FakeState } from './state.js';
import { generateUniqueId } from './ids.js';
import { el, isoSeconds, memberList, textEl } from './xml.js';

function groupXml(group: FakeGroup): string {
  return (
    textEl('Path', group.path) +
    textEl('GroupName', group.groupName) +
    textEl('GroupId', group.groupId) +
    textEl('Arn', group.arn) +
    textEl('CreateDate', isoSeconds(group.createDate))
  );
}

function existingGroup(state: FakeState, name: string): FakeGroup {
  const group = state.groups.get(name.toLowerCase());
  if (!group) throw new AwsFault('NoSuchEntity', `The group with name ${name} cannot be found.`);
  return group;
}

function userAndGroup(ctx: OpContext): { userName: string; group: FakeGroup } {
  const user = existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
  const group = existingGroup(
    ctx.state,
    checkName('groupName', ctx.params.require('GroupName'), 128),
  );
  return { userName: user.userName, group };
}

function createGroup(ctx: OpContext): OpOutput {
  const groupName = checkName('groupName', ctx.params.require('GroupName'), 128);
  const path = checkPath('path', ctx.params.get('Path') ?? '/');
  if (ctx.state.groups.has(groupName.toLowerCase())) {
    throw new AwsFault('EntityAlreadyExists', `Group with name ${groupName} already exists.`);
  }
  const group: FakeGroup = {
    groupName,
    groupId: generateUniqueId('AGPA'),
    path,
    arn: iamArn(ctx.state, 'group', path, groupName),
    createDate: ctx.now,
  };
  ctx.state.groups.set(groupName.toLowerCase(), group);
  const logged = { ...group, createDate: javaDate(group.createDate) };
  return { xml: el('Group', groupXml(group)), responseElements: { group: logged } };
}

function addUserToGroup(ctx: OpContext): OpOutput {
  const { userName, group } = userAndGroup(ctx);
  const user = existingUser(ctx.state, userName);
  if (!user.groups.includes(group.groupName)) user.groups.push(group.groupName);
  return {};
}

function removeUserFromGroup(ctx: OpContext): OpOutput {
  const { userName, group } = userAndGroup(ctx);
  const user = existingUser(ctx.state, userName);
  if (!user.groups.includes(group.groupName)) {
    throw new AwsFault(
      'NoSuchEntity',
      `The user with name ${userName} cannot be found in group ${group.groupName}.`,
    );
  }
  user.groups = user.groups.filter((g) => g !== group.groupName);
  return {};
}

function listGroupsForUser(ctx: OpContext): OpOutput {
  const user = existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
  const groups = user.groups.map((name) => existingGroup(ctx.state, name));
  const p = page(ctx.params, groups);
  return { xml: p.xml(memberList('Groups', p.items.map(groupXml))) };
}

function createLoginProfile(ctx: OpContext): OpOutput {
  const user = existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
  const password = ctx.params.require('Password');
  if (password.length < 1 || password.length > 128) {
    throw new AwsFault('PasswordPolicyViolation', 'Password should have 1 to 128 characters.', 400);
  }
  if (user.loginProfile) {
    throw new AwsFault(
      'EntityAlreadyExists',
      `Login Profile for user ${user.userName} already exists.`,
    );
  }
  user.loginProfile = { createDate: ctx.now };
  const body = textEl('UserName', user.userName) + textEl('CreateDate', isoSeconds(ctx.now));
  const logged = { userName: user.userName, createDate: javaDate(ctx.now) };
  return { xml: el('LoginProfile', body), responseElements: { loginProfile: logged } };
}

function deleteLoginProfile(ctx: OpContext): OpOutput {
  const user = existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
  if (!user.loginProfile) {
    throw new AwsFault('NoSuchEntity', `Login Profile for User ${user.userName} cannot be found.`);
  }
  delete user.loginProfile;
  return {};
}

/** Group and login-profile operations. */
export const GROUP_OPERATIONS = {
  CreateGroup: { service: 'iam', readOnly: false, handle: createGroup },
  AddUserToGroup: { service: 'iam', readOnly: false, handle: addUserToGroup },
  RemoveUserFromGroup: { service: 'iam', readOnly: false, handle: removeUserFromGroup },
  ListGroupsForUser: { service: 'iam', readOnly: true, handle: listGroupsForUser },
  CreateLoginProfile: { service: 'iam', readOnly: false, handle: createLoginProfile },
  DeleteLoginProfile: { service: 'iam', readOnly: false, handle: deleteLoginProfile },
} as const satisfies Record<string, Operation>;
