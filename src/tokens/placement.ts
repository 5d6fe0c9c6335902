/**
 * Placement strings (`host=build-7,path=~/.aws/credentials,owner=ops,notes=…`) ↔ objects.
 */
import type { Placement } from '../core/index.js';
import { AppError } from '../core/index.js';

const KEY = /^[A-Za-z_][\w-]{0,63}$/;
const MAX_VALUE = 1024;

/** Why a placement value cannot be kept (control characters, too long), or undefined. */
export function placementValueProblem(key: string, value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `${key} holds control characters`;
  if (value.length > MAX_VALUE) return `value of ${key} is over ${MAX_VALUE} characters`;
  return undefined;
}

/**
 * The keys a placement may have (README, `--inventory` columns, {@link Placement}'s named fields).
 * Anything else is refused, so a typo (`hots=web-1`) is caught instead of recorded.
 */
export const PLACEMENT_KEYS = ['host', 'path', 'owner', 'notes'] as const;

/** Why `key` cannot be a placement key, or undefined. */
function keyProblem(key: string): string | undefined {
  if (!KEY.test(key)) return `bad key "${key}"`;
  if (!(PLACEMENT_KEYS as readonly string[]).includes(key))
    return `unknown key "${key}"; known keys: ${PLACEMENT_KEYS.join(', ')}`;
  return undefined;
}

function checkKey(input: string, key: string): void {
  const reason = keyProblem(key);
  if (reason) throw new AppError('KS_PLACEMENT_INVALID', { input, reason });
}

const NO_VALUE = `it sets no value; give at least one of ${PLACEMENT_KEYS.join(', ')}`;

function checkNotEmpty(input: string, out: Record<string, string>): void {
  if (Object.keys(out).length === 0) {
    throw new AppError('KS_PLACEMENT_INVALID', {
      input,
      reason: NO_VALUE,
    });
  }
}

/**
 * Parse `k=v,k=v`. A comma only separates pairs when a `key=` follows it, so values may contain
 * commas. Control characters are refused.
 *
 * @example
 * parsePlacement('host=build-7,path=~/.aws/credentials,owner=ops') // { host: 'build-7', … }
 */
export function parsePlacement(input: string): Placement {
  const text = input.trim();
  if (text === '') throw new AppError('KS_PLACEMENT_INVALID', { input, reason: 'it is empty' });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw new AppError('KS_PLACEMENT_INVALID', {
      input,
      reason: 'control characters are not allowed',
    });
  }
  const out: Record<string, string> = {};
  for (const part of text.split(/,(?=\s*[A-Za-z_][\w-]*\s*=)/)) {
    const eq = part.indexOf('=');
    if (eq < 0)
      throw new AppError('KS_PLACEMENT_INVALID', { input, reason: `"${part}" is not key=value` });
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    checkKey(input, key);
    if (value.length > MAX_VALUE) {
      throw new AppError('KS_PLACEMENT_INVALID', {
        input,
        reason: `value of ${key} is over ${MAX_VALUE} characters`,
      });
    }
    if (key in out)
      throw new AppError('KS_PLACEMENT_INVALID', { input, reason: `${key} is given twice` });
    if (value !== '') out[key] = value;
  }
  checkNotEmpty(input, out);
  return out;
}

/**
 * Check a placement given as an object (a token file's `placement: {host: …}`) by the rules of
 * {@link parsePlacement}: known keys only, no control characters, values within bounds, and at
 * least one non-empty value. Empty values are dropped.
 */
export function placementFromObject(obj: Readonly<Record<string, string>>): Placement {
  // The placement as text names it in an error, made only then (token files hold thousands).
  const refuse = (reason: string): never => {
    throw new AppError('KS_PLACEMENT_INVALID', { input: formatPlacement(obj), reason });
  };
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(obj)) {
    const bad = keyProblem(key);
    if (bad) refuse(bad);
    const value = raw.trim();
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) refuse('control characters are not allowed');
    if (value.length > MAX_VALUE) refuse(`value of ${key} is over ${MAX_VALUE} characters`);
    if (value !== '') out[key] = value;
  }
  if (Object.keys(out).length === 0) refuse(NO_VALUE);
  return out;
}

/** The inverse of {@link parsePlacement} (named keys first). */
export function formatPlacement(p: Placement | undefined): string {
  if (!p) return '';
  const order = ['host', 'path', 'owner', 'notes'];
  const keys = Object.keys(p).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return keys
    .filter((k) => p[k] !== undefined)
    .map((k) => `${k}=${p[k] ?? ''}`)
    .join(',');
}

/** True when two placements hold the same keys and values. */
export function samePlacement(a: Placement | undefined, b: Placement | undefined): boolean {
  return formatPlacement(a) === formatPlacement(b);
}
