/**
 * The shape of an emulated operation and helpers the IAM/STS handlers share (caller resolution,
 * name validation, Marker/MaxItems paging, user XML).
 */
import { AwsFault, noSuchUser, validationError } from './fault.js';
import type { Params } from './params.js';
import {
  findUser,
  type FakeAccessKey,
  type FakeSession,
  type FakeState,
  type FakeUser,
} from './state.js';
import { escapeXml, isoSeconds, memberList, tagsXml, textEl, type FakeService } from './xml.js';

/** Who signed the request. */
export interface Caller {
  readonly accessKeyId: string;
  readonly user: FakeUser;
  /** The long-term key, when the caller used one. */
  readonly key?: FakeAccessKey;
  /** The STS session, when the caller used temporary credentials. */
  readonly session?: FakeSession;
}

/** What a handler gets. */
export interface OpContext {
  readonly state: FakeState;
  readonly params: Params;
  readonly caller: Caller;
  readonly now: Date;
}

/** What a handler returns: the inner XML of `<OpResult>` and what CloudTrail logs. */
export interface OpOutput {
  /** Undefined for operations without output. */
  readonly xml?: string;
  /** CloudTrail `responseElements` (null/absent → null). */
  readonly responseElements?: Record<string, unknown> | null;
}

/** An emulated API operation. */
export interface Operation {
  readonly service: FakeService;
  readonly readOnly: boolean;
  /** Needs no permission (sts:GetCallerIdentity, sts:GetSessionToken). */
  readonly needsNoPermission?: boolean;
  readonly handle: (ctx: OpContext) => OpOutput;
}

const NAME_RE = /^[\w+=,.@-]+$/;

/** Validate an IAM entity name (user, group, policy): 1..max chars of `[\w+=,.@-]`. */
export function checkName(member: string, value: string, max: number): string {
  if (value.length < 1 || value.length > max) {
    throw validationError(
      member,
      value,
      `Member must have length less than or equal to ${max} and greater than or equal to 1`,
    );
  }
  if (!NAME_RE.test(value)) {
    throw validationError(
      member,
      value,
      'Member must satisfy regular expression pattern: [\\w+=,.@-]+',
    );
  }
  return value;
}

/** The user named by `UserName`, or the caller when omitted; NoSuchEntity when unknown. */
export function targetUser(ctx: OpContext): FakeUser {
  const name = ctx.params.get('UserName');
  if (name === undefined) return ctx.caller.user;
  return existingUser(ctx.state, checkName('userName', name, 128));
}

/** The user `name`, or NoSuchEntity. */
export function existingUser(state: FakeState, name: string): FakeUser {
  const user = findUser(state, name);
  if (!user) throw noSuchUser(name);
  return user;
}

/** One page of `items` (Marker is the start index, opaque to clients). */
export function page<T>(
  params: Params,
  items: readonly T[],
): { items: T[]; xml: (inner: string) => string } {
  const max = params.int('MaxItems', 1, 1000, 100);
  const marker = params.get('Marker');
  const start = marker === undefined ? 0 : decodeMarker(marker, items.length);
  const slice = items.slice(start, start + max);
  const next = start + slice.length;
  const truncated = next < items.length;
  const tail =
    textEl('IsTruncated', truncated) + (truncated ? textEl('Marker', encodeMarker(next)) : '');
  return { items: slice, xml: (inner) => inner + tail };
}

function encodeMarker(index: number): string {
  return Buffer.from(`fake-aws:${index}`).toString('base64');
}

function decodeMarker(marker: string, length: number): number {
  const m = /^fake-aws:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'));
  const index = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(index) || index > length) {
    throw new AwsFault('InvalidInput', 'Invalid Marker.');
  }
  return index;
}

/** The `<User>` body (no wrapper) as CreateUser/GetUser/ListUsers render it. */
export function userXml(user: FakeUser, withTags: boolean): string {
  return (
    textEl('Path', user.path) +
    textEl('UserName', user.userName) +
    textEl('UserId', user.userId) +
    textEl('Arn', user.arn) +
    textEl('CreateDate', isoSeconds(user.createDate)) +
    (withTags && user.tags.length > 0 ? tagsXml(user.tags) : '')
  );
}

/** A list of plain strings as members. */
export function stringMembers(name: string, values: readonly string[]): string {
  return memberList(name, values.map(escapeXml));
}

/** Java-style date CloudTrail uses inside responseElements: `Jul 18, 2014 4:07:39 PM` (UTC). */
export function javaDate(date: Date): string {
  const months = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec',
  ];
  const h = date.getUTCHours();
  const hour12 = h % 12 === 0 ? 12 : h % 12;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${months[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} ` +
    `${hour12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`
  );
}
