/**
 * IAM user policy operations: inline (Put/Get/List/DeleteUserPolicy) and managed
 * (Attach/Detach/ListAttachedUserPolicies, accepting AWS-managed ARNs).
 */
import { AwsFault, validationError } from './fault.js';
import {
  checkName,
  existingUser,
  page,
  stringMembers,
  type OpContext,
  type OpOutput,
  type Operation,
} from './operation.js';
import { uriEncode } from './sigv4.js';
import type { FakeUser } from './state.js';
import { memberList, textEl } from './xml.js';

/** IAM's aggregate inline policy size per user (characters, whitespace excluded). */
export const INLINE_POLICY_CHARS_PER_USER = 2048;
/** Managed policies attachable to one user. */
export const MANAGED_POLICIES_PER_USER = 10;

// eslint-disable-next-line no-control-regex
const POLICY_CHARS = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
const POLICY_ARN_RE = /^arn:aws:iam::(aws|\d{12}):policy\/(?:[\u0021-\u007E]*\/)?([\w+=,.@-]+)$/;

function namedUser(ctx: OpContext): FakeUser {
  return existingUser(ctx.state, checkName('userName', ctx.params.require('UserName'), 128));
}

function checkDocument(document: string): void {
  if (document.length > 131072 || !POLICY_CHARS.test(document)) {
    throw validationError(
      'policyDocument',
      undefined,
      'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch (err) {
    throw new AwsFault('MalformedPolicyDocument', 'Syntax errors in policy.', 400, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) {
    throw new AwsFault('MalformedPolicyDocument', 'Policy document must contain Statement.');
  }
}

function inlineSize(docs: Iterable<string>): number {
  let total = 0;
  for (const doc of docs) total += doc.replace(/\s/g, '').length;
  return total;
}

function putUserPolicy(ctx: OpContext): OpOutput {
  const user = namedUser(ctx);
  const name = checkName('policyName', ctx.params.require('PolicyName'), 128);
  const document = ctx.params.require('PolicyDocument');
  checkDocument(document);
  const next = new Map(user.inlinePolicies).set(name, document);
  if (inlineSize(next.values()) > INLINE_POLICY_CHARS_PER_USER) {
    throw new AwsFault(
      'LimitExceeded',
      `Maximum policy size of ${INLINE_POLICY_CHARS_PER_USER} bytes exceeded for user ${user.userName}`,
    );
  }
  user.inlinePolicies.set(name, document);
  return {};
}

function inlinePolicy(ctx: OpContext): { user: FakeUser; name: string; document: string } {
  const user = namedUser(ctx);
  const name = checkName('policyName', ctx.params.require('PolicyName'), 128);
  const document = user.inlinePolicies.get(name);
  if (document === undefined) {
    throw new AwsFault('NoSuchEntity', `The user policy with name ${name} cannot be found.`);
  }
  return { user, name, document };
}

function getUserPolicy(ctx: OpContext): OpOutput {
  const { user, name, document } = inlinePolicy(ctx);
  // AWS returns the document URL-encoded (RFC 3986).
  const xml =
    textEl('UserName', user.userName) +
    textEl('PolicyName', name) +
    textEl('PolicyDocument', uriEncode(document));
  return { xml };
}

function listUserPolicies(ctx: OpContext): OpOutput {
  const user = namedUser(ctx);
  const p = page(ctx.params, [...user.inlinePolicies.keys()].sort());
  return { xml: p.xml(stringMembers('PolicyNames', p.items)) };
}

function deleteUserPolicy(ctx: OpContext): OpOutput {
  const { user, name } = inlinePolicy(ctx);
  user.inlinePolicies.delete(name);
  return {};
}

/** The policy name of a managed policy ARN, or undefined when the ARN is malformed. */
export function managedPolicyName(arn: string): string | undefined {
  return POLICY_ARN_RE.exec(arn)?.[2];
}

function checkPolicyArn(arn: string): string {
  const m = POLICY_ARN_RE.exec(arn);
  if (!m) throw new AwsFault('InvalidInput', `ARN ${arn} is not valid.`);
  // Only AWS-managed policies exist in the fake (there is no CreatePolicy).
  if (m[1] !== 'aws') {
    throw new AwsFault('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
  }
  return arn;
}

/** Attach a managed policy (shared by AttachUserPolicy and the test control API). */
export function attachPolicy(user: FakeUser, arn: string): void {
  checkPolicyArn(arn);
  if (user.attachedPolicies.includes(arn)) return;
  if (user.attachedPolicies.length >= MANAGED_POLICIES_PER_USER) {
    throw new AwsFault(
      'LimitExceeded',
      `Cannot exceed quota for PoliciesPerUser: ${MANAGED_POLICIES_PER_USER}`,
    );
  }
  user.attachedPolicies.push(arn);
}

function attachUserPolicy(ctx: OpContext): OpOutput {
  attachPolicy(namedUser(ctx), ctx.params.require('PolicyArn'));
  return {};
}

function detachUserPolicy(ctx: OpContext): OpOutput {
  const user = namedUser(ctx);
  const arn = ctx.params.require('PolicyArn');
  if (!user.attachedPolicies.includes(arn)) {
    throw new AwsFault('NoSuchEntity', `Policy ${arn} was not found.`);
  }
  user.attachedPolicies = user.attachedPolicies.filter((a) => a !== arn);
  return {};
}

function listAttachedUserPolicies(ctx: OpContext): OpOutput {
  const user = namedUser(ctx);
  const p = page(ctx.params, user.attachedPolicies);
  const members = p.items.map(
    (arn) => textEl('PolicyName', managedPolicyName(arn) ?? arn) + textEl('PolicyArn', arn),
  );
  return { xml: p.xml(memberList('AttachedPolicies', members)) };
}

/** The user policy operations. */
export const POLICY_OPERATIONS = {
  PutUserPolicy: { service: 'iam', readOnly: false, handle: putUserPolicy },
  GetUserPolicy: { service: 'iam', readOnly: true, handle: getUserPolicy },
  ListUserPolicies: { service: 'iam', readOnly: true, handle: listUserPolicies },
  DeleteUserPolicy: { service: 'iam', readOnly: false, handle: deleteUserPolicy },
  AttachUserPolicy: { service: 'iam', readOnly: false, handle: attachUserPolicy },
  DetachUserPolicy: { service: 'iam', readOnly: false, handle: detachUserPolicy },
  ListAttachedUserPolicies: { service: 'iam', readOnly: true, handle: listAttachedUserPolicies },
} as const satisfies Record<string, Operation>;
