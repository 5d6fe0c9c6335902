import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonl, runCli } from './helpers/cli.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function home(): string {
  const root = mkdtempSync(join(tmpdir(), 'ks-rules-'));
  roots.push(root);
  return join(root, 'ws');
}

describe('keysnare rules list', () => {
  it('lists every rule, the Safety Net and the heartbeat included, as JSON lines with their options', async () => {
    const r = await runCli(['--home', home(), 'rules', 'list', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const list = jsonl<{ id: string; enabled: boolean; options: Record<string, unknown> }>(r.out);
    expect(list.map((x) => x.id)).toEqual([
      'honeytoken.used',
      'honeytoken.tampered',
      'useragent.offensive-os',
      'useragent.offensive-tool',
      'recon.key-enumeration',
      'recon.access-denied-burst',
      'recon.ses-enumeration',
      'persistence.access-key-for-other-user',
      'persistence.key-swap',
      'persistence.user-or-login-created',
      'persistence.role-created',
      'privesc.trust-policy-modified',
      'credentials.session-token-from-user',
      'impact.multi-region-compute',
      'impact.unusual-instance-type',
      'defense-evasion.logging-tampered',
      'anomaly.first-seen-api',
      'anomaly.new-source-network',
      'honeytoken.unlogged-use',
      'pipeline.source-silent',
    ]);
    expect(list.find((x) => x.id === 'recon.key-enumeration')?.options).toEqual({
      minKeys: 3,
      windowMinutes: 15,
      ignoreClients: ['console', 'browser', 'terraform'],
    });
  });

  it("shows the workspace's settings, and names a bad one with its path", async () => {
    const h = home();
    expect((await runCli(['--home', h, 'init'])).code).toBe(0);
    // The default file ends with `rules: {}`: replace it with real settings.
    const file = join(h, 'keysnare.yaml');
    const settings =
      'rules:\n  recon.key-enumeration: { minKeys: 5, severity: critical }\n  useragent.offensive-os: { enabled: false }\n';
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^rules: \{\}\n/m, settings));
    const table = await runCli(['--home', h, 'rules', 'list']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(
      /recon\.key-enumeration\s+critical\s+yes\s.*minKeys=5 windowMinutes=15/,
    );
    expect(table.out).toMatch(/useragent\.offensive-os\s+high\s+no\s/);
    writeFileSync(file, readFileSync(file, 'utf8').replace('minKeys: 5', 'minKeys: 1'));
    const bad = await runCli(['--home', h, 'rules', 'list']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('rules["recon.key-enumeration"].minKeys');
  });
});
