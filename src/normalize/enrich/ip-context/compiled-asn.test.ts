import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../../../test/helpers/temp.js';
import { loadAsnCsv, parseAsnCsv } from './asn-csv.js';
import type { AsnTable } from './asn-csv.js';
import { readCompiledAsn, writeCompiledAsn } from './compiled-asn.js';
import { loadAsn, PACKAGED_ASN_IPV4_CSV, PACKAGED_ASN_IPV6_CSV, packagedPath } from './packaged.js';
import { find4, find6 } from './ranges.js';

const dir = tempDir('ks-compiled-asn-');
afterAll(removeTempDirs);

/** Overlapping and nested ranges, names with commas, quotes and non-ASCII, ASNs without one. */
const V4 = [
  'ip_range_start,ip_range_end,autonomous_system_number,autonomous_system_organization',
  '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
  '10.0.0.0,10.1.255.255,749,Outer',
  '10.1.0.0,10.2.3.255,721,Inner',
  '100.64.0.0,100.64.255.255,64501,"LLC ""QUOTED"", Ltd"',
  '192.0.2.0,192.0.2.127,64502,Société Générale — Réseau',
  '192.0.2.128,192.0.2.255,64503,中国电信 🛰',
  '198.51.100.0,198.51.100.255,64504',
  '198.51.101.0,198.51.101.255,64505,',
  '203.0.113.0,203.0.113.255,0,Not routed',
  '255.255.255.0,255.255.255.255,64506,Top',
  '0.0.0.0,0.0.0.255,64507,Bottom',
].join('\n');

const V6 = [
  '::,::ffff,64510,Bottom Six',
  '2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,8075,Microsoft Corporation',
  '2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,64511,"Nested, ""inner"""',
  '2a00:1450::,2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff,15169,Ünïcödé GmbH',
  '2c0f:f248::,2c0f:f248:ffff:ffff:ffff:ffff:ffff:ffff,64512',
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:0,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,64513,Top Six',
].join('\n');

/** A CSV written to the temp folder, its parsed table and its stat. */
function fixture(name: string, text: string, family: 4 | 6) {
  const csv = join(dir, name);
  writeFileSync(csv, text);
  return { csv, table: parseAsnCsv(Buffer.from(text), family, csv), source: statSync(csv) };
}

const v4 = fixture('asn-ipv4.csv', V4, 4);
const v6 = fixture('asn-ipv6.csv', V6, 6);

function compiled(name: string, f: ReturnType<typeof fixture>): string {
  const out = join(dir, name);
  writeCompiledAsn(f.table, f.source, out);
  return out;
}

const bin4 = compiled('asn-ipv4.bin', v4);
const bin6 = compiled('asn-ipv6.bin', v6);

const toBig = (w: Uint32Array, at: number): bigint =>
  [0, 1, 2, 3].reduce((v, k) => (v << 32n) | BigInt(w[at + k]!), 0n);
const words = (v: bigint): Uint32Array =>
  Uint32Array.from([96n, 64n, 32n, 0n], (s) => Number((v >> s) & 0xffffffffn));
const MAX6 = (1n << 128n) - 1n;

/** ASN and organisation at an address (a number for IPv4, a 128-bit bigint for IPv6). */
function answer(t: AsnTable, ip: number | bigint): [number, string | undefined] | undefined {
  const i = typeof ip === 'number' ? find4(t.table, ip) : find6(t.table, words(ip));
  if (i < 0) return undefined;
  const asn = t.table.values[i]!;
  return [asn, t.orgs.get(asn)];
}

/** Every range's first and last address and its neighbours, plus `random` addresses. */
function probes(t: AsnTable, random: readonly (number | bigint)[]): (number | bigint)[] {
  const out = [...random];
  const { starts, ends } = t.table;
  for (let i = 0; i < t.table.values.length; i++) {
    if (t.family === 4) {
      for (const v of [starts[i]! - 1, starts[i]!, ends[i]!, ends[i]! + 1])
        if (v >= 0 && v <= 0xffffffff) out.push(v);
    } else {
      const [s, e] = [toBig(starts, 4 * i), toBig(ends, 4 * i)];
      for (const v of [s - 1n, s, (s + e) / 2n, e, e + 1n]) if (v >= 0n && v <= MAX6) out.push(v);
    }
  }
  return out;
}

function expectSameAnswers(a: AsnTable, b: AsnTable, ips: readonly (number | bigint)[]): void {
  const mismatches = ips.filter((ip) => {
    const [x, y] = [answer(a, ip), answer(b, ip)];
    return x?.[0] !== y?.[0] || x?.[1] !== y?.[1];
  });
  expect(mismatches.slice(0, 5)).toEqual([]);
}

const randomV4 = fc.sample(fc.integer({ min: 0, max: 0xffffffff }), { numRuns: 2000, seed: 1 });
const randomV6 = fc.sample(fc.bigInt({ min: 0n, max: MAX6 }), { numRuns: 2000, seed: 2 });

/** `bytes` written to a file of its own, and read back as a compiled table of `family`. */
function readBytes(name: string, bytes: Uint8Array, family: 4 | 6, source = v4.source) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return readCompiledAsn(file, source, family);
}

describe('writeCompiledAsn / readCompiledAsn', () => {
  it('round-trips IPv4 ranges and organisations: the same answer at every boundary', () => {
    const t = readCompiledAsn(bin4, v4.source, 4)!;
    expect(t.family).toBe(4);
    expect(t.table).toEqual(v4.table.table);
    expectSameAnswers(t, v4.table, probes(v4.table, randomV4));
    expect(answer(t, 0xc0000281)).toEqual([64503, '中国电信 🛰']);
    expect(t.orgs.get(64501)).toBe('LLC "QUOTED", Ltd');
    expect(t.orgs.get(64502)).toBe('Société Générale — Réseau');
    expect(t.orgs.get(64504)).toBeUndefined(); // no organisation
    expect(t.orgs.get(64505)).toBeUndefined(); // an empty one
    expect(t.orgs.get(12345)).toBeUndefined(); // no such ASN
    expect(t.orgs.get(0)).toBe('Not routed');
    expect(t.orgs.size).toBe(v4.table.orgs.size);
  });

  it('round-trips IPv6 ranges, four words an address', () => {
    const t = readCompiledAsn(bin6, v6.source, 6)!;
    expect(t.table).toEqual(v6.table.table);
    expectSameAnswers(t, v6.table, probes(v6.table, randomV6));
    expect(t.orgs.get(64511)).toBe('Nested, "inner"');
    expect(t.orgs.get(15169)).toBe('Ünïcödé GmbH');
    expect(t.orgs.get(64512)).toBeUndefined();
  });

  it('decodes a name once and gives the same string after', () => {
    const t = readCompiledAsn(bin4, v4.source, 4)!;
    expect(t.orgs.get(13335)).toBe('Cloudflare, Inc.');
    expect(t.orgs.get(13335)).toBe(t.orgs.get(13335));
  });

  it('leaves out organisations of ASNs no range maps to any more', () => {
    const shadowed = parseAsnCsv(
      Buffer.from('10.0.0.0,10.0.0.255,64520,Gone\n10.0.0.0,10.0.0.255,64521,Kept\n'),
      4,
      'x.csv',
    );
    const out = join(dir, 'shadowed.bin');
    writeCompiledAsn(shadowed, v4.source, out);
    const t = readCompiledAsn(out, v4.source, 4)!;
    expect(t.orgs.get(64521)).toBe('Kept');
    expect(t.orgs.get(64520)).toBeUndefined();
    expect(t.orgs.size).toBe(1);
  });

  it('is stale once the CSV it was built from changes size or mtime', () => {
    const f = fixture('changing.csv', V4, 4);
    const out = compiled('changing.bin', f);
    expect(readCompiledAsn(out, statSync(f.csv), 4)).toBeDefined();
    expect(readCompiledAsn(out, { ...f.source, size: f.source.size + 1 }, 4)).toBeUndefined();
    expect(readCompiledAsn(out, { ...f.source, mtimeMs: f.source.mtimeMs + 1 }, 4)).toBeUndefined();
    writeFileSync(f.csv, `${V4}\n`);
    expect(readCompiledAsn(out, statSync(f.csv), 4)).toBeUndefined();
    writeFileSync(f.csv, V4);
    utimesSync(f.csv, new Date(), new Date(Date.now() + 60_000));
    expect(statSync(f.csv).size).toBe(f.source.size);
    expect(readCompiledAsn(out, statSync(f.csv), 4)).toBeUndefined();
  });

  it('refuses a file of the other family, magic or format version', () => {
    expect(readCompiledAsn(bin6, v6.source, 4)).toBeUndefined();
    expect(readCompiledAsn(bin4, v4.source, 6)).toBeUndefined();
    const bytes = readFileSync(bin4);
    const changed = (at: number, value: number) => {
      const b = Buffer.from(bytes);
      b[at] = value;
      return b;
    };
    expect(readBytes('magic.bin', changed(0, 0x58), 4)).toBeUndefined();
    expect(readBytes('version.bin', changed(8, 2), 4)).toBeUndefined();
    expect(readBytes('family.bin', changed(12, 6), 4)).toBeUndefined();
    expect(readBytes('copy.bin', Buffer.from(bytes), 4)).toBeDefined();
  });

  it('refuses a truncated, extended or empty file, and a missing one or a folder', () => {
    const bytes = readFileSync(bin4);
    for (const cut of [0, 7, 47, 48, bytes.length - 1])
      expect(readBytes(`cut-${cut}.bin`, bytes.subarray(0, cut), 4)).toBeUndefined();
    expect(readBytes('longer.bin', Buffer.concat([bytes, Buffer.alloc(4)]), 4)).toBeUndefined();
    expect(readCompiledAsn(join(dir, 'nope.bin'), v4.source, 4)).toBeUndefined();
    expect(readCompiledAsn(dir, v4.source, 4)).toBeUndefined();
    expect(readBytes('csv.bin', Buffer.from(V4), 4)).toBeUndefined();
  });

  it('refuses counts that disagree with the length, and name offsets past the names', () => {
    const bytes = readFileSync(bin4);
    const withWord = (at: number, value: number) => {
      const b = Buffer.from(bytes);
      b.writeUInt32LE(value, at);
      return b;
    };
    expect(readBytes('ranges.bin', withWord(16, bytes.readUInt32LE(16) + 1), 4)).toBeUndefined();
    expect(readBytes('no-ranges.bin', withWord(16, 0), 4)).toBeUndefined();
    expect(readBytes('orgs.bin', withWord(20, bytes.readUInt32LE(20) - 1), 4)).toBeUndefined();
    const n = bytes.readUInt32LE(16);
    const m = bytes.readUInt32LE(20);
    const offsetsAt = 48 + 4 * (3 * n + m);
    expect(readBytes('first-offset.bin', withWord(offsetsAt, 1), 4)).toBeUndefined();
    expect(readBytes('last-offset.bin', withWord(offsetsAt + 4 * m, 1e6), 4)).toBeUndefined();
  });

  it('never throws for any damage to a file, and a table it returns answers lookups', () => {
    const bytes = readFileSync(bin6);
    fc.assert(
      fc.property(
        fc.nat({ max: bytes.length }),
        fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 255 })), {
          maxLength: 4,
        }),
        (cut, flips) => {
          const b = Buffer.from(bytes.subarray(0, cut));
          for (const [at, v] of flips) if (at < b.length) b[at] = v;
          const t = readBytes('damaged.bin', b, 6, v6.source);
          if (t) for (const ip of randomV6.slice(0, 50)) answer(t, ip);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws KS_DATA_WRITE naming the file when it cannot write', () => {
    const blocked = join(dir, 'asn-ipv4.csv', 'data', 'asn-ipv4.bin'); // a file, not a folder
    expect(() => writeCompiledAsn(v4.table, v4.source, blocked)).toThrow(
      expect.objectContaining({ code: 'KS_DATA_WRITE', message: expect.stringContaining(blocked) }),
    );
  });
});

describe('loadAsn', () => {
  it('reads the compiled twin while it is current, else parses the CSV', () => {
    const f = fixture('twin.csv', V4, 4);
    const out = compiled('twin.bin', f);
    expect(loadAsn(f.csv, 4, out).form).toBe('compiled');
    expect(loadAsn(f.csv, 4, undefined).form).toBe('csv');
    expect(loadAsn(f.csv, 4, join(dir, 'nope.bin')).form).toBe('csv');
    writeFileSync(f.csv, `${V4}\n1.2.3.0,1.2.3.255,64530,Added`);
    const parsed = loadAsn(f.csv, 4, out);
    expect(parsed.form).toBe('csv'); // stale: the CSV changed after compiling
    expect(answer(parsed.asns, 0x01020304)).toEqual([64530, 'Added']);
  });
});

const DIST_DATA = fileURLToPath(new URL('../../../../dist/data/', import.meta.url));

describe.skipIf(!existsSync(DIST_DATA))('the packaged compiled tables (npm run build)', () => {
  /** xorshift32, so that the sample is the same each run. */
  function* xorshift(seed: number): Generator<number> {
    let x = seed;
    for (;;) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      yield x >>> 0;
    }
  }

  /** Random addresses, and addresses inside ranges picked at random. */
  function sample(t: AsnTable, n: number): (number | bigint)[] {
    const r = xorshift(t.family === 4 ? 2463534242 : 88675123);
    const next = () => r.next().value as number;
    const out: (number | bigint)[] = [];
    const ranges = t.table.values.length;
    for (let k = 0; k < n; k++) {
      const i = next() % ranges;
      if (t.family === 4) {
        const [s, e] = [t.table.starts[i]!, t.table.ends[i]!];
        out.push(next(), s, e, s + (next() % (e - s + 1)));
      } else {
        const [s, e] = [toBig(t.table.starts, 4 * i), toBig(t.table.ends, 4 * i)];
        out.push(s, e, s + ((BigInt(next()) << 32n) % (e - s + 1n)));
      }
    }
    return out;
  }

  for (const [packaged, family] of [
    [PACKAGED_ASN_IPV4_CSV, 4],
    [PACKAGED_ASN_IPV6_CSV, 6],
  ] as const) {
    it(`gives the packaged ${packaged.path}'s answers`, () => {
      const csv = packagedPath(packaged);
      expect(csv, `${packaged.pkg} is a dependency: npm install`).toBeDefined();
      const bin = join(DIST_DATA, packaged.compiled!);
      const t = readCompiledAsn(bin, statSync(csv!), family);
      expect(t, `${bin} is not current for ${csv}: npm run build`).toBeDefined();
      const fromCsv = loadAsnCsv(csv!, family);
      expect(t!.table.values.length).toBe(fromCsv.table.values.length);
      expectSameAnswers(t!, fromCsv, sample(fromCsv, 1500));
    });
  }
});
