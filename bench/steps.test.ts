import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../src/core/errors.js';
import { generateDataset, TRAIL_SUBDIR, type DatasetManifest } from './generate.js';
import { runDetect, versionStartup } from './steps.js';

/**
 * A stand-in `keysnare` that matches canaries the way reference/aws.md §1.7 says (key id, user
 * ARN, session issuer ARN) and speaks the detect contract. `--miss-federation` makes it skip the
 * FederatedUser match, so the bench must notice the missing events.
 */
const REFERENCE_DETECTOR = `
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
const args = process.argv.slice(2);
if (args[0] === '--version') { console.log('0.0.0'); process.exit(0); }
const tokens = JSON.parse(readFileSync(args[args.indexOf('--tokens') + 1], 'utf8'));
const byKey = new Map(tokens.map((t) => [t.accessKeyId, t]));
const byArn = new Map(tokens.map((t) => [t.userArn, t]));
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.json.gz') ? [join(d, e.name)] : []);
const files = walk(args[args.length - 1]);
const hits = new Map();
let records = 0;
for (const f of files) {
  for (const r of JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')).Records) {
    records++;
    const id = r.userIdentity ?? {};
    const issuer = process.env.MISS_FEDERATION ? undefined : id.sessionContext?.sessionIssuer?.arn;
    const t = byKey.get(id.accessKeyId) ?? byArn.get(id.arn) ?? byArn.get(issuer);
    if (t) hits.set(t.accessKeyId, [...(hits.get(t.accessKeyId) ?? []), r.eventID]);
  }
}
for (const [key, eventIds] of hits) {
  console.log(JSON.stringify({ id: key, rule: 'honeytoken.used', eventIds, tokenId: key }));
}
const stats = { files: files.length, records, rejected: 0, findings: hits.size, elapsedMs: 1, maxRssBytes: 1 };
process.stderr.write('stats ' + JSON.stringify(stats) + '\\n');
`;

let dir: string;
let manifest: DatasetManifest;
let cli: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ks-bench-steps-'));
  manifest = await generateDataset({
    dir,
    records: 2000,
    canaries: 20,
    canaryEvents: 30,
    recordsPerFile: [300, 600],
  });
  cli = join(dir, 'reference-detector.mjs');
  writeFileSync(cli, REFERENCE_DETECTOR);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('runDetect', () => {
  it('accepts a detector that finds exactly the canary events', async () => {
    const run = await runDetect(cli, join(dir, TRAIL_SUBDIR), join(dir, 'tokens.json'), manifest);
    expect(run.verification.problems).toEqual([]);
    expect(run.verification.found).toBe(30);
    expect(run.stats.records).toBe(2000);
    expect(run.wallMs).toBeGreaterThan(0);
  });

  it('reports the canary events a detector misses', async () => {
    process.env['MISS_FEDERATION'] = '1';
    try {
      const run = await runDetect(cli, join(dir, TRAIL_SUBDIR), join(dir, 'tokens.json'), manifest);
      expect(run.verification.ok).toBe(false);
      expect(run.verification.missing.length).toBeGreaterThan(0);
      expect(run.verification.extra).toEqual([]);
    } finally {
      delete process.env['MISS_FEDERATION'];
    }
  });

  it('fails with a clear error when the CLI cannot run detect', async () => {
    const missing = join(dir, 'no-such-cli.mjs');
    const err: unknown = await runDetect(
      missing,
      join(dir, TRAIL_SUBDIR),
      join(dir, 'tokens.json'),
      manifest,
    ).catch((e: unknown) => e);
    expect(isAppError(err, 'KS_INTERNAL')).toBe(true);
    expect((err as Error).message).toMatch(/keysnare detect exited with code 1/);
  });

  it('times --version start-up', async () => {
    expect(await versionStartup(cli)).toBeGreaterThan(0);
  });
});
