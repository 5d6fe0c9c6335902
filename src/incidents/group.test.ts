import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../core/index.js';
import { OWNER_LINK_SUFFIX } from '../core/index.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStore } from '../store/sqlite.js';
import { groupFindings, subjectOf, transition } from './group.js';

const NOW = new Date('2026-11-30T12:00:00Z');
const WINDOW = 24 * 3_600_000;

function finding(over: Partial<Finding> & { id: string }): Finding {
  return {
    rule: 'useragent.offensive-os',
    severity: 'medium',
    title: 'Kali user agent',
    time: '2026-11-30T10:00:00.000Z',
    eventIds: [`ev-${over.id}`],
    principalArn: 'arn:aws:iam::111122223333:user/deploy',
    accessKeyId: 'AKIAQDEPLOY000000001',
    sourceIp: '198.51.100.7',
    source: 'cloudtrail',
    details: {},
    ...over,
  };
}

let store: SqliteStore;
afterEach(async () => store?.close());

async function run(findings: Finding[], now = NOW) {
  await store.upsertFindings(findings);
  const updates = await groupFindings(store, findings, { windowMs: WINDOW, now });
  await store.upsertIncidents(updates.map((u) => u.incident));
  return updates;
}

describe('grouping findings into incidents', () => {
  it('puts findings of one principal within the window into one incident, the highest severity on it', async () => {
    store = openSqliteStore(':memory:');
    const u = await run([
      finding({ id: 'f1' }),
      finding({
        id: 'f2',
        rule: 'recon.key-enumeration',
        severity: 'high',
        time: '2026-11-30T11:00:00.000Z',
      }),
    ]);
    expect(u).toHaveLength(1);
    expect(u[0]!.alert).toBe('opened');
    const inc = u[0]!.incident;
    expect(inc.findingIds).toEqual(['f1', 'f2']);
    expect(inc.severity).toBe('high');
    expect(inc.kind).toBe('principal');
    expect(inc.rules).toEqual(['useragent.offensive-os', 'recon.key-enumeration']);
    expect(inc.eventCount).toBe(2);
  });

  it('opens a second incident for the same principal after the window', async () => {
    store = openSqliteStore(':memory:');
    await run([finding({ id: 'f1' })]);
    const u = await run([finding({ id: 'f2', time: '2026-12-03T10:00:00.000Z' })]);
    expect(u.filter((x) => x.alert === 'opened')).toHaveLength(1);
    expect(await store.listIncidents()).toHaveLength(2);
  });

  it('a later finding in the window is a follow-up (updated), not a new incident', async () => {
    store = openSqliteStore(':memory:');
    const [first] = await run([finding({ id: 'f1' })]);
    const u = await run([finding({ id: 'f2', time: '2026-11-30T20:00:00.000Z' })]);
    expect(u).toHaveLength(1);
    expect(u[0]!.incident.id).toBe(first!.incident.id);
    expect(u[0]!.alert).toBe('updated');
    expect(u[0]!.incident.revision).toBe(2);
  });

  it('a grown finding updates its incident; the same finding again changes nothing', async () => {
    store = openSqliteStore(':memory:');
    await run([finding({ id: 'f1' })]);
    const grown = finding({ id: 'f1', eventIds: ['ev-f1', 'ev-f1b'] });
    const u = await run([grown]);
    expect(u[0]!.alert).toBe('updated');
    expect(u[0]!.incident.eventCount).toBe(2);
    expect(await run([grown])).toEqual([]);
  });

  it('keeps a canary incident apart from the real key one, links them by source IP and raises the real one', async () => {
    store = openSqliteStore(':memory:');
    const canary = finding({
      id: 'c1',
      rule: 'honeytoken.used',
      severity: 'critical',
      tokenId: 'tok_1',
      principalArn: 'arn:aws:iam::111122223333:user/svc-backup',
      accessKeyId: 'AKIAQCANARY000000001',
    });
    const real = finding({ id: 'r1', severity: 'low', rule: 'anomaly.first-seen-api' });
    const u = await run([canary, real]);
    expect(u).toHaveLength(2);
    const c = u.find((x) => x.incident.kind === 'canary')!.incident;
    const r = u.find((x) => x.incident.kind === 'principal')!.incident;
    expect(c.id).not.toBe(r.id);
    expect(c.related).toEqual([r.id]);
    expect(r.related).toEqual([c.id]);
    expect(r.severity).toBe('high');
    expect(r.raisedBy).toContain('198.51.100.7');
    expect(c.severity).toBe('critical');
  });

  it('links an incident opened later to an earlier one of another subject (both change)', async () => {
    store = openSqliteStore(':memory:');
    await run([
      finding({ id: 'c1', tokenId: 'tok_1', severity: 'critical', rule: 'honeytoken.used' }),
    ]);
    const u = await run([
      finding({ id: 'r1', principalArn: 'arn:aws:iam::111122223333:user/ops', severity: 'low' }),
    ]);
    const kinds = u.map((x) => [x.incident.kind, x.alert]).sort();
    expect(kinds).toEqual([
      ['canary', 'updated'],
      ['principal', 'opened'],
    ]);
  });

  it('groups by key id, then source IP, when a finding names no principal', () => {
    expect(subjectOf(finding({ id: 'a', principalArn: undefined as never })).key).toBe(
      'principal:AKIAQDEPLOY000000001',
    );
    const bare = { ...finding({ id: 'b' }) } as Record<string, unknown>;
    delete bare['principalArn'];
    delete bare['accessKeyId'];
    expect(subjectOf(bare as unknown as Finding)).toEqual({
      kind: 'source',
      key: 'ip:198.51.100.7',
    });
  });

  it('reopens a resolved incident on new activity; a false positive stays quiet', async () => {
    store = openSqliteStore(':memory:');
    const [first] = await run([finding({ id: 'f1' })]);
    const resolved = transition(first!.incident, 'resolved', 'alice', 'key rotated', NOW)!;
    expect(resolved.alert).toBe('resolved');
    await store.upsertIncidents([resolved.incident]);
    const u = await run([finding({ id: 'f1', eventIds: ['ev-f1', 'ev-x'] })]);
    expect(u[0]!.alert).toBe('reopened');
    expect(u[0]!.incident.state).toBe('open');
    expect(u[0]!.incident.history.map((h) => h.state)).toEqual(['open', 'resolved', 'open']);
    const fp = transition(u[0]!.incident, 'false-positive', 'bob', 'our scanner', NOW)!;
    await store.upsertIncidents([fp.incident]);
    const v = await run([finding({ id: 'f1', eventIds: ['ev-f1', 'ev-x', 'ev-y'] })]);
    expect(v[0]!.alert).toBeUndefined();
    expect(v[0]!.incident.state).toBe('false-positive');
  });

  it('a closed incident takes no new finding: a new one opens', async () => {
    store = openSqliteStore(':memory:');
    const [first] = await run([finding({ id: 'f1' })]);
    await store.upsertIncidents([
      transition(first!.incident, 'resolved', 'a', undefined, NOW)!.incident,
    ]);
    const u = await run([finding({ id: 'f2', time: '2026-11-30T10:30:00.000Z' })]);
    const opened = u.find((x) => x.alert === 'opened')!;
    expect(opened.incident.id).not.toBe(first!.incident.id);
  });

  it('drops a finding that was merged away (deleted) from its incident', async () => {
    store = openSqliteStore(':memory:');
    await run([finding({ id: 'f1' }), finding({ id: 'f2', time: '2026-11-30T10:10:00.000Z' })]);
    await store.deleteFindings(['f2']);
    const u = await run([finding({ id: 'f1', eventIds: ['ev-f1', 'ev-f2'] })]);
    expect(u[0]!.incident.findingIds).toEqual(['f1']);
  });

  it("still alerts on new activity after a false positive that was the owner's own word", async () => {
    store = openSqliteStore(':memory:');
    const [first] = await run([finding({ id: 'f1' })]);
    const fp = transition(
      first!.incident,
      'false-positive',
      `Dana${OWNER_LINK_SUFFIX}`,
      'me',
      NOW,
    )!;
    await store.upsertIncidents([fp.incident]);
    const u = await run([finding({ id: 'f1', eventIds: ['ev-f1', 'ev-attacker'] })]);
    expect(u[0]!.alert).toBe('updated');
  });

  it('neither reopens nor alerts a closed incident that shares a source IP with a new one', async () => {
    store = openSqliteStore(':memory:');
    const [old] = await run([finding({ id: 'f1' })]);
    await store.upsertIncidents([
      transition(old!.incident, 'resolved', 'a', undefined, NOW)!.incident,
    ]);
    const u = await run([
      finding({
        id: 'f2',
        principalArn: 'arn:aws:iam::111122223333:user/bob',
        accessKeyId: 'AKIAQBOB000000000001',
      }),
    ]);
    expect(u.map((x) => [x.incident.principalArn, x.alert])).toEqual([
      ['arn:aws:iam::111122223333:user/bob', 'opened'],
    ]);
    expect((await store.getIncident(old!.incident.id))!.state).toBe('resolved');
  });
});
