/**
 * Address ranges as sorted typed arrays searched by bisection: one table per family, each range
 * carrying a number (an index into the source's own values). Builders take ranges in any order,
 * overlapping or nested (CIDRs inside CIDRs), and leave disjoint sorted ranges where, at every
 * address, the covering range that starts last wins — the innermost CIDR, or for equal ranges
 * the one with the higher rank, else the one given last. Data already sorted and disjoint (the
 * packaged ASN files) is taken as it is, without sorting or copying each range.
 */

/** Disjoint IPv4 ranges sorted by start: `[starts[i], ends[i]]` (inclusive) maps to `values[i]`. */
export interface RangeTable4 {
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly values: Uint32Array;
}

/** IPv6 twin of {@link RangeTable4}: each bound is four big-endian words at `4 * i`. */
export interface RangeTable6 {
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly values: Uint32Array;
}

/** Index of the range holding `ip` in `t`, or -1. */
export function find4(t: RangeTable4, ip: number): number {
  const { starts } = t;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= ip) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && ip <= t.ends[hi]! ? hi : -1;
}

/** Compare the four words at `a[ai]` with those at `b[bi]`. */
export function compare6(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[ai + k]!;
    const y = b[bi + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Index of the range holding the address `ip` (four words) in `t`, or -1. */
export function find6(t: RangeTable6, ip: Uint32Array): number {
  const { starts } = t;
  let lo = 0;
  let hi = starts.length / 4 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compare6(starts, mid * 4, ip, 0) <= 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && compare6(ip, 0, t.ends, hi * 4) <= 0 ? hi : -1;
}

/** Number of ranges in a table. */
export function tableSize(t: RangeTable4 | RangeTable6): number {
  return t.values.length;
}

function grow(a: Uint32Array<ArrayBuffer>, size: number): Uint32Array<ArrayBuffer> {
  if (size <= a.length) return a;
  const next = new Uint32Array(Math.max(size, a.length * 2));
  next.set(a);
  return next;
}

/** Arithmetic the sweep needs over one family's addresses. */
interface Ops<T> {
  readonly cmp: (a: T, b: T) => number;
  readonly succ: (a: T) => T;
  readonly pred: (a: T) => T;
}

/**
 * Turn ranges (visited in `order`: by start ascending, then end descending, then rank
 * ascending) into disjoint segments, calling `emit` for each in address order. A stack holds the
 * ranges open at the cursor; the top one (latest start) owns the addresses up to the next start.
 */
function sweep<T>(
  order: ArrayLike<number>,
  start: (i: number) => T,
  end: (i: number) => T,
  ops: Ops<T>,
  emit: (s: T, e: T, i: number) => void,
): void {
  const stack: number[] = [];
  let cursor: T | undefined;
  const close = (limit: T | undefined): void => {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const e = end(top);
      if (limit !== undefined && ops.cmp(e, limit) >= 0) return;
      if (cursor !== undefined && ops.cmp(cursor, e) <= 0) {
        emit(cursor, e, top);
        cursor = ops.succ(e);
      }
      stack.pop();
    }
  };
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const s = start(i);
    close(s);
    const top = stack[stack.length - 1];
    if (top !== undefined && cursor !== undefined && ops.cmp(cursor, s) < 0) {
      emit(cursor, ops.pred(s), top);
    }
    stack.push(i);
    cursor = s;
  }
  close(undefined);
}

/** Indexes 0…n-1, sorted by `cmp` unless they already are. */
function sortedOrder(n: number, sorted: boolean, cmp: (a: number, b: number) => number) {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return sorted ? order : order.sort(cmp);
}

/** {@link sweep} for IPv4 numbers, without closures: the ASN CSV's 400k ranges go through it. */
function sweep4(
  order: Uint32Array,
  starts: Uint32Array,
  ends: Uint32Array,
  values: Uint32Array,
  out: RangeBuilder4,
): void {
  const stack: number[] = [];
  let cursor = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const s = starts[i]!;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const e = ends[top]!;
      if (e >= s) break;
      if (cursor <= e) {
        out.add(cursor, e, values[top]!);
        cursor = e + 1;
      }
      stack.pop();
    }
    if (stack.length > 0 && cursor < s) out.add(cursor, s - 1, values[stack[stack.length - 1]!]!);
    stack.push(i);
    cursor = s;
  }
  while (stack.length > 0) {
    const top = stack.pop()!;
    const e = ends[top]!;
    if (cursor <= e) {
      out.add(cursor, e, values[top]!);
      cursor = e + 1;
    }
  }
}

const BIGINT_OPS: Ops<bigint> = {
  cmp: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  succ: (a) => a + 1n,
  pred: (a) => a - 1n,
};

/** Collects IPv4 ranges, then {@link build}s a {@link RangeTable4}. */
export class RangeBuilder4 {
  private starts: Uint32Array<ArrayBuffer>;
  private ends: Uint32Array<ArrayBuffer>;
  private values: Uint32Array<ArrayBuffer>;
  private ranks: number[] | undefined;
  private n = 0;
  private sortedDisjoint = true;
  /** Sorted by start (then end descending, rank ascending), though maybe overlapping. */
  private sortedByStart = true;
  private lastRank = 0;

  /** `capacity`: ranges expected (the arrays grow past it). */
  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.starts = new Uint32Array(c);
    this.ends = new Uint32Array(c);
    this.values = new Uint32Array(c);
  }

  /** Add `[start, end]` (inclusive, start ≤ end) mapping to `value`; rank breaks ties of equal ranges. */
  add(start: number, end: number, value: number, rank = 0): void {
    const n = this.n;
    if (n === this.starts.length) {
      this.starts = grow(this.starts, n + 1);
      this.ends = grow(this.ends, n + 1);
      this.values = grow(this.values, n + 1);
    }
    if (n > 0 && start <= this.ends[n - 1]!) {
      this.sortedDisjoint = false;
      const ps = this.starts[n - 1]!;
      if (start < ps || (start === ps && (end > this.ends[n - 1]! || rank < this.lastRank))) {
        this.sortedByStart = false;
      }
    }
    this.lastRank = rank;
    if (rank !== 0) (this.ranks ??= []).length = n;
    if (this.ranks) this.ranks[n] = rank;
    this.starts[n] = start;
    this.ends[n] = end;
    this.values[n] = value;
    this.n = n + 1;
  }

  get size(): number {
    return this.n;
  }

  build(): RangeTable4 {
    const n = this.n;
    if (this.sortedDisjoint) {
      return {
        starts: this.starts.slice(0, n),
        ends: this.ends.slice(0, n),
        values: this.values.slice(0, n),
      };
    }
    const { starts, ends, values } = this;
    const ranks = this.ranks;
    const order = sortedOrder(
      n,
      this.sortedByStart,
      (a, b) =>
        starts[a]! - starts[b]! ||
        ends[b]! - ends[a]! ||
        (ranks ? (ranks[a] ?? 0) - (ranks[b] ?? 0) : 0) ||
        a - b,
    );
    const out = new RangeBuilder4(n);
    sweep4(order, starts, ends, values, out);
    return out.build();
  }
}

function toBig(words: Uint32Array, at: number): bigint {
  return (
    (BigInt(words[at]!) << 96n) |
    (BigInt(words[at + 1]!) << 64n) |
    (BigInt(words[at + 2]!) << 32n) |
    BigInt(words[at + 3]!)
  );
}

function fromBig(v: bigint, out: Uint32Array, at: number): void {
  for (let k = 3; k >= 0; k--) {
    out[at + k] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

/** Collects IPv6 ranges, then {@link build}s a {@link RangeTable6}. */
export class RangeBuilder6 {
  private starts: Uint32Array<ArrayBuffer>;
  private ends: Uint32Array<ArrayBuffer>;
  private values: Uint32Array<ArrayBuffer>;
  private ranks: number[] | undefined;
  private n = 0;
  private sortedDisjoint = true;
  /** Sorted by start (then end descending, rank ascending), though maybe overlapping. */
  private sortedByStart = true;
  private lastRank = 0;

  /** `capacity`: ranges expected (the arrays grow past it). */
  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.starts = new Uint32Array(4 * c);
    this.ends = new Uint32Array(4 * c);
    this.values = new Uint32Array(c);
  }

  /** Add the range whose bounds are the four words at `start[si]` and `end[ei]`. */
  add(start: Uint32Array, si: number, end: Uint32Array, ei: number, value: number, rank = 0): void {
    const n = this.n;
    if (n === this.values.length) {
      this.starts = grow(this.starts, 4 * (n + 1));
      this.ends = grow(this.ends, 4 * (n + 1));
      this.values = grow(this.values, n + 1);
    }
    if (n > 0 && compare6(start, si, this.ends, 4 * (n - 1)) <= 0) {
      this.sortedDisjoint = false;
      const c = compare6(start, si, this.starts, 4 * (n - 1));
      if (
        c < 0 ||
        (c === 0 && (compare6(end, ei, this.ends, 4 * (n - 1)) > 0 || rank < this.lastRank))
      ) {
        this.sortedByStart = false;
      }
    }
    this.lastRank = rank;
    if (rank !== 0) (this.ranks ??= []).length = n;
    if (this.ranks) this.ranks[n] = rank;
    for (let k = 0; k < 4; k++) {
      this.starts[4 * n + k] = start[si + k]!;
      this.ends[4 * n + k] = end[ei + k]!;
    }
    this.values[n] = value;
    this.n = n + 1;
  }

  get size(): number {
    return this.n;
  }

  build(): RangeTable6 {
    const n = this.n;
    if (this.sortedDisjoint) {
      return {
        starts: this.starts.slice(0, 4 * n),
        ends: this.ends.slice(0, 4 * n),
        values: this.values.slice(0, n),
      };
    }
    const { starts, ends, values } = this;
    const ranks = this.ranks;
    const order = sortedOrder(
      n,
      this.sortedByStart,
      (a, b) =>
        compare6(starts, 4 * a, starts, 4 * b) ||
        compare6(ends, 4 * b, ends, 4 * a) ||
        (ranks ? (ranks[a] ?? 0) - (ranks[b] ?? 0) : 0) ||
        a - b,
    );
    const out = new RangeBuilder6(n);
    const s = new Uint32Array(4);
    const e = new Uint32Array(4);
    sweep(
      order,
      (i) => toBig(starts, 4 * i),
      (i) => toBig(ends, 4 * i),
      BIGINT_OPS,
      (lo, hi, i) => {
        fromBig(lo, s, 0);
        fromBig(hi, e, 0);
        out.add(s, 0, e, 0, values[i]!);
      },
    );
    return out.build();
  }
}

/**
 * The first and last address of a CIDR prefix, IPv4: `[network, broadcast]`.
 * Host bits set in `value` are ignored.
 */
export function cidr4(value: number, length: number): [number, number] {
  if (length === 0) return [0, 0xffffffff];
  const mask = (0xffffffff << (32 - length)) >>> 0;
  const first = (value & mask) >>> 0;
  return [first, (first | (~mask >>> 0)) >>> 0];
}

/** IPv6 twin of {@link cidr4}: writes the first and last address into `first` and `last`. */
export function cidr6(words: Uint32Array, length: number, first: Uint32Array, last: Uint32Array) {
  for (let k = 0; k < 4; k++) {
    const bits = Math.min(32, Math.max(0, length - 32 * k));
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    first[k] = (words[k]! & mask) >>> 0;
    last[k] = (first[k]! | (~mask >>> 0)) >>> 0;
  }
}
