/**
 * The behaviours every {@link WorkspaceStore} implementation must meet. Each implementation's test
 * file calls {@link runStoreContract} with a factory that opens a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import type { Finding } from '../../src/core/finding.js';
import type { StoredEvent, WorkspaceStore } from '../../src/core/ports.js';
import type { CustodyEntry } from '../../src/core/token.js';
import { normalizeRecord } from '../../src/normalize/cloudtrail.js';
import { HOSTILE_STRINGS, makeEvent, makeFinding, makeToken } from './fixtures.js';

const registered: Omit<CustodyEntry, 'tokenId'> = {
  at: '2026-01-01T00:00:00.000Z',
  actor: 'alice',
  action: 'registered',
};

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function tokenContract(store: () => WorkspaceStore): void {
  it('returns a token exactly as added, with unset fields absent', () => {
    const token = makeToken(1);
    store().add(token, registered);
    expect(store().get(token.id)).toStrictEqual(token);
    expect(store().getByAccessKeyId(token.accessKeyId)).toStrictEqual(token);
    expect(store().get('tok_missing')).toBeUndefined();
  });

  it('round-trips every optional field and a placement with free-form keys', () => {
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
    store().add(token, { ...registered, action: 'minted', placement: { host: 'build-7' } });
    expect(store().get(token.id)).toStrictEqual(token);
    expect(store().custody(token.id)).toStrictEqual([
      { ...registered, tokenId: token.id, action: 'minted', placement: { host: 'build-7' } },
    ]);
  });

  it('refuses a second token with the same access key, naming the existing one', () => {
    const first = makeToken(1);
    store().add(first, registered);
    const err = thrownBy(() =>
      store().add({ ...makeToken(2), accessKeyId: first.accessKeyId }, registered),
    );
    expect(isAppError(err, 'KS_TOKEN_EXISTS')).toBe(true);
    expect((err as { details: unknown }).details).toEqual({
      accessKeyId: first.accessKeyId,
      id: first.id,
    });
    expect(store().list()).toStrictEqual([first]);
    expect(store().custody(makeToken(2).id)).toEqual([]);
  });

  it('lists tokens filtered by status', () => {
    store().add(makeToken(1), registered);
    store().add(makeToken(2, { status: 'retired' }), registered);
    expect(
      store()
        .list()
        .map((t) => t.id),
    ).toEqual([makeToken(1).id, makeToken(2).id]);
    expect(
      store()
        .list({ status: 'active' })
        .map((t) => t.id),
    ).toEqual([makeToken(1).id]);
    expect(
      store()
        .list({ status: 'retired' })
        .map((t) => t.id),
    ).toEqual([makeToken(2).id]);
  });

  it('keeps custody in order and records the previous placement when it changes', () => {
    const id = makeToken(1).id;
    store().add(makeToken(1), registered);
    const a = { host: 'build-7', path: '~/.aws/credentials' };
    const b = { host: 'build-9', owner: 'ops' };
    store().update(id, { placement: a }, { at: 't1', actor: 'bob', action: 'placed' });
    const moved = store().update(id, { placement: b }, { at: 't2', actor: 'bob', action: 'moved' });
    store().update(
      id,
      { label: 'new label' },
      { at: 't3', actor: 'carol', action: 'updated', note: 'relabel' },
    );
    expect(moved).toStrictEqual({ ...makeToken(1), placement: b });
    expect(store().get(id)).toStrictEqual({ ...makeToken(1), placement: b, label: 'new label' });
    expect(store().custody(id)).toStrictEqual([
      { ...registered, tokenId: id },
      { tokenId: id, at: 't1', actor: 'bob', action: 'placed', placement: a },
      { tokenId: id, at: 't2', actor: 'bob', action: 'moved', placement: b, previous: a },
      { tokenId: id, at: 't3', actor: 'carol', action: 'updated', note: 'relabel' },
    ]);
  });

  it('does not treat the same placement with keys in another order as a move', () => {
    const id = makeToken(1).id;
    store().add(makeToken(1, { placement: { host: 'h', path: 'p' } }), registered);
    store().update(
      id,
      { placement: { path: 'p', host: 'h' } },
      { at: 't1', actor: 'a', action: 'updated' },
    );
    expect(store().custody(id)[1]).toStrictEqual({
      tokenId: id,
      at: 't1',
      actor: 'a',
      action: 'updated',
    });
  });

  it('throws KS_TOKEN_NOT_FOUND when updating an unknown token', () => {
    const err = thrownBy(() => store().update('tok_nope', { label: 'x' }, registered));
    expect(isAppError(err, 'KS_TOKEN_NOT_FOUND')).toBe(true);
  });

  it('refuses to rotate onto another token’s key and leaves no custody entry behind', () => {
    store().add(makeToken(1), registered);
    store().add(makeToken(2), registered);
    const err = thrownBy(() =>
      store().update(
        makeToken(1).id,
        { accessKeyId: makeToken(2).accessKeyId, label: 'x' },
        { ...registered, action: 'rotated' },
      ),
    );
    expect(isAppError(err, 'KS_TOKEN_EXISTS')).toBe(true);
    expect(store().get(makeToken(1).id)).toStrictEqual(makeToken(1));
    expect(store().custody(makeToken(1).id)).toHaveLength(1);
  });

  it('rotates a token to a new access key', () => {
    store().add(makeToken(1), registered);
    const newKey = 'AKIAZZZZZZZZZZZZZZZZ';
    store().update(makeToken(1).id, { accessKeyId: newKey }, { ...registered, action: 'rotated' });
    expect(store().getByAccessKeyId(newKey)?.id).toBe(makeToken(1).id);
    expect(store().getByAccessKeyId(makeToken(1).accessKeyId)).toBeUndefined();
  });

  it('keeps each fact (kind, value) once, across calls and within one call', () => {
    const id = makeToken(1).id;
    store().add(makeToken(1), registered);
    const arn = {
      tokenId: id,
      kind: 'user-arn',
      value: 'arn:aws:iam::1:user/x',
      eventId: 'e1',
    } as const;
    const pid = { tokenId: id, kind: 'principal-id', value: 'AIDAX', eventId: 'e1' } as const;
    expect(store().addFacts([arn, pid, { ...pid, eventId: 'e2' }])).toBe(2);
    expect(
      store().addFacts([
        { ...arn, eventId: 'e3' },
        { ...arn, kind: 'federated-arn' },
      ]),
    ).toBe(1);
    expect(store().facts()).toStrictEqual([arn, pid, { ...arn, kind: 'federated-arn' }]);
  });
}

function eventContract(store: () => WorkspaceStore): void {
  it('dedupes events by eventId across calls and within one batch', () => {
    const first = store().insertEvents([makeEvent('a'), makeEvent('b'), makeEvent('a')]);
    expect([...first].sort()).toEqual(['a', 'b']);
    const second = store().insertEvents([makeEvent('b'), makeEvent('c')]);
    expect([...second]).toEqual(['c']);
    expect(store().countEvents()).toBe(3);
    expect(store().insertEvents([])).toEqual(new Set());
  });

  it('keeps the first copy of a duplicated event', () => {
    store().insertEvents([makeEvent('a', { eventName: 'First' })]);
    store().insertEvents([makeEvent('a', { eventName: 'Second' })]);
    expect(store().getEvent('a')?.event.eventName).toBe('First');
  });

  it('returns the raw record exactly as stored, and the event normalized from it', () => {
    const raw = JSON.stringify({ eventID: 'min', eventSource: 's3.amazonaws.com' });
    const event = normalizeRecord(JSON.parse(raw) as Record<string, unknown>, {
      file: 'f',
      index: 0,
    });
    if (!('eventId' in event)) throw new Error('fixture rejected');
    const minimal: StoredEvent = { event, raw };
    store().insertEvents([makeEvent('full'), minimal]);
    expect(store().getEvent('full')).toStrictEqual(makeEvent('full'));
    expect(store().getEvent('min')).toStrictEqual(minimal);
    expect(store().getEvent('nope')).toBeUndefined();
  });

  it('finds stored events by key id or principal ARN, each once', () => {
    const arn = 'arn:aws:iam::111122223333:user/svc-billing';
    store().insertEvents([
      makeEvent('k1'),
      makeEvent('other', {
        userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAOTHER00000000001', arn: 'x' },
      }),
    ]);
    const found = store().findEventsByIdentity({
      accessKeyIds: ['AKIAQQQQQQQQQQQQQQQ1'],
      principalArns: [arn],
    });
    expect(found).toStrictEqual([makeEvent('k1').event]);
  });

  it('finds IAM calls by the user they act on, a denied one included', () => {
    const iam = { eventSource: 'iam.amazonaws.com', eventName: 'AttachUserPolicy' };
    store().insertEvents([
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
    const found = store().findEventsByIdentity({
      accessKeyIds: [],
      principalArns: [],
      targetUserNames: ['svc-ledger'],
    });
    expect(found.map((e) => e.eventId).sort()).toEqual(['t1', 't2']);
  });

  it('groups hits by rule and group key, oldest first, ignoring repeats', () => {
    store().insertHits([
      { rule: 'r1', groupKey: 'g', eventId: 'e2', timeMs: 2000, data: { n: 2 } },
      { rule: 'r1', groupKey: 'g', eventId: 'e1', timeMs: 1000, data: { n: 1 } },
      { rule: 'r1', groupKey: 'other', eventId: 'e3', timeMs: 500, data: {} },
      { rule: 'r2', groupKey: 'g', eventId: 'e1', timeMs: 1000, data: { rule: 2 } },
    ]);
    store().insertHits([
      { rule: 'r1', groupKey: 'g', eventId: 'e1', timeMs: 1, data: { n: 'again' } },
      { rule: 'r1', groupKey: 'g', eventId: 'e4', data: { untimed: true } },
    ]);
    expect(store().hitsForGroup('r1', 'g')).toStrictEqual([
      { rule: 'r1', groupKey: 'g', eventId: 'e1', timeMs: 1000, data: { n: 1 } },
      { rule: 'r1', groupKey: 'g', eventId: 'e2', timeMs: 2000, data: { n: 2 } },
      { rule: 'r1', groupKey: 'g', eventId: 'e4', data: { untimed: true } },
    ]);
    expect(store().hitsForGroup('r2', 'g')).toHaveLength(1);
    expect(store().hitsForGroup('r3', 'g')).toEqual([]);
  });
}

function findingContract(store: () => WorkspaceStore): void {
  it('returns a finding exactly as upserted and replaces it on the next upsert', () => {
    const full = makeFinding('f1', '2026-01-01T00:00:00.000Z', {
      accessKeyId: 'AKIAQQQQQQQQQQQQQQQ1',
      regions: ['us-east-1', 'eu-west-1'],
      tokenId: 'tok_1',
    });
    store().upsertFindings([full]);
    expect(store().getFinding('f1')).toStrictEqual(full);
    const replaced = makeFinding('f1', '2026-01-02T00:00:00.000Z', {
      severity: 'low',
      eventIds: ['x', 'y'],
    });
    store().upsertFindings([replaced]);
    expect(store().getFinding('f1')).toStrictEqual(replaced);
    expect(store().listFindings()).toStrictEqual([replaced]);
    expect(store().listFindings({ tokenId: 'tok_1' })).toEqual([]);
  });

  it('lists findings newest first, filtered by rule and token, up to a limit', () => {
    store().upsertFindings([
      makeFinding('old', '2026-01-01T00:00:00.000Z', { tokenId: 'tok_a' }),
      makeFinding('new', '2026-03-01T00:00:00.000Z', { tokenId: 'tok_a' }),
      makeFinding('mid', '2026-02-01T00:00:00.000Z', { rule: 'recon.key-enumeration' }),
    ]);
    const ids = (f: Finding[]) => f.map((x) => x.id);
    expect(ids(store().listFindings())).toEqual(['new', 'mid', 'old']);
    expect(ids(store().listFindings({ rule: 'honeytoken.used' }))).toEqual(['new', 'old']);
    expect(ids(store().listFindings({ tokenId: 'tok_a', limit: 1 }))).toEqual(['new']);
    expect(ids(store().listFindings({ limit: 0 }))).toEqual([]);
    expect(store().getFinding('nope')).toBeUndefined();
  });

  it('rejects a limit that is not a non-negative integer', () => {
    expect(
      isAppError(
        thrownBy(() => store().listFindings({ limit: -1 })),
        'KS_USAGE',
      ),
    ).toBe(true);
    expect(
      isAppError(
        thrownBy(() => store().listFindings({ limit: 1.5 })),
        'KS_USAGE',
      ),
    ).toBe(true);
  });
}

function valueAndTransactionContract(store: () => WorkspaceStore): void {
  it('keeps named values and overwrites them', () => {
    expect(store().getValue('checkpoint')).toBeUndefined();
    store().setValue('checkpoint', 'a');
    store().setValue('checkpoint', 'b');
    expect(store().getValue('checkpoint')).toBe('b');
  });

  it('rolls back everything done in a transaction that throws, rethrowing the same error', () => {
    const boom = new Error('boom');
    const err = thrownBy(() =>
      store().transaction(() => {
        store().setValue('k', 'v');
        store().add(makeToken(1), registered);
        store().insertEvents([makeEvent('a')]);
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    expect(store().getValue('k')).toBeUndefined();
    expect(store().list()).toEqual([]);
    expect(store().countEvents()).toBe(0);
  });

  it('commits a transaction that returns, passing its value through', () => {
    const inserted = store().transaction(() => {
      store().setValue('k', 'v');
      return store().insertEvents([makeEvent('a')]);
    });
    expect([...inserted]).toEqual(['a']);
    expect(store().getValue('k')).toBe('v');
  });
}

function hostileContract(store: () => WorkspaceStore): void {
  it('round-trips hostile strings in every kind of column', () => {
    HOSTILE_STRINGS.forEach((s, i) => {
      const token = makeToken(i, {
        label: s,
        userName: s,
        placement: { host: s, [s.slice(0, 50)]: s },
      });
      store().add(token, { ...registered, actor: s, note: s });
      expect(store().get(token.id)).toStrictEqual(token);
      expect(store().custody(token.id)[0]?.note).toBe(s);
      const ev = makeEvent(`ev-${i}-${s.slice(0, 40)}`, {
        userAgent: s,
        requestParameters: { [s]: s },
      });
      store().insertEvents([ev]);
      expect(store().getEvent(ev.event.eventId)).toStrictEqual(ev);
      const finding = makeFinding(`f-${s.slice(0, 60)}`, '2026-01-01T00:00:00.000Z', {
        title: s,
        details: { s },
      });
      store().upsertFindings([finding]);
      expect(store().getFinding(finding.id)).toStrictEqual(finding);
      store().setValue(s, s);
      expect(store().getValue(s)).toBe(s);
      store().insertHits([{ rule: s, groupKey: s, eventId: s, data: { s } }]);
      expect(store().hitsForGroup(s, s)).toStrictEqual([
        { rule: s, groupKey: s, eventId: s, data: { s } },
      ]);
    });
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
    afterEach(() => {
      current?.close();
      current = undefined;
    });
    describe('tokens', () => tokenContract(store));
    describe('events and hits', () => eventContract(store));
    describe('findings', () => findingContract(store));
    describe('values and transactions', () => valueAndTransactionContract(store));
    describe('hostile input', () => hostileContract(store));
  });
}
