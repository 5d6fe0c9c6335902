/**
 * What an EC2 launch call asked for or started, and what that burns per hour: shared by the
 * impact rules. Pure; reads only the normalized event.
 *
 * Shapes read (as CloudTrail logs them):
 * - RunInstances: `requestParameters.instanceType` and `instancesSet.items[].minCount/maxCount`
 *   (some exporters flatten them to top-level `minCount`/`maxCount`); on success
 *   `responseElements.instancesSet.items[].instanceType`, one item per instance started. A launch
 *   from a launch template logs no type in the request, only in the response.
 * - RequestSpotInstances: `requestParameters.instanceCount` and `launchSpecification.instanceType`.
 */
import { z } from 'zod';
import type { CloudEvent } from '../../../core/index.js';
import { escapeRegExp } from '../../../core/index.js';
import { hourlyPrice } from './instance-prices.js';

/** The launch calls the impact rules read. */
export const LAUNCH_CALLS = ['RunInstances', 'RequestSpotInstances'] as const;
/** The type label of instances whose call logged no type (a launch template, a denied call). */
export const UNKNOWN_TYPE = 'unknown';
const MAX_TYPE = 64;
/** More than any account's quota: a forged or absurd count does not make a billion-dollar title. */
const MAX_COUNT = 10_000;
const MAX_ITEMS = 256;
/** A bound on summed counts, so sums stay exact. */
const MAX_TOTAL = 1e9;

/** Instances of one type. */
export interface LaunchItem {
  readonly type: string;
  readonly count: number;
}

/** What one launch call asked for or started. */
export interface Launch {
  readonly items: readonly LaunchItem[];
  /** The call succeeded (instances started, or a spot request was accepted). */
  readonly succeeded: boolean;
  /** A `DryRun` permission check: nothing was, or would have been, started. */
  readonly dryRun: boolean;
  /** Counts come from the instances the response lists (else from what the request asked). */
  readonly fromResponse: boolean;
}

/** What a set of instances burns per hour at on-demand prices. */
export interface BurnEstimate {
  readonly instances: number;
  readonly pricedInstances: number;
  /** USD per hour of the priced instances. */
  readonly usdPerHour: number;
  /** Instances by type. */
  readonly byType: Readonly<Record<string, number>>;
  /** Instances of types with no price, by type; never guessed. */
  readonly unpriced: Readonly<Record<string, number>>;
}

/** The `prices` option both impact rules take. */
export const pricesOption = z
  .record(z.string().min(1).max(MAX_TYPE), z.number().nonnegative().max(10_000))
  .default({})
  .describe(
    "USD per instance-hour by instance type, over the built-in us-east-1 on-demand table (e.g. { 'p4d.24xlarge': 32.77 })",
  );

type Json = Readonly<Record<string, unknown>>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const list = (v: unknown): readonly unknown[] =>
  Array.isArray(obj(v)?.['items']) ? (obj(v)!['items'] as unknown[]).slice(0, MAX_ITEMS) : [];

/** An instance type as logged, lower-cased and capped; unknown when absent. */
export function typeLabel(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') return UNKNOWN_TYPE;
  return v.trim().toLowerCase().slice(0, MAX_TYPE);
}

/** A positive count (numbers or numeric strings), capped; undefined when not one. */
function count(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? Math.min(n, MAX_COUNT) : undefined;
}

/** What a launch call asked for or started; undefined for any other call. */
export function launchOf(e: CloudEvent): Launch | undefined {
  if (e.eventName !== 'RunInstances' && e.eventName !== 'RequestSpotInstances') return undefined;
  const succeeded = e.errorCode === undefined;
  const dryRun = /DryRunOperation$/.test(e.errorCode ?? '');
  const rp = e.requestParameters ?? {};
  const started = succeeded ? startedItems(e.responseElements, typeLabel(rp['instanceType'])) : [];
  if (started.length > 0) return { items: started, succeeded, dryRun, fromResponse: true };
  const items =
    e.eventName === 'RunInstances'
      ? [{ type: typeLabel(rp['instanceType']), count: askedCount(rp) }]
      : [
          {
            type: typeLabel(obj(rp['launchSpecification'])?.['instanceType']),
            count: count(rp['instanceCount']) ?? 1,
          },
        ];
  return { items, succeeded, dryRun, fromResponse: false };
}

/** RunInstances' maxCount (what it may start), else minCount, else 1; summed over items. */
function askedCount(rp: Json): number {
  const asked = (o: Json | undefined) => count(o?.['maxCount']) ?? count(o?.['minCount']);
  const per = list(rp['instancesSet']).map((i) => asked(obj(i)));
  const total = per.reduce<number>((n, c) => n + (c ?? 0), 0);
  return Math.min(total > 0 ? total : (asked(rp) ?? 1), MAX_COUNT);
}

/**
 * The instances a RunInstances response lists, by type (the request's when an item names none);
 * none when the response is absent or was cut to the size caps.
 */
function startedItems(re: Json | undefined, requested: string): LaunchItem[] {
  const byType = new Map<string, number>();
  for (const i of list(re?.['instancesSet'])) {
    const logged = typeLabel(obj(i)?.['instanceType']);
    const t = logged === UNKNOWN_TYPE ? requested : logged;
    byType.set(t, (byType.get(t) ?? 0) + 1);
  }
  return [...byType].map(([type, n]) => ({ type, count: n }));
}

/** Instance-hours priced: the table (with the user's overrides) or listed as unpriced. */
export function estimateBurn(
  items: Iterable<LaunchItem>,
  prices: Readonly<Record<string, number>> = {},
): BurnEstimate {
  const byType: Record<string, number> = {};
  const unpriced: Record<string, number> = {};
  let instances = 0;
  let priced = 0;
  let usd = 0;
  for (const { type, count: n } of items) {
    instances += n;
    byType[type] = (byType[type] ?? 0) + n;
    const p = type === UNKNOWN_TYPE ? undefined : hourlyPrice(type, prices);
    if (p === undefined) unpriced[type] = (unpriced[type] ?? 0) + n;
    else {
      priced += n;
      usd += p * n;
    }
  }
  return { instances, pricedInstances: priced, usdPerHour: round2(usd), byType, unpriced };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** `$1,234`, `$52`, `$0.53`: whole dollars from $10 up. */
export function formatUsd(n: number): string {
  const digits = n >= 10 ? 0 : 2;
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** `{ 'p3.16xlarge': 4, unknown: 1 }` as 'p3.16xlarge ×4, unknown ×1' (largest first). */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([t, n]) => `${t} ×${n}`)
    .join(', ');
}

const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_TOTAL;

/** Items as one compact string, for rule state and hit notes. */
export function encodeItems(items: readonly LaunchItem[]): string {
  return JSON.stringify(items.map((i) => [i.type, i.count]));
}

/** The items {@link encodeItems} wrote; nothing for anything else. */
export function decodeItems(text: string | undefined): LaunchItem[] {
  if (text === undefined) return [];
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return [];
    return v.flatMap((x) =>
      Array.isArray(x) && typeof x[0] === 'string' && isCount(x[1])
        ? [{ type: x[0], count: x[1] }]
        : [],
    );
  } catch {
    return [];
  }
}

/** A launch as one compact string, for rule state (see {@link decodeLaunch}). */
export function encodeLaunch(l: Launch): string {
  return `${l.succeeded ? 's' : 'f'}${l.dryRun ? 'd' : '-'}${l.fromResponse ? 'r' : 'q'}${encodeItems(l.items)}`;
}

/** The launch {@link encodeLaunch} wrote; undefined for anything else. */
export function decodeLaunch(text: string): Launch | undefined {
  const m = /^([sf])([d-])([rq])(\[.*\])$/s.exec(text);
  if (!m) return undefined;
  return {
    succeeded: m[1] === 's',
    dryRun: m[2] === 'd',
    fromResponse: m[3] === 'r',
    items: decodeItems(m[4]),
  };
}

/** Items of many launches, summed by type (at most `maxTypes` types, the most numerous). */
export function mergeItems(items: Iterable<LaunchItem>, maxTypes = 32): LaunchItem[] {
  const byType = new Map<string, number>();
  for (const i of items)
    byType.set(i.type, Math.min((byType.get(i.type) ?? 0) + i.count, MAX_TOTAL));
  return [...byType]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, maxTypes)
    .map(([type, count]) => ({ type, count }));
}

/** A case-insensitive test for instance types against `*` globs (`p*`, `*.metal*`). */
export function typeGlobs(patterns: readonly string[]): (type: string) => boolean {
  if (patterns.length === 0) return () => false;
  const body = patterns.map((p) => p.toLowerCase().split('*').map(escapeRegExp).join('.*'));
  const re = new RegExp(`^(?:${body.join('|')})$`);
  return (type) => re.test(type.toLowerCase());
}

/** Where the estimate's prices come from, for details. */
export const PRICE_BASIS =
  'on-demand Linux prices in us-east-1 (built-in 2024 table, rule option `prices` overrides); other regions, Windows and licensed images cost more, spot less';

/**
 * The burn of launched instances (calls that succeeded: instances started, spot requests
 * accepted) and of attempted ones (every call, launched or not), for a finding's title and details.
 */
export function burnSummary(
  launched: Iterable<LaunchItem>,
  attempted: Iterable<LaunchItem>,
  prices: Readonly<Record<string, number>>,
) {
  const l = estimateBurn(launched, prices);
  const a = estimateBurn(attempted, prices);
  const live = l.instances > 0;
  const shown = live ? l : a;
  const unpriced = shown.instances - shown.pricedInstances;
  const amount =
    shown.pricedInstances > 0 ? `about ${formatUsd(shown.usdPerHour)} per hour` : 'unpriced';
  const more = shown.pricedInstances > 0 && unpriced > 0 ? ` (+${unpriced} unpriced)` : '';
  return {
    /** 'about $262 per hour': of what launched, else of what was attempted. */
    phrase: `${amount}${more}`,
    /** Whether anything launched. */
    live,
    details: {
      usdPerHourLaunched: l.usdPerHour,
      instancesLaunched: l.instances,
      launchedByType: l.byType,
      usdPerHourAttempted: a.usdPerHour,
      instancesAttempted: a.instances,
      attemptedByType: a.byType,
      unpricedTypes: a.unpriced,
      priceBasis: PRICE_BASIS,
    },
  };
}
