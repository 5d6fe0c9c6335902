import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';

const key = testKey('AKIA', 71);
const kali = 'aws-cli/2.15.0 Python/3.11.6 Linux/6.6.9-amd64 md/distrib#kali.2024';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

async function ingested(ua: string, ip?: string) {
  const root = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
  roots.push(root);
  const home = join(root, 'ws');
  const logs = join(root, 'logs');
  expect((await runCli(['--home', home, 'init'])).code).toBe(0);
  expect((await runCli(['--home', home, 'token', 'add', '--access-key-id', key])).code).toBe(0);
  writeDelivery(logs, '20250301T1000', [
    ctRecord({
      identity: iamUser('svc-etl', key, 'AIDAQEXAMPLE000000071'),
      ua,
      ...(ip ? { ip } : {}),
    }),
  ]);
  expect((await runCli(['--home', home, 'ingest', logs])).code).toBe(0);
  return { home, logs };
}

describe('the user-agent class of a finding', () => {
  it('is in the jsonl details of findings list, detect and ingest', async () => {
    const { home, logs } = await ingested(kali);
    // The Kali agent also raises useragent.offensive-os; this test is about the canary finding.
    const listed = jsonl(
      (
        await runCli([
          '--home',
          home,
          'findings',
          'list',
          '--rule',
          'honeytoken.used',
          '--format',
          'jsonl',
        ])
      ).out,
    );
    expect(listed).toHaveLength(1);
    expect(listed[0]?.['userAgent']).toBe(kali);
    expect(listed[0]?.['details']).toMatchObject({ userAgentClass: 'offensive-os' });
    const detected = jsonl(
      (await runCli(['--home', home, 'detect', '--format', 'jsonl', logs])).out,
    );
    expect(detected[0]?.['details']).toMatchObject({ userAgentClass: 'offensive-os' });
  });

  it('is a column of the findings list table', async () => {
    const { home } = await ingested(kali);
    const r = await runCli(['--home', home, 'findings', 'list']);
    const [header, , row] = r.out.split('\n');
    expect(header).toMatch(/\bAGENT\b/);
    expect(row).toMatch(/\boffensive-os\b/);
  });

  it('neutralises hostile characters of the table cells (bidi override, zero-width space)', async () => {
    const { home } = await ingested('aws-cli/2.15.0 \u202eflow\u200b', '203.0.113.45\u202e\u200bx');
    const r = await runCli(['--home', home, 'findings', 'list']);
    expect(r.out).toContain('203.0.113.45');
    expect(r.out).not.toMatch(/[\u202e\u200b]/);
    expect(r.out).toMatch(/\baws-cli\b/);
  });
});
