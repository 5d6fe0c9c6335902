/**
 * A minimal MaxMind DB writer for composed test fixtures: an IPv6 (or IPv4) search tree with
 * 24-bit records, a data section of maps, strings and unsigned integers, and the metadata block
 * (MaxMind DB format 2.0). Enough to stand in for GeoLite2-Country and GeoLite2-ASN files in
 * tests without shipping MaxMind data.
 */
import { isIPv4 } from 'node:net';

/** Values the writer can encode. */
export type MmdbValue = string | number | boolean | MmdbValue[] | { [key: string]: MmdbValue };

function control(type: number, size: number): Buffer {
  const ext = type > 7;
  const head = (ext ? 0 : type) << 5;
  let sizeBytes: number[] = [];
  let low = size;
  if (size >= 65821) {
    low = 31;
    const v = size - 65821;
    sizeBytes = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  } else if (size >= 285) {
    low = 30;
    const v = size - 285;
    sizeBytes = [(v >> 8) & 255, v & 255];
  } else if (size >= 29) {
    low = 29;
    sizeBytes = [size - 29];
  }
  return Buffer.from([head | low, ...(ext ? [type - 7] : []), ...sizeBytes]);
}

function uint(type: number, v: number | bigint): Buffer {
  const bytes: number[] = [];
  for (let x = BigInt(v); x > 0n; x >>= 8n) bytes.unshift(Number(x & 255n));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

/** Encode a value in the MaxMind DB data format. */
export function encode(v: MmdbValue): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([control(2, b.length), b]);
  }
  if (typeof v === 'boolean') return control(14, v ? 1 : 0);
  if (typeof v === 'number') return uint(v > 0xffffffff ? 9 : v > 0xffff ? 6 : 5, v);
  if (Array.isArray(v)) return Buffer.concat([control(11, v.length), ...v.map(encode)]);
  const entries = Object.entries(v);
  return Buffer.concat([
    control(7, entries.length),
    ...entries.flatMap(([k, x]) => [encode(k), encode(x)]),
  ]);
}

interface TrieNode {
  children: [TrieNode | number | undefined, TrieNode | number | undefined];
}

/** The bits of a network, IPv4 networks placed at ::a.b.c.d/96+n in an IPv6 tree. */
function networkBits(cidr: string, ipv6Tree: boolean): number[] {
  const [addr = '', len = ''] = cidr.split('/');
  const bits: number[] = [];
  if (isIPv4(addr)) {
    if (ipv6Tree) for (let i = 0; i < 96; i++) bits.push(0);
    for (const part of addr.split('.')) {
      for (let i = 7; i >= 0; i--) bits.push((Number(part) >> i) & 1);
    }
    return bits.slice(0, (ipv6Tree ? 96 : 0) + Number(len));
  }
  const [head = '', tail = ''] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = addr.includes('::')
    ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
    : h;
  for (const g of groups) for (let i = 15; i >= 0; i--) bits.push((parseInt(g, 16) >> i) & 1);
  return bits.slice(0, Number(len));
}

/**
 * A MaxMind DB holding `networks` (CIDR → record). `ipVersion` 6 (default) also answers IPv4
 * lookups through ::/96. `truncateAt` cuts the file (for corrupt-file tests).
 */
export function writeMmdb(
  networks: Readonly<Record<string, MmdbValue>>,
  opts: { databaseType: string; ipVersion?: 4 | 6 },
): Buffer {
  const ipv6 = (opts.ipVersion ?? 6) === 6;
  const data: Buffer[] = [];
  let dataSize = 0;
  const root: TrieNode = { children: [undefined, undefined] };
  for (const [cidr, value] of Object.entries(networks)) {
    const offset = dataSize;
    const encoded = encode(value);
    data.push(encoded);
    dataSize += encoded.length;
    const bits = networkBits(cidr, ipv6);
    let node = root;
    bits.forEach((bit, i) => {
      const b = bit as 0 | 1;
      if (i === bits.length - 1) {
        node.children[b] = offset;
        return;
      }
      let next = node.children[b];
      if (typeof next !== 'object') node.children[b] = next = { children: [undefined, undefined] };
      node = next;
    });
  }
  const nodes: TrieNode[] = [];
  const number = new Map<TrieNode, number>();
  const queue = [root];
  while (queue.length > 0) {
    const n = queue.shift()!;
    number.set(n, nodes.push(n) - 1);
    for (const c of n.children) if (typeof c === 'object') queue.push(c);
  }
  const count = nodes.length;
  const record = (c: TrieNode | number | undefined): number =>
    c === undefined ? count : typeof c === 'number' ? count + 16 + c : number.get(c)!;
  const tree = Buffer.alloc(count * 6);
  nodes.forEach((n, i) => {
    tree.writeUIntBE(record(n.children[0]), i * 6, 3);
    tree.writeUIntBE(record(n.children[1]), i * 6 + 3, 3);
  });
  const metadata = encode({
    node_count: count,
    record_size: 24,
    ip_version: ipv6 ? 6 : 4,
    database_type: opts.databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_767_225_600,
    description: { en: 'Keysnare test fixture' },
  });
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    ...data,
    Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'),
    metadata,
  ]);
}
