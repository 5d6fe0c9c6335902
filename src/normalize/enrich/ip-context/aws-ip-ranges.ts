/**
 * AWS's published address ranges (`ip-ranges.json`): which service and region an address is
 * in. The same prefix is listed once under `AMAZON` (every AWS range) and again under its
 * service, and smaller prefixes sit inside larger ones: the most specific wins — the longest
 * prefix, and on one prefix any service over `AMAZON`.
 */
import { AppError } from '../../../core/index.js';
import { readDataFile } from './files.js';
import { parseCidr } from './ip.js';
import type { Address } from './ip.js';
import { cidr4, cidr6, find4, find6, RangeBuilder4, RangeBuilder6 } from './ranges.js';
import type { RangeTable4, RangeTable6 } from './ranges.js';

/** What ip-ranges.json says about one range. */
export interface AwsLabel {
  readonly service: string;
  readonly region: string;
}

/** A loaded ip-ranges.json. */
export interface AwsRanges {
  readonly v4: RangeTable4;
  readonly v6: RangeTable6;
  readonly labels: readonly AwsLabel[];
  /** Prefixes listed (IPv4, IPv6), before merging. */
  readonly prefixes: number;
  readonly ipv6Prefixes: number;
  readonly syncToken?: string;
  readonly createDate?: string;
}

/** Service and region names: AWS's are upper-case words and region names. */
const LABEL = /^[A-Za-z0-9_-]{1,64}$/;

type Entry = Record<string, unknown>;

function shapeError(file: string, where: string, expected: string, found: unknown): AppError {
  const shown = typeof found === 'string' ? JSON.stringify(found.slice(0, 60)) : typeof found;
  return new AppError('KS_IP_DATA_INVALID', {
    file,
    reason: `${where}: expected ${expected}, found ${shown}`,
  });
}

function entries(doc: Entry, key: string, file: string, required: boolean): Entry[] {
  const list = doc[key];
  if (list === undefined && !required) return [];
  if (!Array.isArray(list)) throw shapeError(file, key, 'a list of prefixes', list);
  return list.map((e: unknown, i) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      throw shapeError(file, `${key}[${i}]`, 'an object', e);
    }
    return e as Entry;
  });
}

/** Parse ip-ranges.json text; KS_IP_DATA_INVALID naming the file and the bad entry. */
export function parseAwsIpRanges(text: string, file: string): AwsRanges {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const reason = `not JSON (${err instanceof Error ? err.message : 'unreadable'})`;
    throw new AppError('KS_IP_DATA_INVALID', { file, reason }, { cause: err });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw shapeError(file, 'the document', 'an object with "prefixes"', doc);
  }
  const root = doc as Entry;
  const v4list = entries(root, 'prefixes', file, true);
  const v6list = entries(root, 'ipv6_prefixes', file, false);
  if (v4list.length + v6list.length === 0) {
    throw new AppError('KS_IP_DATA_INVALID', { file, reason: 'lists no prefixes' });
  }
  const labels: AwsLabel[] = [];
  const labelIndex = new Map<string, number>();
  const label = (e: Entry, where: string): number => {
    for (const k of ['service', 'region'] as const) {
      if (typeof e[k] !== 'string' || !LABEL.test(e[k])) {
        throw shapeError(file, `${where}.${k}`, 'a name such as EC2 or us-east-1', e[k]);
      }
    }
    const service = e['service'] as string;
    const region = e['region'] as string;
    const key = `${service}\u0000${region}`;
    let i = labelIndex.get(key);
    if (i === undefined) labelIndex.set(key, (i = labels.push({ service, region }) - 1));
    return i;
  };
  const v4 = new RangeBuilder4();
  v4list.forEach((e, i) => {
    const where = `prefixes[${i}]`;
    const c = typeof e['ip_prefix'] === 'string' ? parseCidr(e['ip_prefix']) : undefined;
    if (c?.family !== 4) {
      throw shapeError(
        file,
        `${where}.ip_prefix`,
        'an IPv4 CIDR such as 3.5.140.0/22',
        e['ip_prefix'],
      );
    }
    const [lo, hi] = cidr4(c.value, c.length);
    v4.add(lo, hi, label(e, where), e['service'] === 'AMAZON' ? 0 : 1);
  });
  const v6 = new RangeBuilder6();
  const lo = new Uint32Array(4);
  const hi = new Uint32Array(4);
  v6list.forEach((e, i) => {
    const where = `ipv6_prefixes[${i}]`;
    const c = typeof e['ipv6_prefix'] === 'string' ? parseCidr(e['ipv6_prefix']) : undefined;
    if (c?.family !== 6) {
      throw shapeError(
        file,
        `${where}.ipv6_prefix`,
        'an IPv6 CIDR such as 2600:1f14::/35',
        e['ipv6_prefix'],
      );
    }
    cidr6(c.words, c.length, lo, hi);
    v6.add(lo, 0, hi, 0, label(e, where), e['service'] === 'AMAZON' ? 0 : 1);
  });
  const meta = (k: string): Record<string, string> => {
    const v = root[k];
    return typeof v === 'string' ? { [k]: v.slice(0, 64) } : {};
  };
  return {
    v4: v4.build(),
    v6: v6.build(),
    labels,
    prefixes: v4list.length,
    ipv6Prefixes: v6list.length,
    ...meta('syncToken'),
    ...meta('createDate'),
  };
}

/** Read and parse an ip-ranges.json file. */
export function loadAwsIpRanges(file: string): AwsRanges {
  return parseAwsIpRanges(readDataFile(file).toString('utf8'), file);
}

/** The service and region AWS publishes for `a`, if it is in one of its ranges. */
export function findAws(r: AwsRanges, a: Address): AwsLabel | undefined {
  const i = a.family === 4 ? find4(r.v4, a.value) : find6(r.v6, a.words);
  if (i < 0) return undefined;
  return r.labels[a.family === 4 ? r.v4.values[i]! : r.v6.values[i]!];
}
