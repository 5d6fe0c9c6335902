/**
 * The behaviours every {@link WorkspaceStore} implementation must meet. Each implementation's test
 * file calls {@link runStoreContract} with a factory that opens a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import type { Finding } from '../../src/core/finding.js';
import type { Alert, Incident } from '../../src/core/incident.js';
import type { StoredEvent, WorkspaceStore } from '../../src/core/ports.js';
import type { CustodyEntry } from '../../src/core/token.js';
import { normalizeRecord } from '../../src/normalize/cloudtrail.js';
import { HOSTILE_STRINGS, makeEvent, makeFinding, makeToken, rejectedBy } from './fixtures.js';

const registered: Omit<CustodyEntry, 'tokenId'> = {
  at: '2026-01-01T00:00:00.000Z',
  actor: 'alice',
  action: 'registered',
};

function tokenContract(store: () => WorkspaceStore): void {
  it('returns a token exactly as added, with unset fields absent', async () => {
    const token = makeToken(1);
    await store().add(token, registered);
    expect(await store().get(token.id)).toStrictEqual(token);
    expect(await store().getByAccessKeyId(token.accessKeyId)).toStrictEqual(token);
    expect(await store().get('tok_missing')).toBeUndefined();
  });

  it('round-trips every optional field and a placement with free-form keys', async () => {
    const token = makeToken(2, {
      userName: 'svc-billing-prod',
      userArn: 'arn:aws:iam::123456789012:user/svc-billing-prod',
      principalId: 'AIDAQQQQQQQQQQQQQQQQQ',
      accountId: '123456789012',
      label: 'build box',
      placement: { host: 'build-7', path: '~/.aws/credentials', rack: 'b2' },
      status: 'retired',
      origin: 'minted',
      retiredAt: '2026-03-01T00:00:00.000Z',
    });
    await store().add(token, { ...registered, action: 'minted', placement: { host: 'build-7' } });
    expect(await store().get(token.id)).toStrictEqual(token);
    expect(await store().custody(token.id)).toStrictEqual([
      { ...registered, tokenId: token.id, action: 'minted', placement: { host: 'build-7' } },
    ]);
  });

  it('refuses a second token with the same access key, naming the existing one', async () => {
    const first = makeToken(1);
    await store().add(first, registered);
    const err = await rejectedBy(
      async () =>
        await store().add({ ...makeToken(2), accessKeyId: first.accessKeyId }, registered),
    );
    expect(isAppError(err, 'KS_TOKEN_EXISTS')).toBe(true);
    expect((err as { details: unknown }).details).toEqual({
      accessKeyId: first.accessKeyId,
      id: first.id,
    });
    expect(await store().list()).toStrictEqual([first]);
    expect(await store().custody(makeToken(2).id)).toEqual([]);
  });

  it('lists tokens filtered by status', async () => {
    await store().add(makeToken(1), registered);
    await store().add(makeToken(2, { status: 'retired' }), registered);
    expect((await store().list()).map((t) => t.id)).toEqual([makeToken(1).id, makeToken(2).id]);
    expect((await store().list({ status: 'active' })).map((t) => t.id)).toEqual([makeToken(1).id]);
    expect((await store().list({ status: 'retired' })).map((t) => t.id)).toEqual([makeToken(2).id]);
  });

  it('keeps custody in order and records the previous placement when it changes', async () => {
    const id = makeToken(1).id;
    await store().add(makeToken(1), registered);
    const a = { host: 'build-7', path: '~/.aws/credentials' };
    const b = { host: 'build-9', owner: 'ops' };
    await store().update(id, { placement: a }, { at: 't1', actor: 'bob', action: 'placed' });
    const moved = await store().update(
      id,
      { placement: b },
      { at: 't2', actor: 'bob', action: 'moved' },
    );
    await store().update(
      id,
      { label: 'new label' },
      { at: 't3', actor: 'carol', action: 'updated', note: 'relabel' },
    );
    expect(moved).toStrictEqual({ ...makeToken(1), placement: b });
    expect(await store().get(id)).toStrictEqual({
      ...makeToken(1),
      placement: b,
      label: 'new label',
    });
    expect(await store().custody(id)).toStrictEqual([
      { ...registered, tokenId: id },
      { tokenId: id, at: 't1', actor: 'bob', action: 'placed', placement: a },
      { tokenId: id, at: 't2', actor: 'bob', action: 'moved', placement: b, previous: a },
      { tokenId: id, at: 't3', actor: 'carol', action: 'updated', note: 'relabel' },
    ]);
  });

  it('does not treat the same placement with keys in another order as a move', async () => {
    const id = makeToken(1).id;
    await store().add(makeToken(1, { placement: { host: 'h', path: 'p' } }), registered);
    await store().update(
      id,
      { placement: { path: 'p', host: 'h' } },
      { at: 't1', actor: 'a', action: 'updated' },
    );
    expect((await store().custody(id))[1]).toStrictEqual({
      tokenId: id,
      at: 't1',
      actor: 'a',
      action: 'updated',
    });
  });

  it('throws KS_TOKEN_NOT_FOUND when updating an unknown token', async () => {
    const err = await rejectedBy(
      async () => await store().update('tok_nope', { label: 'x' }, registered),
    );
    expect(isAppError(err, 'KS_TOKEN_NOT_FOUND')).toBe(true);
  });

  it('refuses to rotate onto another token’s key and leaves no custody entry behind', async () => {
    await store().add(makeToken(1), registered);
    await store().add(makeToken(2), registered);
    const err = await rejectedBy(
      async () =>
        await store().update(
          makeToken(1).id,
          { accessKeyId: makeToken(2).accessKeyId, label: 'x' },
          { ...registered, action: 'rotated' },
        ),
    );
    expect(isAppError(err, 'KS_TOKEN_EXISTS')).toBe(true);
    expect(await store().get(makeToken(1).id)).toStrictEqual(makeToken(1));
    expect(await store().custody(makeToken(1).id)).toHaveLength(1);
  });

  it('rotates a token to a new access key', async () => {
    await store().add(makeToken(1), registered);
    const newKey = 'AKIAZZZZZZZZZZZZZZZZ';
    await store().update(
      makeToken(1).id,
      { accessKeyId: newKey },
      { ...registered, action: 'rotated' },
    );
    expect((await store().getByAccessKeyId(newKey))?.id).toBe(makeToken(1).id);
    expect(await store().getByAccessKeyId(makeToken(1).accessKeyId)).toBeUndefined();
  });

  it('keeps each fact (kind, value) once, across calls and within one call', async () => {
    const id = makeToken(1).id;
    await store().add(makeToken(1), registered);
    const arn = {
      tokenId: id,
      kind: 'user-arn',
      value: 'arn:aws:iam::1:user/x',
      eventId: 'e1',
    } as const;
    const pid = { tokenId: id, kind: 'principal-id', value: 'AIDAX', eventId: 'e1' } as const;
    expect(await store().addFacts([arn, pid, { ...pid, eventId: 'e2' }])).toBe(2);
    expect(
      await store().addFacts([
        { ...arn, eventId: 'e3' },
        { ...arn, kind: 'federated-arn' },
      ]),
    ).toBe(1);
    expect(await store().facts()).toStrictEqual([arn, pid, { ...arn, kind: 'federated-arn' }]);
  });
}

function eventContract(store: () => WorkspaceStore): void {
  it('dedupes events by eventId across calls and within one batch', async () => {
    const first = await store().insertEvents([makeEvent('a'), makeEvent('b'), makeEvent('a')]);
    expect([...first].sort()).toEqual(['a', 'b']);
    const second = await store().insertEvents([makeEvent('b'), makeEvent('c')]);
    expect([...second]).toEqual(['c']);
    expect(await store().countEvents()).toBe(3);
    expect(await store().insertEvents([])).toEqual(new Set());
  });

  it('keeps the first copy of a duplicated event', async () => {
    await store().insertEvents([makeEvent('a', { eventName: 'First' })]);
    await store().insertEvents([makeEvent('a', { eventName: 'Second' })]);
    expect((await store().getEvent('a'))?.event.eventName).toBe('First');
  });

  it('returns the raw record exactly as stored, and the event normalized from it', async () => {
    const raw = JSON.stringify({ eventID: 'min', eventSource: 's3.amazonaws.com' });
    const event = normalizeRecord(JSON.parse(raw) as Record<string, unknown>, {
      file: 'f',
      index: 0,
    });
    if (!('eventId' in event)) throw new Error('fixture rejected');
    const minimal: StoredEvent = { event, raw };
    await store().insertEvents([makeEvent('full'), minimal]);
    expect(await store().getEvent('full')).toStrictEqual(makeEvent('full'));
    expect(await store().getEvent('min')).toStrictEqual(minimal);
    expect(await store().getEvent('nope')).toBeUndefined();
  });

  it('finds stored events by key id or principal ARN, each once', async () => {
    const arn = 'arn:aws:iam::111122223333:user/svc-billing';
    await store().insertEvents([
      makeEvent('k1'),
      makeEvent('other', {
        userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAOTHER00000000001', arn: 'x' },
      }),
    ]);
    const found = await store().findEventsByIdentity({
      accessKeyIds: ['AKIAQQQQQQQQQQQQQQQ1'],
      principalArns: [arn],
    });
    expect(found).toStrictEqual([makeEvent('k1').event]);
  });

  it('finds IAM calls by the user they act on, a denied one included', async () => {
    const iam = { eventSource: 'iam.amazonaws.com', eventName: 'AttachUserPolicy' };
    await store().insertEvents([
      makeEvent('t1', { ...iam, requestParameters: { userName: 'Svc-Ledger' } }),
      makeEvent('t2', {
        ...iam,
        errorCode: 'AccessDenied',
        errorMessage:
          'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:AttachUserPolicy on resource: user svc-ledger because no identity-based policy allows it',
      }),
      makeEvent('t3', { ...iam, requestParameters: { userName: 'someone-else' } }),
      makeEvent('t4', { requestParameters: { userName: 'svc-ledger' } }),
    ]);
    const found = await store().findEventsByIdentity({
      accessKeyIds: [],
      principalArns: [],
      targetUserNames: ['svc-ledger'],
    });
    expect(found.map((e) => e.eventId).sort()).toEqual(['t1', 't2']);
  });

  it('groups hits by rule and group key, oldest first, ignoring repeats', async () => {
    await store().insertHits([
      { rule: 'r1', groupKey: 'g', eventId: 'e2', timeMs: 2000, data: { n: 2 } },
      { rule: 'r1', groupKey: 'g', eventId: 'e1', timeMs: 1000, data: { n: 1 } },
      { rule: 'r1', groupKey: 'other', eventId: 'e3', timeMs: 500, data: {} },
      { rule: 'r2', groupKey: 'g', eventId: 'e1', timeMs: 1000, data: { rule: 2 } },
    ]);
    await store().insertHits([
      { rule: 'r1', groupKey: 'g', eventId: 'e1', timeMs: 1, data: { n: 'again' } },
      { rule: 'r1', groupKey: 'g', eventId: 'e4', data: { untimed: true } },
    ]);
    expect(await store().hitsForGroup('r1', 'g')).toStrictEqual([
      { rule: 'r1', groupKey: 'g', eventId: 'e1', timeMs: 1000, data: { n: 1 } },
      { rule: 'r1', groupKey: 'g', eventId: 'e2', timeMs: 2000, data: { n: 2 } },
      { rule: 'r1', groupKey: 'g', eventId: 'e4', data: { untimed: true } },
    ]);
    expect(await store().hitsForGroup('r2', 'g')).toHaveLength(1);
    expect(await store().hitsForGroup('r3', 'g')).toEqual([]);
    expect(await store().hitGroups('r1', '')).toEqual([
      { groupKey: 'g', firstMs: 1000 },
      { groupKey: 'other', firstMs: 500 },
    ]);
    expect(await store().hitGroups('r1', 'ot')).toEqual([{ groupKey: 'other', firstMs: 500 }]);
    expect(await store().hitGroups('r1', '%')).toEqual([]);
    expect(await store().hitGroups('r3', '')).toEqual([]);
  });
}

function findingContract(store: () => WorkspaceStore): void {
  it('returns a finding exactly as upserted and replaces it on the next upsert', async () => {
    const full = makeFinding('f1', '2026-01-01T00:00:00.000Z', {
      accessKeyId: 'AKIAQQQQQQQQQQQQQQQ1',
      regions: ['us-east-1', 'eu-west-1'],
      tokenId: 'tok_1',
    });
    await store().upsertFindings([full]);
    expect(await store().getFinding('f1')).toStrictEqual(full);
    const replaced = makeFinding('f1', '2026-01-02T00:00:00.000Z', {
      severity: 'low',
      eventIds: ['x', 'y'],
    });
    await store().upsertFindings([replaced]);
    expect(await store().getFinding('f1')).toStrictEqual(replaced);
    expect(await store().listFindings()).toStrictEqual([replaced]);
    expect(await store().listFindings({ tokenId: 'tok_1' })).toEqual([]);
  });

  it('lists findings newest first, filtered by rule and token, up to a limit', async () => {
    await store().upsertFindings([
      makeFinding('old', '2026-01-01T00:00:00.000Z', { tokenId: 'tok_a' }),
      makeFinding('new', '2026-03-01T00:00:00.000Z', { tokenId: 'tok_a' }),
      makeFinding('mid', '2026-02-01T00:00:00.000Z', { rule: 'recon.key-enumeration' }),
    ]);
    const ids = (f: Finding[]) => f.map((x) => x.id);
    expect(ids(await store().listFindings())).toEqual(['new', 'mid', 'old']);
    expect(ids(await store().listFindings({ rule: 'honeytoken.used' }))).toEqual(['new', 'old']);
    expect(ids(await store().listFindings({ tokenId: 'tok_a', limit: 1 }))).toEqual(['new']);
    expect(ids(await store().listFindings({ limit: 0 }))).toEqual([]);
    expect(await store().getFinding('nope')).toBeUndefined();
  });

  it('rejects a limit that is not a non-negative integer', async () => {
    expect(
      isAppError(
        await rejectedBy(async () => await store().listFindings({ limit: -1 })),
        'KS_USAGE',
      ),
    ).toBe(true);
    expect(
      isAppError(
        await rejectedBy(async () => await store().listFindings({ limit: 1.5 })),
        'KS_USAGE',
      ),
    ).toBe(true);
  });
}

function valueAndTransactionContract(store: () => WorkspaceStore): void {
  it('keeps named values and overwrites them', async () => {
    expect(await store().getValue('checkpoint')).toBeUndefined();
    await store().setValue('checkpoint', 'a');
    await store().setValue('checkpoint', 'b');
    expect(await store().getValue('checkpoint')).toBe('b');
  });

  it('rolls back everything done in a transaction that throws, rethrowing the same error', async () => {
    const boom = new Error('boom');
    const err = await rejectedBy(
      async () =>
        await store().transaction(async () => {
          await store().setValue('k', 'v');
          await store().add(makeToken(1), registered);
          await store().insertEvents([makeEvent('a')]);
          throw boom;
        }),
    );
    expect(err).toBe(boom);
    expect(await store().getValue('k')).toBeUndefined();
    expect(await store().list()).toEqual([]);
    expect(await store().countEvents()).toBe(0);
  });

  it('runs a transaction inside another as part of it', async () => {
    const err = await rejectedBy(async () =>
      store().transaction(async () => {
        await store().setValue('outer', '1');
        await store().transaction(async () => store().setValue('inner', '2'));
        throw new Error('late');
      }),
    );
    expect((err as Error).message).toBe('late');
    expect(await store().getValue('outer')).toBeUndefined();
    expect(await store().getValue('inner')).toBeUndefined();
  });

  it('runs transactions one after another, never interleaved', async () => {
    const order: string[] = [];
    const slow = store().transaction(async () => {
      order.push('a1');
      await new Promise((r) => setImmediate(r));
      await store().setValue('x', 'a');
      order.push('a2');
    });
    const fast = store().transaction(async () => {
      order.push('b1');
      await store().setValue('x', 'b');
      order.push('b2');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(await store().getValue('x')).toBe('b');
  });

  it('commits a transaction that returns, passing its value through', async () => {
    const inserted = await store().transaction(async () => {
      await store().setValue('k', 'v');
      return await store().insertEvents([makeEvent('a')]);
    });
    expect([...inserted]).toEqual(['a']);
    expect(await store().getValue('k')).toBe('v');
  });
}

function hostileContract(store: () => WorkspaceStore): void {
  it('round-trips hostile strings in every kind of column', async () => {
    for (const [i, s] of HOSTILE_STRINGS.entries()) {
      const token = makeToken(i, {
        label: s,
        userName: s,
        placement: { host: s, [s.slice(0, 50)]: s },
      });
      await store().add(token, { ...registered, actor: s, note: s });
      expect(await store().get(token.id)).toStrictEqual(token);
      expect((await store().custody(token.id))[0]?.note).toBe(s);
      const ev = makeEvent(`ev-${i}-${s.slice(0, 40)}`, {
        userAgent: s,
        requestParameters: { [s]: s },
      });
      await store().insertEvents([ev]);
      expect(await store().getEvent(ev.event.eventId)).toStrictEqual(ev);
      const finding = makeFinding(`f-${s.slice(0, 60)}`, '2026-01-01T00:00:00.000Z', {
        title: s,
        details: { s },
      });
      await store().upsertFindings([finding]);
      expect(await store().getFinding(finding.id)).toStrictEqual(finding);
      await store().setValue(s, s);
      expect(await store().getValue(s)).toBe(s);
      await store().insertHits([{ rule: s, groupKey: s, eventId: s, data: { s } }]);
      expect(await store().hitsForGroup(s, s)).toStrictEqual([
        { rule: s, groupKey: s, eventId: s, data: { s } },
      ]);
    }
  });
}

function incident(id: string, over: Partial<Incident> = {}): Incident {
  return {
    id,
    kind: 'principal',
    key: 'principal:arn:aws:iam::123456789012:user/deploy',
    title: 'Kali user agent',
    severity: 'high',
    state: 'open',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T01:00:00.000Z',
    findingIds: [],
    rules: ['useragent.offensive-os'],
    eventCount: 1,
    accessKeyIds: [],
    sourceIps: ['203.0.113.9'],
    userAgents: [],
    regions: [],
    eventNames: [],
    related: [],
    history: [{ at: '2026-01-01T01:00:00.000Z', by: 'keysnare', state: 'open' }],
    notes: [],
    revision: 1,
    createdAt: '2026-01-01T01:00:00.000Z',
    updatedAt: '2026-01-01T01:00:00.000Z',
    ...over,
  };
}

function alert(id: string, sink: string, over: Partial<Alert> = {}): Alert {
  return {
    id,
    sink,
    incidentId: 'inc-1',
    kind: 'opened',
    status: 'pending',
    attempts: 0,
    createdAt: '2026-01-01T01:00:00.000Z',
    nextAttemptAt: '2026-01-01T01:00:00.000Z',
    message: { alertId: id, incidentId: 'inc-1', title: 't' } as Alert['message'],
    ...over,
  };
}

const F1 = makeFinding('f-1', '2026-01-01T00:00:00.000Z');
const F2 = makeFinding('f-2', '2026-01-01T00:10:00.000Z');

function incidentContract(store: () => WorkspaceStore): void {
  it('returns an incident exactly as upserted, by id, key, finding and source IP', async () => {
    await store().upsertFindings([F1, F2]);
    const a = incident('inc-a', { findingIds: [F1.id] });
    const b = incident('inc-b', {
      key: 'token:tok_1',
      kind: 'canary',
      lastSeen: '2026-01-02T00:00:00.000Z',
    });
    await store().upsertIncidents([a, b]);
    expect(await store().getIncident('inc-a')).toStrictEqual(a);
    expect(await store().incidentsByKey(a.key)).toStrictEqual([a]);
    expect(await store().listIncidents()).toStrictEqual([b, a]);
    expect(await store().listIncidents({ state: 'resolved' })).toStrictEqual([]);
    expect(await store().incidentsOfFindings([F1.id, F2.id])).toEqual(new Map([[F1.id, 'inc-a']]));
    expect((await store().incidentsBySourceIp(['203.0.113.9'])).map((i) => i.id)).toEqual([
      'inc-a',
      'inc-b',
    ]);
    expect((await store().unassignedFindings()).map((f) => f.id)).toEqual([F2.id]);
    const moved = { ...a, findingIds: [], sourceIps: [] };
    await store().upsertIncidents([moved]);
    expect(await store().incidentsBySourceIp(['203.0.113.9'])).toStrictEqual([b]);
    expect(await store().incidentsOfFindings([F1.id])).toEqual(new Map());
  });

  it('keeps the outbox in order per sink: the head of each queue, whatever its due time', async () => {
    await store().enqueueAlerts([
      alert('a1', 'slack'),
      alert('a2', 'hook'),
      alert('a3', 'slack', { nextAttemptAt: '2030-01-01T00:00:00.000Z' }),
    ]);
    await store().enqueueAlerts([alert('a1', 'slack', { kind: 'updated' })]);
    expect((await store().headOfQueues()).map((a) => a.id)).toEqual(['a1', 'a2']);
    await store().recordAttempt('a1', {
      status: 'delivered',
      attempts: 1,
      nextAttemptAt: '2026-01-01T01:00:00.000Z',
      deliveredAt: '2026-01-01T01:00:01.000Z',
    });
    expect((await store().headOfQueues()).map((a) => a.id)).toEqual(['a2', 'a3']);
    await store().recordAttempt('a2', {
      status: 'dead',
      attempts: 3,
      nextAttemptAt: '2026-01-01T01:00:00.000Z',
      lastError: 'HTTP 400',
    });
    expect(await store().getAlert('a2')).toStrictEqual({
      ...alert('a2', 'hook'),
      status: 'dead',
      attempts: 3,
      lastError: 'HTTP 400',
    });
    expect((await store().listAlerts({ status: 'dead' })).map((a) => a.id)).toEqual(['a2']);
    expect((await store().listAlerts({ sink: 'slack' })).map((a) => a.kind)).toEqual([
      'opened',
      'opened',
    ]);
    expect((await store().listAlerts({ limit: 1 })).map((a) => a.id)).toEqual(['a1']);
  });

  it('keeps the first thread reference of an incident and sink', async () => {
    expect(await store().alertRef('inc-1', 'slack')).toBeUndefined();
    await store().setAlertRef('inc-1', 'slack', '1700000000.000001');
    await store().setAlertRef('inc-1', 'slack', '1700000000.000002');
    expect(await store().alertRef('inc-1', 'slack')).toBe('1700000000.000001');
    expect(await store().alertRef('inc-1', 'jira')).toBeUndefined();
  });

  it('reads stored events in batches, all or within a time range', async () => {
    const events = [1, 2, 3, 4, 5].map((n) =>
      makeEvent(`ev-${n}`, { eventTime: `2026-02-03T04:0${n}:00Z` }),
    );
    await store().insertEvents(events);
    const all: string[] = [];
    for await (const batch of store().eventBatches({ batchSize: 2 })) {
      expect(batch.length).toBeLessThanOrEqual(2);
      all.push(...batch.map((e) => e.eventId));
    }
    expect(all.sort()).toEqual(events.map((e) => e.event.eventId).sort());
    const times = events.map((e) => e.event.timeMs!).sort((x, y) => x - y);
    const some: string[] = [];
    for await (const batch of store().eventBatches({ fromMs: times[1]!, toMs: times[3]! }))
      some.push(...batch.map((e) => e.eventId));
    expect(some).toHaveLength(3);
  });
}

/**
 * Register the store contract as a describe-suite. `open` must return a fresh, empty store each
 * call; the suite closes it after each test.
 */
export function runStoreContract(name: string, open: () => WorkspaceStore): void {
  describe(`${name}: WorkspaceStore contract`, () => {
    let current: WorkspaceStore | undefined;
    const store = (): WorkspaceStore => {
      if (!current) throw new Error('store not open');
      return current;
    };
    beforeEach(() => {
      current = open();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    describe('tokens', () => tokenContract(store));
    describe('events and hits', () => eventContract(store));
    describe('findings', () => findingContract(store));
    describe('values and transactions', () => valueAndTransactionContract(store));
    describe('incidents and the outbox', () => incidentContract(store));
    describe('hostile input', () => hostileContract(store));
  });
}
