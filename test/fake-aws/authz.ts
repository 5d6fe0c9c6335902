/**
 * A deliberately small policy evaluator, so powerless canary users are denied like on AWS: a call is
 * allowed when an Allow statement matches the action and no Deny does (Resource and Condition are
 * treated as `*`). Only a few AWS-managed policies are known by content; others grant nothing.
 */
import { AwsFault } from './fault.js';
import type { FakeUser } from './state.js';

interface Statement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
}

/** Actions AWSCompromisedKeyQuarantineV2 denies (a representative subset of the real policy). */
const QUARANTINE_DENIES = [
  'iam:AttachUserPolicy',
  'iam:ChangePassword',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:CreateRole',
  'iam:CreateUser',
  'iam:DetachUserPolicy',
  'iam:PutUserPolicy',
  'iam:UpdateAccessKey',
  'iam:UpdateLoginProfile',
  'iam:AddUserToGroup',
  'ec2:RunInstances',
  'lambda:CreateFunction',
  'cloudtrail:LookupEvents',
];

const MANAGED: Readonly<Record<string, readonly Statement[]>> = {
  'arn:aws:iam::aws:policy/AdministratorAccess': [{ effect: 'Allow', actions: ['*'] }],
  'arn:aws:iam::aws:policy/IAMFullAccess': [{ effect: 'Allow', actions: ['iam:*'] }],
  'arn:aws:iam::aws:policy/IAMReadOnlyAccess': [
    { effect: 'Allow', actions: ['iam:Get*', 'iam:List*', 'iam:GenerateCredentialReport'] },
  ],
  'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine': [
    { effect: 'Deny', actions: QUARANTINE_DENIES },
  ],
  'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2': [
    { effect: 'Deny', actions: QUARANTINE_DENIES },
  ],
};

function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Statements of an inline policy document; a document that does not parse grants nothing. */
function inlineStatements(document: string): Statement[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return [];
  }
  const raw = (parsed as { Statement?: unknown } | null)?.Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.flatMap((s) => {
    const stmt = s as { Effect?: unknown; Action?: unknown } | null;
    if (stmt?.Effect !== 'Allow' && stmt?.Effect !== 'Deny') return [];
    return [{ effect: stmt.Effect, actions: asStrings(stmt.Action) }];
  });
}

function matches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}

function statementsOf(user: FakeUser): Statement[] {
  return [
    ...[...user.inlinePolicies.values()].flatMap(inlineStatements),
    ...user.attachedPolicies.flatMap((arn) => MANAGED[arn] ?? []),
  ];
}

/**
 * Throw AccessDenied (AWS's wording) unless `user` may perform `action` (`iam:CreateUser`).
 * `resource` is what the message names (e.g. `user bob` or an ARN).
 */
export function authorize(user: FakeUser, action: string, resource: string): void {
  const hits = statementsOf(user).filter((s) => s.actions.some((a) => matches(a, action)));
  const denied = hits.some((s) => s.effect === 'Deny');
  if (!denied && hits.some((s) => s.effect === 'Allow')) return;
  const because = denied
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  throw new AwsFault(
    'AccessDenied',
    `User: ${user.arn} is not authorized to perform: ${action} on resource: ${resource} ${because}`,
  );
}
