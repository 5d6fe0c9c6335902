/**
 * `keysnare data update` against a local HTTP server on 127.0.0.1 (never the internet: every run
 * passes both --url options), and the downloaded files feeding the IP context.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ipContextOptions } from '../src/app.js';
import { createIpContext } from '../src/normalize/enrich/ip-context/index.js';
import { AWS_IP_RANGES, TOR_EXIT_LIST } from '../src/normalize/fixtures/ip-data.js';
import { jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

const ONE_PREFIX = JSON.stringify({
  syncToken: '1',
  prefixes: [{ ip_prefix: '192.0.2.0/24', region: 'us-east-1', service: 'EC2' }],
});

const ROUTES: Record<string, { status: number; body: string }> = {
  '/ip-ranges.json': { status: 200, body: AWS_IP_RANGES },
  '/tor': { status: 200, body: TOR_EXIT_LIST },
  '/one-prefix.json': { status: 200, body: ONE_PREFIX },
  '/html': { status: 200, body: '<!doctype html><p>captive portal</p>' },
  '/cut.json': { status: 200, body: AWS_IP_RANGES.slice(0, 200) },
  '/down': { status: 503, body: 'maintenance' },
};

let server: Server;
let base = '';
let closedPort = 0;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = ROUTES[req.url ?? ''] ?? { status: 404, body: 'not found' };
    res.writeHead(route.status, { 'content-type': 'text/plain' }).end(route.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port nothing listens on: bind one, note it, close it.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(() => new Promise((r) => server.close(r)));
afterEach(removeTempDirs);

async function workspace(): Promise<string> {
  const home = join(tempDir('ks-data-'), 'ws');
  expect((await runCli(['--home', home, 'init'])).code).toBe(0);
  return home;
}

function update(home: string, aws: string, tor: string, ...more: string[]) {
  return runCli([
    '--home',
    home,
    'data',
    'update',
    '--url-aws-ip-ranges',
    aws,
    '--url-tor',
    tor,
    ...more,
  ]);
}

describe('keysnare data update', () => {
  it('downloads both files into the data folder, and the IP context then uses them', async () => {
    const home = await workspace();
    const r = await update(home, `${base}/ip-ranges.json`, `${base}/tor`, '--format', 'jsonl');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(jsonl(r.out)).toEqual([
      {
        source: 'aws-ip-ranges',
        url: `${base}/ip-ranges.json`,
        file: join(home, 'data', 'aws-ip-ranges.json'),
        ok: true,
        bytes: AWS_IP_RANGES.length,
        entries: 8,
        syncToken: '1735725600',
        createDate: '2025-01-01-10-00-00',
      },
      {
        source: 'tor-exit-list',
        url: `${base}/tor`,
        file: join(home, 'data', 'tor-exit-list.txt'),
        ok: true,
        bytes: TOR_EXIT_LIST.length,
        entries: 2,
      },
    ]);
    expect(readdirSync(join(home, 'data')).sort()).toEqual([
      'aws-ip-ranges.json',
      'tor-exit-list.txt',
    ]);
    const options = ipContextOptions(home);
    expect(options).toMatchObject({
      awsIpRanges: join(home, 'data', 'aws-ip-ranges.json'),
      torExitList: join(home, 'data', 'tor-exit-list.txt'),
    });
    const ip = createIpContext({
      ...options,
      countryMmdb: false,
      asnCsv: { ipv4: false, ipv6: false },
    });
    expect(ip.lookup('198.51.100.99')).toEqual({
      provider: 'aws',
      awsService: 'EC2',
      awsRegion: 'us-east-1',
      tor: true,
    });
  });

  it('prints a table of what it wrote', async () => {
    const home = await workspace();
    const r = await update(home, `${base}/ip-ranges.json`, `${base}/tor`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^SOURCE\s+ENTRIES\s+BYTES\s+PUBLISHED\s+FILE\n/);
    expect(r.out).toMatch(/aws-ip-ranges\s+8\s+\d+\s+2025-01-01-10-00-00\s+\S+aws-ip-ranges\.json/);
    expect(r.out).toMatch(/tor-exit-list\s+2\s+/);
  });

  it('says in one line per file that it is offline, exits 1, and writes nothing', async () => {
    const home = await workspace();
    const dead = `http://127.0.0.1:${closedPort}`;
    const r = await update(home, `${dead}/ip-ranges.json`, `${dead}/tor`);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `keysnare: cannot reach ${dead}/ip-ranges.json for the AWS ip-ranges.json: the connection was refused (ECONNREFUSED); \`keysnare data update\` needs internet access (or a --url-… option naming a copy it can reach)`,
    );
    expect(lines[1]).toMatch(/^keysnare: cannot reach .*\/tor for the Tor exit list: /);
    const j = await update(home, `${dead}/a`, `${dead}/b`, '--format', 'jsonl');
    expect(jsonl<{ error: { code: string } }>(j.out).map((x) => x.error.code)).toEqual([
      'KS_DATA_OFFLINE',
      'KS_DATA_OFFLINE',
    ]);
    expect(() => readdirSync(join(home, 'data'))).toThrow();
  });

  it('keeps the current copies when the server errs or sends something else', async () => {
    const home = await workspace();
    expect((await update(home, `${base}/ip-ranges.json`, `${base}/tor`)).code).toBe(0);
    const awsFile = join(home, 'data', 'aws-ip-ranges.json');
    const torFile = join(home, 'data', 'tor-exit-list.txt');
    for (const [aws, tor, awsReason, torReason] of [
      ['/down', '/html', 'HTTP 503 Service Unavailable', 'line 1: expected an IP address'],
      ['/cut.json', '/nothing-here', 'not JSON', 'HTTP 404 Not Found'],
    ] as const) {
      const r = await update(home, `${base}${aws}`, `${base}${tor}`, '--format', 'jsonl');
      expect(r.code).toBe(1);
      const [a, t] = jsonl<{ ok: boolean; error: { code: string; message: string } }>(r.out);
      expect(a?.error.code).toBe('KS_DATA_DOWNLOAD');
      expect(a?.error.message).toContain(
        `the AWS ip-ranges.json download from ${base}${aws} was not used: ${awsReason}`,
      );
      expect(t?.error.message).toContain(torReason);
      expect(r.err.trimEnd().split('\n')).toHaveLength(2);
    }
    expect(readFileSync(awsFile, 'utf8')).toBe(AWS_IP_RANGES);
    expect(readFileSync(torFile, 'utf8')).toBe(TOR_EXIT_LIST);
    expect(readdirSync(join(home, 'data'))).toHaveLength(2); // no temporary file left behind
  });

  it('refuses a list that shrank by more than half unless --force', async () => {
    const home = await workspace();
    expect((await update(home, `${base}/ip-ranges.json`, `${base}/tor`)).code).toBe(0);
    const r = await update(home, `${base}/one-prefix.json`, `${base}/tor`);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'it lists 1 entries where the current copy lists 8; pass --force to accept a list that shrank by more than half',
    );
    expect(r.out).toMatch(/tor-exit-list/);
    const forced = await update(home, `${base}/one-prefix.json`, `${base}/tor`, '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(home, 'data', 'aws-ip-ranges.json'), 'utf8')).toBe(ONE_PREFIX);
  });

  it('writes to the paths ipContext names, relative to the workspace', async () => {
    const home = await workspace();
    const config = join(home, 'keysnare.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace('# awsIpRanges: data/aws-ip-ranges.json', 'awsIpRanges: feeds/aws.json')
        .replace('# torExitList: data/tor-exit-list.txt', 'torExitList: feeds/tor.txt'),
    );
    const r = await update(home, `${base}/ip-ranges.json`, `${base}/tor`, '--format', 'jsonl');
    expect(r.code).toBe(0);
    expect(jsonl<{ file: string }>(r.out).map((x) => x.file)).toEqual([
      join(home, 'feeds', 'aws.json'),
      join(home, 'feeds', 'tor.txt'),
    ]);
    expect(ipContextOptions(home)).toMatchObject({ awsIpRanges: join(home, 'feeds', 'aws.json') });
  });

  it('is a usage error without a workspace or with a URL that is not http(s)', async () => {
    const none = join(tempDir('ks-data-'), 'none');
    const r = await update(none, `${base}/ip-ranges.json`, `${base}/tor`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no workspace at/);
    const home = await workspace();
    const before = requests.length;
    const bad = await update(home, 'file:///etc/passwd', `${base}/tor`);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      'keysnare: --url-aws-ip-ranges must be an http(s) URL, not "file:///etc/passwd"\n',
    );
    expect(requests.length).toBe(before); // checked before any download
    expect((await runCli(['data', 'update', '--help'])).code).toBe(0);
  });
});

describe('keysnare data status', () => {
  it('loads every source and says where each stands', async () => {
    const home = await workspace();
    expect((await update(home, `${base}/ip-ranges.json`, `${base}/tor`)).code).toBe(0);
    const r = await runCli(['--home', home, 'data', 'status', '--format', 'jsonl']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const list = jsonl<{ name: string; state: string; entries?: number; detail?: string }>(r.out);
    expect(list.map((s) => [s.name, s.state])).toEqual([
      ['country', 'loaded'],
      ['asn-ipv4', 'loaded'],
      ['asn-ipv6', 'loaded'],
      ['aws-ip-ranges', 'loaded'],
      ['tor-exit-list', 'loaded'],
    ]);
    expect(list[0]?.detail).toMatch(/^country ipvAll, built \d{4}-\d\d-\d\d$/);
    expect(list[3]).toMatchObject({ entries: 8, detail: 'createDate 2025-01-01-10-00-00' });
  });

  it('names each file that is unusable, one line each, and exits 2', async () => {
    const home = await workspace();
    const config = join(home, 'keysnare.yaml');
    writeFileSync(join(home, 'not.mmdb'), 'plain text\n');
    writeFileSync(join(home, 'cut.txt'), '192.0.2.1\n192.0.');
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace('# countryMmdb: /var/lib/GeoIP/GeoLite2-Country.mmdb', 'countryMmdb: not.mmdb')
        .replace('# torExitList: data/tor-exit-list.txt', 'torExitList: cut.txt')
        .replace('asnCsv: {}', 'asnCsv: { ipv4: false, ipv6: false }'),
    );
    const r = await runCli(['--home', home, 'data', 'status']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/country\s+failed/);
    expect(r.err.trimEnd().split('\n')).toEqual([
      `keysnare: IP data file ${join(home, 'not.mmdb')} is unusable: not a MaxMind DB (mmdb) file: no metadata section (truncated, or another kind of file)`,
      `keysnare: IP data file ${join(home, 'cut.txt')} is unusable: line 2: expected an IP address (one per line), found "192.0."`,
    ]);
    writeFileSync(config, readFileSync(config, 'utf8').replace('cut.txt', 'gone.txt'));
    const gone = await runCli(['--home', home, 'data', 'status']);
    expect(gone.code).toBe(1);
    expect(gone.err).toBe(
      `keysnare: cannot read IP data file ${join(home, 'gone.txt')}: no such file\n`,
    );
  });
});

describe('ipContextOptions', () => {
  it('uses downloaded files only when present, resolves configured paths, and can be off', async () => {
    const home = await workspace();
    expect(ipContextOptions(home)).toEqual({
      asnCsv: {},
      cloudAsns: { aws: [16509, 14618], google: [15169, 396982], microsoft: [8075] },
      hostingAsns: expect.arrayContaining([14061, 16276, 24940, 63949, 20473]),
      cacheSize: 65536,
    });
    const config = join(home, 'keysnare.yaml');
    const text = readFileSync(config, 'utf8');
    mkdirSync(join(home, 'geo'));
    writeFileSync(
      config,
      text
        .replace(
          '# countryMmdb: /var/lib/GeoIP/GeoLite2-Country.mmdb',
          'countryMmdb: geo/GeoLite2-Country.mmdb',
        )
        .replace('asnCsv: {}', 'asnCsv: { ipv4: false, ipv6: /srv/asn-ipv6.csv }'),
    );
    expect(ipContextOptions(home)).toMatchObject({
      countryMmdb: join(home, 'geo', 'GeoLite2-Country.mmdb'),
      asnCsv: { ipv4: false, ipv6: '/srv/asn-ipv6.csv' },
    });
    writeFileSync(config, text.replace(/^ {2}enabled: true$/m, '  enabled: false'));
    expect(ipContextOptions(home)).toBeUndefined();
  });
});
