import { describe, expect, it } from 'vitest';
import type { CloudEvent, Token } from '../core/index.js';
import { createCanaryIndex } from './canary-index.js';

const token: Token = {
  id: 'tok_a',
  accessKeyId: 'AKIAQEXAMPLECANARY01',
  status: 'active',
  origin: 'registered',
  createdAt: '2025-01-01T00:00:00.000Z',
};

function ev(identity: CloudEvent['identity'], extra: Partial<CloudEvent> = {}): CloudEvent {
  return {
    eventId: 'e1',
    eventName: 'GetCallerIdentity',
    eventSource: 'sts.amazonaws.com',
    region: 'us-east-1',
    regionKnown: true,
    identity,
    sourceKind: 'ipv4',
    userAgentClass: 'aws-cli',
    origin: { file: 'f', index: 0 },
    ...extra,
  };
}

const userArn = 'arn:aws:iam::111122223333:user/svc-billing-prod';

describe('canary index', () => {
  it('matches the registered key and learns the user behind it', () => {
    const idx = createCanaryIndex([token]);
    const e = ev({
      type: 'IAMUser',
      accessKeyId: token.accessKeyId,
      arn: userArn,
      principalId: 'AIDAQEXAMPLE000000001',
      userName: 'svc-billing-prod',
    });
    const m = idx.match(e);
    expect(m).toEqual({ tokenId: 'tok_a', via: 'access-key' });
    const facts = idx.learn(e, m!);
    expect(facts.map((f) => f.kind).sort()).toEqual(['principal-id', 'user-arn', 'user-name']);
    expect(idx.addFacts(facts)).toBe(3);
    expect(idx.addFacts(facts)).toBe(0);
    expect(
      idx.match(ev({ type: 'IAMUser', accessKeyId: 'ASIAQSOMESESSION0001', arn: userArn })),
    ).toEqual({ tokenId: 'tok_a', via: 'user-arn' });
  });

  it('learns session keys from GetSessionToken and matches events made with them', () => {
    const idx = createCanaryIndex([token]);
    const e = ev(
      { type: 'IAMUser', accessKeyId: token.accessKeyId },
      {
        eventName: 'GetSessionToken',
        responseElements: { credentials: { accessKeyId: 'ASIAQSESSIONKEY00001' } },
      },
    );
    idx.addFacts(idx.learn(e, idx.match(e)!));
    expect(idx.match(ev({ type: 'AssumedRole', accessKeyId: 'ASIAQSESSIONKEY00001' }))).toEqual({
      tokenId: 'tok_a',
      via: 'session-key',
    });
  });

  it('does not learn from a failed GetSessionToken or from a weak user-name match', () => {
    const named: Token = { ...token, userName: 'svc-billing-prod', accountId: '111122223333' };
    const idx = createCanaryIndex([named]);
    const failed = ev(
      { type: 'IAMUser', accessKeyId: token.accessKeyId },
      {
        eventName: 'GetSessionToken',
        errorCode: 'AccessDenied',
        responseElements: { credentials: { accessKeyId: 'ASIAQX00000000000001' } },
      },
    );
    expect(idx.learn(failed, idx.match(failed)!).filter((f) => f.kind === 'session-key')).toEqual(
      [],
    );
    const byName = ev({
      type: 'IAMUser',
      userName: 'SVC-billing-prod',
      accountId: '111122223333',
      principalId: 'AIDAQOTHER0000000001',
    });
    const m = idx.match(byName);
    expect(m?.via).toBe('user-name');
    expect(idx.learn(byName, m!)).toEqual([]);
  });

  it('matches federated users issued by the canary user', () => {
    const idx = createCanaryIndex([{ ...token, userArn }]);
    expect(
      idx.match(
        ev({
          type: 'FederatedUser',
          arn: 'arn:aws:sts::111122223333:federated-user/x',
          issuerArn: userArn,
        }),
      )?.via,
    ).toBe('federated-issuer');
  });

  it('gives a federated ARN two canaries learned to neither, whichever was learned first', () => {
    const other: Token = { ...token, id: 'tok_b', accessKeyId: 'AKIAQEXAMPLECANARY02' };
    const otherArn = 'arn:aws:iam::111122223333:user/svc-other';
    const shared = 'arn:aws:sts::111122223333:federated-user/backup';
    const fact = (tokenId: string) =>
      ({ tokenId, kind: 'federated-arn', value: shared, eventId: `gft-${tokenId}` }) as const;
    // A federated user of the second canary: the session key is unknown, the issuer is its user.
    const use = ev({ type: 'FederatedUser', arn: shared, issuerArn: otherArn });
    for (const order of [
      ['tok_a', 'tok_b'],
      ['tok_b', 'tok_a'],
    ]) {
      const idx = createCanaryIndex([
        { ...token, userArn },
        { ...other, userArn: otherArn },
      ]);
      idx.addFacts(order.map(fact));
      expect(idx.match(use)).toEqual({ tokenId: 'tok_b', via: 'federated-issuer' });
    }
    // Learned by one canary only, the federated ARN decides.
    const one = createCanaryIndex([
      { ...token, userArn },
      { ...other, userArn: otherArn },
    ]);
    one.addFacts([fact('tok_a')]);
    expect(one.match(ev({ type: 'FederatedUser', arn: shared }))?.tokenId).toBe('tok_a');
  });

  it('does not match another user of the same account', () => {
    const idx = createCanaryIndex([
      { ...token, userArn, userName: 'svc-billing-prod', accountId: '111122223333' },
    ]);
    expect(
      idx.match(
        ev({
          type: 'IAMUser',
          accessKeyId: 'AKIAQOTHER0000000001',
          arn: 'arn:aws:iam::111122223333:user/alice',
          userName: 'alice',
        }),
      ),
    ).toBeUndefined();
    expect(idx.match(ev({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' }))).toBeUndefined();
  });

  it('offers key ids, principal ids and lower-cased names as needles', () => {
    const idx = createCanaryIndex([
      { ...token, userName: 'Svc-X', principalId: 'AIDAQEXAMPLE000000001' },
    ]);
    expect([...idx.needles()].sort()).toEqual([
      'AIDAQEXAMPLE000000001',
      'AKIAQEXAMPLECANARY01',
      'svc-x',
    ]);
  });
});

describe('rotated-away keys', () => {
  it("matches a key the token had before rotation as the token's, via previous-key", () => {
    const fact = {
      tokenId: 'tok_a',
      kind: 'previous-key' as const,
      value: 'AKIAQEXAMPLEROTATED1',
      eventId: 'rotate:2025-01-02T00:00:00.000Z',
    };
    const before = createCanaryIndex([token]);
    const e = ev({ type: 'IAMUser', accessKeyId: fact.value });
    expect(before.match(e)).toBeUndefined();
    const idx = createCanaryIndex([token], [fact]);
    expect(idx.match(e)).toEqual({ tokenId: 'tok_a', via: 'previous-key' });
    expect(idx.match(ev({ type: 'IAMUser', accessKeyId: token.accessKeyId }))).toEqual({
      tokenId: 'tok_a',
      via: 'access-key',
    });
    expect(idx.needles().has(fact.value)).toBe(true);
  });
});
