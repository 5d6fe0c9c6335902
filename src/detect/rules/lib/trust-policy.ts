/**
 * Reading a role's trust policy (who may assume it) from a CloudTrail IAM event, for
 * `persistence.role-created` and `privesc.trust-policy-modified`. The document is attacker-supplied
 * text, plain or URL-encoded JSON: parsing never throws, looks only a few levels deep, and bounds
 * how many statements and principals it reads. Not a rule.
 */
import { z } from 'zod';
import type { CloudEvent } from '../../../core/index.js';
import type { HitSummary } from '../../rule.js';
import { distinct } from '../../grouping.js';
import type { RuleSignal } from '../../rule.js';
import { accountOf, actorOf, clip, noted } from './actor.js';

/** How a trust policy lets someone outside the account's own control assume the role. */
export type AdmissionKind = 'any-principal' | 'outside-account' | 'iam-user' | 'unrecognized';

/** One principal a trust policy admits that the rules report. */
export interface Admission {
  readonly kind: AdmissionKind;
  /** The principal as written (capped). */
  readonly principal: string;
  /** The account it belongs to, when it names one. */
  readonly account?: string;
  /** Condition keys of its statement (`sts:ExternalId`, `aws:PrincipalOrgID` …); they may narrow it. */
  readonly conditions: readonly string[];
}

/** What a trust policy admits, or why it could not be read. */
export type TrustAnalysis =
  | { readonly readable: true; readonly admits: readonly Admission[]; readonly services: string[] }
  | { readonly readable: false; readonly reason: string };

/** How to judge principals: the role's own account and accounts trusted by configuration. */
export interface TrustContext {
  readonly account: string | undefined;
  readonly trustedAccounts: ReadonlySet<string>;
  /** Report an IAM user of the role's own account as a principal. */
  readonly sameAccountUsers: boolean;
}

/** Option fields both trust-policy rules take. */
export const trustOptionFields = {
  trustedAccounts: z
    .array(z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'))
    .max(1000)
    .default([])
    .describe(
      'outside accounts a trust policy may admit without a finding (organization management, security tooling, partners)',
    ),
  sameAccountUsers: z
    .boolean()
    .default(true)
    .describe("report a trust policy that names an IAM user of the role's own account"),
};

const MAX_STATEMENTS = 64;
const MAX_PRINCIPALS = 256;
const MAX_ADMISSIONS = 20;
const MAX_PRINCIPAL_TEXT = 256;
const MAX_CONDITION_KEYS = 8;
const ACCOUNT = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):([\w+=,.@/-]+)$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The policy text of an event: a request parameter, else (CreateRole) the role in the response. */
export function trustPolicyText(e: CloudEvent, param: string): string | undefined {
  const requested = e.requestParameters?.[param];
  if (typeof requested === 'string') return requested;
  const role = e.responseElements?.['role'];
  const answered = isObject(role) ? role['assumeRolePolicyDocument'] : undefined;
  return typeof answered === 'string' ? answered : undefined;
}

/** Parse a policy document, plain or URL-encoded JSON; a reason instead when it cannot be. */
export function parsePolicyDocument(text: string): Json | string {
  let body = text.trim();
  if (/^%7b/i.test(body)) {
    try {
      body = decodeURIComponent(body);
    } catch {
      return 'bad URL encoding';
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return 'not JSON';
  }
  return isObject(doc) ? doc : 'not a JSON object';
}

/** What the trust policy `text` admits, judged against `ctx`. */
export function analyzeTrustPolicy(text: string, ctx: TrustContext): TrustAnalysis {
  const doc = parsePolicyDocument(text);
  if (typeof doc === 'string') return { readable: false, reason: doc };
  const statements = listOf(doc['Statement']);
  if (statements.length === 0) return { readable: false, reason: 'no Statement' };
  const admits: Admission[] = [];
  const services = new Set<string>();
  let seen = 0;
  for (const st of statements.slice(0, MAX_STATEMENTS)) {
    const effect = isObject(st) ? st['Effect'] : undefined;
    if (!isObject(st) || typeof effect !== 'string' || effect.toLowerCase() !== 'allow') continue;
    const conditions = conditionKeys(st['Condition']);
    const add = (kind: AdmissionKind, principal: string, account?: string): void => {
      if (admits.length >= MAX_ADMISSIONS) return;
      const p = clip(principal, MAX_PRINCIPAL_TEXT);
      admits.push({ kind, principal: p, ...(account ? { account } : {}), conditions });
    };
    // Allow with NotPrincipal admits everyone but the listed principals.
    if (st['NotPrincipal'] !== undefined) add('any-principal', 'NotPrincipal');
    const principal = st['Principal'];
    if (principal === '*') add('any-principal', '*');
    if (!isObject(principal)) continue;
    for (const [type, value] of Object.entries(principal)) {
      for (const p of listOf(value)) {
        if (++seen > MAX_PRINCIPALS) break;
        if (typeof p !== 'string') continue;
        if (type === 'Service') services.add(clip(p, MAX_PRINCIPAL_TEXT));
        else if (type === 'AWS') judgeAws(p, ctx, add);
        else if (type === 'Federated') judgeFederated(p, ctx, add);
      }
    }
  }
  return { readable: true, admits, services: [...services] };
}

type Add = (kind: AdmissionKind, principal: string, account?: string) => void;

function isOutside(account: string, ctx: TrustContext): boolean {
  return account !== ctx.account && !ctx.trustedAccounts.has(account);
}

/** An `AWS` principal: `*`, an account id, or an account's root, user, role or session ARN. */
function judgeAws(p: string, ctx: TrustContext, add: Add): void {
  if (p.includes('*')) return add('any-principal', p);
  if (ACCOUNT.test(p)) return isOutside(p, ctx) ? add('outside-account', p, p) : undefined;
  const m = PRINCIPAL_ARN.exec(p);
  if (!m) return add('unrecognized', p);
  const account = m[1]!;
  const resource = m[2]!;
  if (resource.startsWith('user/')) {
    const own = account === ctx.account;
    if ((own && ctx.sameAccountUsers) || (!own && isOutside(account, ctx)))
      add('iam-user', p, account);
    return;
  }
  if (isOutside(account, ctx)) add('outside-account', p, account);
}

/** A `Federated` principal: an identity provider of another account counts as that account. */
function judgeFederated(p: string, ctx: TrustContext, add: Add): void {
  const m = PRINCIPAL_ARN.exec(p);
  if (m && isOutside(m[1]!, ctx)) add('outside-account', p, m[1]);
}

function conditionKeys(condition: unknown): string[] {
  if (!isObject(condition)) return [];
  const keys = new Set<string>();
  for (const block of Object.values(condition).slice(0, MAX_CONDITION_KEYS))
    if (isObject(block))
      for (const k of Object.keys(block).slice(0, MAX_CONDITION_KEYS)) keys.add(clip(k, 128));
  return [...keys].sort().slice(0, MAX_CONDITION_KEYS);
}

/** The role a call acts on: `roleName`, else the role a denial's message names. */
export function roleNameOf(e: CloudEvent): string | undefined {
  const name = e.requestParameters?.['roleName'];
  if (typeof name === 'string') return clip(name, 128);
  const m =
    /\bon resource: (?:role |arn:aws[\w-]*:iam::\d{12}:role\/(?:[!-~]*\/)?)([\w+=,.@-]{1,64})/.exec(
      e.errorMessage ?? '',
    );
  return m?.[1];
}

/** The note a trust-policy hit carries: the role, whether the policy was read, what it admits. */
export function trustNote(
  e: CloudEvent,
  analysis: TrustAnalysis | undefined,
): Record<string, string | boolean> {
  const note: Record<string, string | boolean> = {
    succeeded: e.errorCode === undefined,
    trustPolicy: analysis === undefined ? 'not logged' : analysis.readable ? 'read' : 'unparsable',
  };
  const role = roleNameOf(e);
  if (role !== undefined) note['roleName'] = role;
  if (analysis && !analysis.readable) note['unparsableReason'] = analysis.reason;
  if (analysis?.readable) {
    note['admits'] = JSON.stringify(analysis.admits);
    if (analysis.services.length > 0) note['services'] = analysis.services.join(' ');
  }
  return note;
}

/** Every admission the hits' notes carry, deduplicated by kind and principal. */
export function notedAdmissions(hits: readonly HitSummary[]): Admission[] {
  const out = new Map<string, Admission>();
  for (const h of hits) {
    const text = h.note?.['admits'];
    if (typeof text !== 'string') continue;
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      continue;
    }
    for (const a of Array.isArray(list) ? (list as Admission[]) : [])
      if (isObject(a)) out.set(`${a.kind}|${a.principal}`, a);
  }
  return [...out.values()];
}

/** Title words and details shared by the trust-policy rules' findings. */
export function describeTrust(hits: readonly HitSummary[]): {
  readonly summary: string;
  readonly details: Record<string, unknown>;
} {
  const first = hits[0]!;
  const admits = notedAdmissions(hits);
  const notes = (k: string): string[] => noted(hits, k);
  const states = notes('trustPolicy');
  const accounts = distinct(admits.map((a) => a.account));
  const kinds = [...new Set(admits.map((a) => a.kind))];
  const summary =
    admits.length > 0
      ? `trusting ${kinds.map((k) => KIND_WORDS[k]).join(', ')}${accounts.length ? ` (${accounts.slice(0, 3).join(', ')})` : ''}`
      : states.includes('unparsable')
        ? `with a trust policy that could not be read (${notes('unparsableReason').join(', ')})`
        : 'with its trust policy not logged';
  const failed = hits.filter((h) => h.errorCode !== undefined).length;
  return {
    summary,
    details: {
      actor: first.principalArn ?? first.accessKeyId ?? 'unknown',
      accessKeyIds: distinct(hits.map((h) => h.accessKeyId)),
      roles: notes('roleName'),
      admits,
      admitKinds: kinds,
      outsideAccounts: accounts,
      trustPolicy: states,
      unparsableReasons: notes('unparsableReason'),
      services: [...new Set(notes('services').flatMap((s) => s.split(' ')))],
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      calls: hits.length,
      succeeded: failed < hits.length,
      failedCalls: failed,
      errorCodes: distinct(hits.map((h) => h.errorCode)),
    },
  };
}

const KIND_WORDS: Record<AdmissionKind, string> = {
  'any-principal': 'any principal',
  'outside-account': 'an outside account',
  'iam-user': 'an IAM user',
  unrecognized: 'an unrecognized principal',
};

/**
 * The signal of a call that sets a trust policy (the policy in request parameter `param`): one
 * that admits an outside account, anyone, a user, or that cannot be read; undefined when the
 * readable policy admits nothing of the kind.
 */
export function trustSignal(
  e: CloudEvent,
  param: string,
  options: { readonly trustedAccounts: readonly string[]; readonly sameAccountUsers: boolean },
): RuleSignal | undefined {
  const text = trustPolicyText(e, param);
  const analysis =
    text === undefined
      ? undefined
      : analyzeTrustPolicy(text, {
          account: accountOf(e),
          trustedAccounts: new Set(options.trustedAccounts),
          sameAccountUsers: options.sameAccountUsers,
        });
  if (analysis?.readable && analysis.admits.length === 0) return undefined;
  return { groupKey: actorOf(e), note: trustNote(e, analysis) };
}
