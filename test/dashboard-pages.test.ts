/**
 * The dashboard's pages against the real server over a demo workspace (its canaries and replayed
 * attack), signed in with the login form: each page's content, each action with and without the
 * session's CSRF token (without: 403 and nothing changed), minting against the wire-level AWS
 * fake, and markup in CloudTrail fields and token labels rendered only as escaped text.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../src/core/index.js';
import { DEMO_CANARIES } from '../src/demo/attack.js';
import { escapeHtml } from '../src/server/html.js';
import { registerToken } from '../src/tokens/registry.js';
import { FAKE_ADMIN_USER, startFakeAws } from './fake-aws/index.js';
import type { FakeAws } from './fake-aws/index.js';
import { testKey } from './helpers/cloudtrail.js';
import type { Dashboard, SignedIn } from './helpers/server.js';
import {
  HOSTILE_UA_ESCAPED,
  hostileRecords,
  ingestRecords,
  signIn,
  startDashboard,
  useFakeAws,
  withFileSink,
} from './helpers/server.js';
import { removeTempDirs } from './helpers/temp.js';

const SIGMA_ID = '6b0d0c1e-1111-4222-8333-444455556666';
const SIGMA_RULE = `title: Caller identity check
id: ${SIGMA_ID}
status: experimental
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventName: GetCallerIdentity
  condition: selection
level: low
`;

let d: Dashboard;
let s: SignedIn;
let fake: FakeAws;
let restoreEnv: () => void;

beforeAll(async () => {
  fake = await startFakeAws({ accountId: '210987654321' });
  restoreEnv = useFakeAws(fake);
  d = await startDashboard({
    yaml: (y) => withFileSink(y).replace('  folders: []', '  folders: [sigma]'),
  });
  mkdirSync(join(d.home, 'sigma'));
  writeFileSync(join(d.home, 'sigma', 'caller-identity.yml'), SIGMA_RULE);
  s = await signIn(d.base);
});

afterAll(async () => {
  await d?.close();
  await fake?.close();
  restoreEnv?.();
  removeTempDirs();
});

const incidents = () => d.ws.store.listIncidents();
const byTitle = async (part: string): Promise<Incident> =>
  (await incidents()).find((i) => i.title.includes(part))!;
const tokenOf = async (label: string) =>
  (await d.ws.store.list({ status: 'all' })).find((t) => t.label === label)!;
const canaryUsers = () => fake.control.users().filter((u) => u.userName !== FAKE_ADMIN_USER);

/** The JSON a page carries in `<script type="application/json" id=…>`, parsed back. */
function jsonElement(page: string, id: string): unknown {
  const m = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(
    page,
  );
  return JSON.parse(m?.[1] ?? 'null');
}

describe('dashboard pages', () => {
  it('shows open incidents most severe first, the triggered canaries and the activity chart', async () => {
    const r = await s.get('/');
    expect(r.status).toBe(200);
    const open = (await incidents()).filter((i) => i.state === 'open');
    expect(r.text).toContain(`id="open-count">${open.length}<`);
    for (const i of open) expect(r.text).toContain(escapeHtml(i.title));
    expect(r.text).toContain('build-7 credentials');
    expect(r.text).toContain('web-frontend CI variables');
    expect(r.text).not.toContain('ledger .env');
    expect(r.text).toMatch(/<canvas id="activity" data-chart="activity-data">/);
    const chart = jsonElement(r.text, 'activity-data') as {
      labels: string[];
      datasets: { label: string; data: number[] }[];
    };
    expect(chart.labels).toHaveLength(72);
    const sum = (n: number) => chart.datasets[n]!.data.reduce((a, b) => a + b, 0);
    expect(sum(0)).toBe(await d.ws.store.countEvents());
    expect(sum(1)).toBe((await d.ws.store.listFindings({})).length);
    const scripts = r.text.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toEqual([
      '<script src="/static/chart.js" defer>',
      '<script src="/static/app.js" defer>',
      '<script type="application/json" id="activity-data">',
    ]);
  });

  it("serves the pages' script and stylesheet", async () => {
    const files: [string, RegExp][] = [
      ['/static/chart.js', /^text\/javascript/],
      ['/static/app.js', /^text\/javascript/],
      ['/static/app.css', /^text\/css/],
    ];
    for (const [path, type] of files) {
      const r = await fetch(`${d.base}${path}`);
      expect([path, r.status, type.test(r.headers.get('content-type') ?? '')]).toEqual([
        path,
        200,
        true,
      ]);
    }
  });

  it('lists every canary with placement, status, last seen and audit score, and its custody', async () => {
    const r = await s.get('/tokens');
    expect(r.status).toBe(200);
    for (const c of DEMO_CANARIES) {
      const t = await tokenOf(c.label);
      expect(r.text).toContain(`href="/tokens/${t.id}"`);
      expect(r.text).toContain(c.accessKeyId);
    }
    expect(r.text).toContain('host=build-7,path=~/.aws/credentials,owner=platform-team');
    expect(r.text).toContain('2026-11-20 03:17:05 UTC');
    expect(r.text).toMatch(/<span class="score">\d+<\/span>/);
    expect(r.text).toContain('id="mint-form"');
    const t = await tokenOf('build-7 credentials');
    const page = await s.get(`/tokens/${t.id}`);
    expect(page.text).toContain('<table class="custody">');
    expect(page.text).toContain('demo-seeder');
    expect(page.text).toContain(escapeHtml((await byTitle('build-7')).title));
    expect(page.text).toContain('id="render-form"');
    expect((await s.get('/tokens/tok_nope')).status).toBe(404);
  });

  it('mints a canary in the fake AWS, renders its bait as text and retires it', async () => {
    const minted = await s.post('/tokens/mint', {
      host: 'web-9',
      path: '/srv/app/.env',
      owner: 'app-team',
      label: 'web-9 env',
    });
    expect(minted.status).toBe(303);
    const t = await tokenOf('web-9 env');
    expect(minted.location).toBe(`/tokens/${t.id}`);
    expect(t.origin).toBe('minted');
    const [user] = canaryUsers();
    expect(user?.keys).toHaveLength(1);
    const secret = user!.keys[0]!.secretAccessKey;
    const bait = await s.post(`/tokens/${t.id}/render`, { format: 'credentials' });
    expect(bait.status).toBe(200);
    expect(bait.text).toMatch(/<pre id="bait">\[[\w-]+\]\naws_access_key_id = AKIA/);
    expect(bait.text).toContain(secret);
    expect(bait.headers.get('cache-control')).toBe('no-store');
    const custody = await d.ws.store.custody(t.id);
    expect(custody.at(-1)).toMatchObject({
      actor: 'alice',
      note: expect.stringMatching(/credentials/),
    });
    const retired = await s.post(`/tokens/${t.id}/retire`, { note: 'test over' });
    expect(retired.status).toBe(303);
    expect((await d.ws.store.get(t.id))?.status).toBe('retired');
    expect(canaryUsers()).toEqual([]);
    const bad = await s.post('/tokens/mint', { label: 'nowhere' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('invalid placement');
  });

  it('lists incidents by state', async () => {
    const all = await s.get('/incidents');
    for (const i of await incidents()) expect(all.text).toContain(`href="/incidents/${i.id}"`);
    expect((await s.get('/incidents?state=resolved')).text).toContain('No resolved incident.');
    expect((await s.get('/incidents?state=open')).text).toContain('build-7 credentials');
    expect((await s.get('/incidents?state=bogus')).status).toBe(400);
  });

  it('shows the triage page: summary, facts, timeline with its own events marked, custody, runbook', async () => {
    const inc = await byTitle('build-7');
    const r = await s.get(`/incidents/${inc.id}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('<p class="summary">The canary key');
    expect(r.text).toContain('<dt>User agent</dt>');
    expect(r.text).toContain('md/distrib#kali.2024');
    expect((r.text.match(/<tr class="own">/g) ?? []).length).toBe(inc.eventCount);
    expect(r.text).toContain('sts:GetSessionToken');
    expect(r.text).toContain('<table class="custody">');
    expect(r.text).toContain('<ol class="runbook">');
    expect(r.text).toContain('Who else did this?');
    expect(r.text).toContain('first finding');
    for (const id of ['form-ack', 'form-false-positive', 'form-resolve', 'form-note'])
      expect(r.text).toContain(`id="${id}"`);
    expect((await s.get('/incidents/inc-0000000000000000')).status).toBe(404);
  });

  it('changes an incident only with the CSRF token, and redirects back', async () => {
    const inc = await byTitle('web-frontend');
    const steps: [string, Record<string, string>, Partial<Incident>][] = [
      ['ack', { note: 'looking' }, { state: 'acknowledged' }],
      ['false-positive', { note: 'sanctioned scan' }, { state: 'false-positive' }],
      ['reopen', {}, { state: 'open' }],
      ['resolve', { note: 'rotated' }, { state: 'resolved' }],
    ];
    for (const [action, fields, want] of steps) {
      const before = await d.ws.store.getIncident(inc.id);
      expect((await s.post(`/incidents/${inc.id}/${action}`, fields, false)).status).toBe(403);
      const forged = await s.post(
        `/incidents/${inc.id}/${action}`,
        { ...fields, _csrf: 'x' },
        false,
      );
      expect(forged.status).toBe(403);
      expect(await d.ws.store.getIncident(inc.id)).toEqual(before);
      const ok = await s.post(`/incidents/${inc.id}/${action}`, fields);
      expect([action, ok.status, ok.location]).toEqual([action, 303, `/incidents/${inc.id}`]);
      const after = (await d.ws.store.getIncident(inc.id))!;
      expect(after).toMatchObject(want);
      expect(after.history.at(-1)).toMatchObject({
        by: 'alice',
        ...(fields.note ? { why: fields.note } : {}),
      });
    }
    const noReason = await s.post(`/incidents/${inc.id}/reopen`, {});
    expect(noReason.status).toBe(303);
    expect((await s.post(`/incidents/${inc.id}/false-positive`, {})).status).toBe(400);
    expect((await d.ws.store.getIncident(inc.id))?.state).toBe('open');
    const before = await d.ws.store.getIncident(inc.id);
    expect((await s.post(`/incidents/${inc.id}/notes`, { text: 'checked' }, false)).status).toBe(
      403,
    );
    expect(await d.ws.store.getIncident(inc.id)).toEqual(before);
    expect((await s.post(`/incidents/${inc.id}/notes`, { text: 'called the team' })).status).toBe(
      303,
    );
    const page = await s.get(`/incidents/${inc.id}`);
    expect(page.text).toContain('called the team');
    expect(page.text).toContain('sanctioned scan');
  });

  it('refuses every other action without the CSRF token and changes nothing', async () => {
    const t = await tokenOf('ledger .env');
    const custody = await d.ws.store.custody(t.id);
    const users = canaryUsers().length;
    const alerts = await d.ws.store.listAlerts();
    const posts: [string, Record<string, string>][] = [
      ['/tokens/mint', { host: 'x-1' }],
      [`/tokens/${t.id}/render`, { format: 'credentials' }],
      [`/tokens/${t.id}/retire`, {}],
      [`/alerts/${alerts[0]!.id}/retry`, {}],
      ['/check-key', { accessKeyId: t.accessKeyId }],
    ];
    for (const [path, fields] of posts)
      expect([path, (await s.post(path, fields, false)).status]).toEqual([path, 403]);
    expect(await d.ws.store.custody(t.id)).toEqual(custody);
    expect((await d.ws.store.get(t.id))?.status).toBe('active');
    expect(canaryUsers()).toHaveLength(users);
    expect(await d.ws.store.listAlerts()).toEqual(alerts);
  });

  it('lists every rule, built-in and Sigma, with enabled, severity and findings', async () => {
    const r = await s.get('/rules');
    const used = (await d.ws.store.listFindings({ rule: 'honeytoken.used' })).length;
    expect(used).toBeGreaterThan(0);
    expect(r.text).toMatch(
      new RegExp(`<code>honeytoken\\.used</code>(?:(?!</tr>)[\\s\\S])*<td>${used}</td>\\s*</tr>`),
    );
    expect(r.text).toContain('honeytoken.unlogged-use');
    expect(r.text).toContain(`<code>sigma.${SIGMA_ID}</code>`);
    expect(r.text).toContain('Caller identity check');
  });

  it('shows the sinks and the outbox, dead letters first, and retries a dead alert', async () => {
    const [first] = await d.ws.store.listAlerts();
    await d.ws.store.recordAttempt(first!.id, {
      status: 'dead',
      attempts: 7,
      nextAttemptAt: new Date().toISOString(),
      lastError: 'HTTP 500 from the receiver',
    });
    const r = await s.get('/alerts');
    const all = await d.ws.store.listAlerts();
    const n = (st: string) => all.filter((a) => a.status === st).length;
    expect(r.text).toMatch(
      new RegExp(
        `<td>file</td>\\s*<td>jsonl</td>\\s*<td>${n('pending')}</td>\\s*<td>${n('delivered')}</td>\\s*<td>1</td>`,
      ),
    );
    const rows = r.text.match(/<tr class="alert-\w+">/g) ?? [];
    expect(rows[0]).toBe('<tr class="alert-dead">');
    expect(r.text).toContain(`action="/alerts/${first!.id}/retry"`);
    expect(r.text).toContain('HTTP 500 from the receiver');
    const retry = await s.post(`/alerts/${first!.id}/retry`);
    expect([retry.status, retry.location]).toEqual([303, '/alerts']);
    expect((await d.ws.store.getAlert(first!.id))?.status).toBe('pending');
  });

  it('shows the health of each intake path', async () => {
    d.server.ctx.health.set('folder:logs', {
      name: 'folder:logs',
      kind: 'folder',
      received: 4,
      errors: 1,
      lastReceivedAt: '2026-11-20T12:00:00.000Z',
      newestEventTime: '2026-11-20T11:59:00Z',
      lagMs: 3500,
      lastError: 'EACCES: permission denied',
    });
    const r = await s.get('/sources');
    expect(r.text).toContain('<td>folder:logs</td>');
    expect(r.text).toContain('<td>eventbridge</td>');
    expect(r.text).toContain('3.5 s');
    expect(r.text).toContain('EACCES: permission denied');
    d.server.ctx.health.delete('folder:logs');
  });

  it('answers "what is this key?" and records a canary check in its custody', async () => {
    const c = DEMO_CANARIES[0]!;
    const t = await tokenOf(c.label);
    const before = (await d.ws.store.custody(t.id)).length;
    const r = await s.post('/check-key', { accessKeyId: ` ${c.accessKeyId.toLowerCase()} ` });
    expect(r.status).toBe(200);
    expect(r.text).toContain(
      'a security canary placed by platform-team: please report where you found it',
    );
    expect(r.text).toContain('possible exposure');
    const custody = await d.ws.store.custody(t.id);
    expect(custody).toHaveLength(before + 1);
    expect(custody.at(-1)).toMatchObject({
      actor: 'alice',
      action: 'updated',
      placement: c.placement,
      note: expect.stringContaining('checked on the dashboard by alice'),
    });
    const unknown = await s.post('/check-key', { accessKeyId: testKey('AKIA', 31337) });
    expect(unknown.text).toContain('Keysnare does not know this key');
    expect(unknown.text).not.toMatch(/canary placed by|owner|platform-team/);
    const secret = await s.post('/check-key', {
      accessKeyId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    expect(secret.text).toContain('looks like a secret access key');
    expect((await s.post('/check-key', { accessKeyId: 'hello' })).text).toContain(
      'not an access key id',
    );
    expect(await d.ws.store.custody(t.id)).toHaveLength(before + 1);
  });

  it('renders markup from CloudTrail and token fields only as escaped text on every page', async () => {
    await ingestRecords(d, hostileRecords());
    const hostile = await byTitle('ledger .env');
    const labelled = await registerToken(
      d.ws.store,
      {
        accessKeyId: testKey('AKIA', 999),
        label: '<img src=x onerror=alert(5)>',
        placement: { host: '<b>h</b>', notes: '"><script>alert(6)</script>' },
      },
      'test',
      new Date(),
    );
    const [alert] = await d.ws.store.listAlerts({ incidentId: hostile.id });
    await d.ws.store.recordAttempt(alert!.id, {
      status: 'dead',
      attempts: 3,
      nextAttemptAt: new Date().toISOString(),
      lastError: '<img src=x onerror=alert(7)>',
    });
    const pages = [
      '/',
      '/incidents',
      `/incidents/${hostile.id}`,
      '/tokens',
      `/tokens/${labelled.id}`,
      `/tokens/${(await tokenOf('ledger .env')).id}`,
      '/alerts',
      '/rules',
      '/sources',
      '/check-key',
    ];
    for (const p of pages) {
      const r = await s.get(p);
      expect([p, r.status]).toEqual([p, 200]);
      expect([p, /<img|<svg|<b>|<script>alert/.exec(r.text)?.[0]]).toEqual([p, undefined]);
      const scripts = (r.text.match(/<script[^>]*>/g) ?? []).filter(
        (t) =>
          !/^<script (src="\/static\/[\w.]+" defer|type="application\/json" id="[\w-]+")>$/.test(t),
      );
      expect([p, scripts]).toEqual([p, []]);
    }
    const incident = (await s.get(`/incidents/${hostile.id}`)).text;
    expect(incident).toContain(HOSTILE_UA_ESCAPED);
    expect(incident).toContain('user/&lt;svg/onload=alert(3)&gt;');
    expect((await s.get('/tokens')).text).toContain('&lt;img src=x onerror=alert(5)&gt;');
    expect((await s.get(`/tokens/${labelled.id}`)).text).toContain('&lt;script&gt;alert(6)');
    expect((await s.get('/alerts')).text).toContain('&lt;img src=x onerror=alert(7)&gt;');
  });
});
