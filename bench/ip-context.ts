/**
 * `npm run bench:ip-context`: what the offline IP context costs — load time of each source (the
 * packaged country mmdb and ASN CSVs, a synthetic ip-ranges.json and Tor list of realistic size),
 * memory held, and lookup cost uncached (distinct addresses) and cached (CloudTrail's repeated
 * source IPs). One process, one thread: each worker thread pays the same once. Then each packaged
 * ASN table's load both ways: parsed from its CSV (what runs from src/, as here) and read from its
 * compiled form (what the build ships in dist/data/; compiled into the temp folder here). Prints
 * plain lines; asserts nothing. Run with `node --expose-gc` (the npm script does) for heap figures.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAsnCsv } from '../src/normalize/enrich/ip-context/asn-csv.js';
import type { AsnTable } from '../src/normalize/enrich/ip-context/asn-csv.js';
import {
  readCompiledAsn,
  writeCompiledAsn,
} from '../src/normalize/enrich/ip-context/compiled-asn.js';
import { createIpContext } from '../src/normalize/enrich/ip-context/index.js';
import { formatIpv4 } from '../src/normalize/enrich/ip-context/ip.js';
import {
  PACKAGED_ASN_IPV4_CSV,
  PACKAGED_ASN_IPV6_CSV,
  packagedPath,
} from '../src/normalize/enrich/ip-context/packaged.js';

const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function arrayBuffersMb(): number {
  return process.memoryUsage().arrayBuffers / 2 ** 20;
}

/** A deterministic stream of public-looking IPv4 addresses (xorshift32). */
function addresses(n: number, seed = 2463534242): string[] {
  const out: string[] = [];
  let x = seed;
  while (out.length < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = x >>> 0;
    const first = v >>> 24;
    if (first === 0 || first === 10 || first === 127 || first >= 224) continue;
    out.push(formatIpv4(v));
  }
  return out;
}

/** ip-ranges.json with AWS's current order of magnitude of prefixes (reference/aws.md §8.1). */
function syntheticAwsRanges(v4: number, v6: number): string {
  const services = ['AMAZON', 'EC2', 'S3', 'CLOUDFRONT', 'ROUTE53_HEALTHCHECKS', 'API_GATEWAY'];
  const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'GLOBAL'];
  const prefixes = addresses(v4, 7).map((ip, i) => ({
    ip_prefix: `${ip.replace(/\.\d+$/, '.0')}/24`,
    region: regions[i % regions.length],
    service: services[i % services.length],
    network_border_group: regions[i % regions.length],
  }));
  const ipv6 = Array.from({ length: v6 }, (_, i) => ({
    ipv6_prefix: `2600:1f${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16)}::/48`,
    region: regions[i % regions.length],
    service: services[i % services.length],
    network_border_group: regions[i % regions.length],
  }));
  return JSON.stringify({ syncToken: '1', prefixes, ipv6_prefixes: ipv6 });
}

/** Run `f`; its result, wall-clock ms and CPU ms (this thread's user + system time). */
function time<T>(f: () => T): [T, number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, performance.now() - t0, (c.user + c.system) / 1000];
}

/** Wall-clock ms of `runs` calls of `f` (a collection before each): the first and the median. */
function runs(n: number, f: () => unknown): { first: number; median: number } {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    gc?.();
    ms.push(time(f)[1]);
  }
  const sorted = [...ms].sort((a, b) => a - b);
  return { first: ms[0]!, median: sorted[n >> 1]! };
}

/** Each packaged ASN table parsed from CSV and read compiled, in this run, with the ratio. */
function compiledVsCsv(dir: string): void {
  for (const [packaged, family] of [
    [PACKAGED_ASN_IPV4_CSV, 4],
    [PACKAGED_ASN_IPV6_CSV, 6],
  ] as const) {
    const csv = packagedPath(packaged);
    if (csv === undefined) {
      console.log(`IPv${family} ASN table: ${packaged.pkg} not installed`);
      continue;
    }
    const source = statSync(csv);
    const bin = join(dir, packaged.compiled ?? `asn-ipv${family}.bin`);
    let table: AsnTable | undefined;
    const parse = runs(5, () => (table = loadAsnCsv(csv, family)));
    writeCompiledAsn(table!, source, bin);
    const read = runs(5, () => readCompiledAsn(bin, source, family));
    const mb = (statSync(bin).size / 2 ** 20).toFixed(1);
    console.log(
      `IPv${family} ASN table, median of 5 (first): CSV ${parse.median.toFixed(0)} ms (${parse.first.toFixed(0)}), compiled ${read.median.toFixed(1)} ms (${read.first.toFixed(1)}), ${(parse.median / read.median).toFixed(0)}x faster; compiled file ${mb} MB`,
    );
  }
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ks-ipctx-bench-'));
  try {
    const aws = join(dir, 'ip-ranges.json');
    const tor = join(dir, 'tor.txt');
    writeFileSync(aws, syntheticAwsRanges(9000, 3000));
    writeFileSync(tor, addresses(1500, 99).join('\n'));
    const heap0 = heapMb();
    const ab0 = arrayBuffersMb();
    const [ip, createMs] = time(() => createIpContext({ awsIpRanges: aws, torExitList: tor }));
    const [, firstV4Ms, firstV4Cpu] = time(() => ip.lookup('8.8.8.8'));
    const [, firstV6Ms, firstV6Cpu] = time(() => ip.lookup('2001:4860:4860::8888'));
    const heap1 = heapMb();
    const ab1 = arrayBuffersMb();
    console.log(`createIpContext: ${createMs.toFixed(1)} ms (checks files, parses nothing)`);
    console.log(
      `first IPv4 lookup (loads country, IPv4 ASN, AWS, Tor): ${firstV4Ms.toFixed(0)} ms wall, ${firstV4Cpu.toFixed(0)} ms CPU`,
    );
    console.log(
      `first IPv6 lookup (loads IPv6 ASN): ${firstV6Ms.toFixed(0)} ms wall, ${firstV6Cpu.toFixed(0)} ms CPU`,
    );
    console.log(
      `load average: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (2 cores)`,
    );
    for (const s of ip.sources()) {
      console.log(
        `  ${s.name.padEnd(14)} ${String(s.entries).padStart(8)} entries  ${s.loadMs} ms`,
      );
    }
    console.log(
      `memory after loading: heap +${(heap1 - heap0).toFixed(1)} MB, array buffers +${(ab1 - ab0).toFixed(1)} MB`,
    );
    const distinct = addresses(200_000, 12345);
    const [, missMs, missCpu] = time(() => {
      for (const a of distinct) ip.lookup(a);
    });
    console.log(
      `uncached lookups: ${((missMs * 1000) / distinct.length).toFixed(2)} µs wall, ${((missCpu * 1000) / distinct.length).toFixed(2)} µs CPU each (${distinct.length} distinct IPv4, cache turning over)`,
    );
    const hot = addresses(200, 777);
    for (const a of hot) ip.lookup(a);
    const rounds = 5_000;
    const [, hitMs] = time(() => {
      for (let r = 0; r < rounds; r++) for (const a of hot) ip.lookup(a);
    });
    console.log(
      `cached lookups: ${((hitMs * 1e6) / (rounds * hot.length)).toFixed(0)} ns each (${hot.length} repeated IPs)`,
    );
    console.log(`memory with a full cache: heap +${(heapMb() - heap0).toFixed(1)} MB`);
    compiledVsCsv(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
