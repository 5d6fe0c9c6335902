/**
 * "Was this you?": a canary alert carries a signed link for the token's owner; following it marks
 * the incident a false positive in the owner's name without signing in; a tampered or expired
 * link changes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src/app.js';
import { startServer } from '../src/server/index.js';
import { linkKey, wasThisYouPath } from '../src/server/signed-link.js';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { addToken, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);
const CANARY = testKey('AKIA', 515);

describe('"Was this you?"', () => {
  it('lets the owner mark a canary incident a false positive from the signed link in its alert', async () => {
    const home = tempDir('ks-wty-');
    expect((await runCli(['--home', home, 'init'])).code).toBe(0);
    expect(
      (await addToken(home, CANARY, 'svc-docs-prod', 'host=wiki-1,owner=docs-team')).code,
    ).toBe(0);
    const yaml = readFileSync(join(home, 'keysnare.yaml'), 'utf8');
    writeFileSync(
      join(home, 'keysnare.yaml'),
      yaml
        .replace(
          /^alerts:\n/m,
          `alerts:\n  dashboardUrl: https://keysnare.example\n  sinks:\n    file: { type: jsonl, path: alerts.jsonl }\n`,
        )
        .replace(/^ {2}sinks: \{\}\n/m, ''),
    );
    const logs = tempDir('ks-wty-in-');
    writeDelivery(logs, '20261130T1005', [
      ctRecord({
        identity: iamUser('svc-docs-prod', CANARY, 'AIDAQDOCS000000001'),
        time: '2026-11-30T10:01:00Z',
      }),
    ]);
    const r = await runCli(['--home', home, 'ingest', logs]);
    expect(r.code, r.err).toBe(0);
    const alert = JSON.parse(readFileSync(join(home, 'alerts.jsonl'), 'utf8').trim()) as {
      alert: { incidentId: string; facts: { label: string; value: string }[] };
    };
    const link = alert.alert.facts.find((f) => f.label.startsWith('Was this you?'))!.value;
    expect(link).toMatch(
      /^https:\/\/keysnare\.example\/was-this-you\/inc-[0-9a-f]{16}\?rev=1&exp=\d+&sig=[\w-]+$/,
    );
    const path = link.replace('https://keysnare.example', '');
    const ws = openWorkspace(home);
    const server = await startServer({ ws, port: 0, background: false, log: () => undefined });
    try {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Was this you?');
      const tampered = path.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A'));
      const bad = await fetch(`${server.url}${tampered}`, { method: 'POST' });
      expect(bad.status).toBe(403);
      expect((await ws.store.getIncident(alert.alert.incidentId))!.state).toBe('open');
      const expired = wasThisYouPath(
        await linkKey(ws.store),
        alert.alert.incidentId,
        1,
        new Date('2020-01-01T00:00:00Z'),
      );
      expect((await fetch(`${server.url}${expired}`)).status).toBe(403);
      const ok = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=Dana',
      });
      expect(ok.status).toBe(200);
      const inc = (await ws.store.getIncident(alert.alert.incidentId))!;
      expect(inc.state).toBe('false-positive');
      expect(inc.history.at(-1)).toMatchObject({
        by: 'Dana (via the signed owner link)',
        why: 'I triggered it while investigating',
      });
      // The link is spent: the incident changed (its revision is signed), so a replay is refused.
      const replay = await fetch(`${server.url}${path}`, {
        method: 'POST',
        body: 'name=Eve',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(replay.status).toBe(403);
      expect(await replay.text()).toContain('the incident has changed since this link was sent');
    } finally {
      await server.close();
      await ws.close();
    }
  });
});
