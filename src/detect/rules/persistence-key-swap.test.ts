import { describe, expect, it } from 'vitest';
import { runRules } from '../../../test/helpers/rules.js';
import { persistenceKeySwap as rule } from './persistence-key-swap.js';
import { sampleIamCall, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

const T0 = '2025-04-02T01:10:00Z';
const OLD = 'AKIAQEXAMPLERAVI0001';
const NEW = 'AKIAQEXAMPLERAVINEW1';
const RAVI = sampleUserIdentity('dev-ravi', OLD);

const create = (minutes: number, actor: Record<string, unknown> = RAVI, made = NEW) =>
  sampleIamCall({
    eventID: `create-${minutes}`,
    actor,
    eventName: 'CreateAccessKey',
    eventTime: sampleTime(T0, minutes),
    sourceIPAddress: '198.51.100.14',
    responseElements: { accessKey: { accessKeyId: made, status: 'Active' } },
  });
const remove = (minutes: number, by = NEW, target = OLD) =>
  sampleIamCall({
    eventID: `delete-${minutes}`,
    actor: sampleUserIdentity('dev-ravi', by),
    eventName: 'DeleteAccessKey',
    eventTime: sampleTime(T0, minutes),
    sourceIPAddress: '203.0.113.9',
    userAgent: 'Boto3/1.34.69',
    requestParameters: { accessKeyId: target },
  });

describe('persistence.key-swap', () => {
  it('says who did each step, from where, and how long apart', () => {
    const [f] = runRules([rule], [create(0), remove(7)]);
    expect(f?.title).toBe(
      `Key swap on arn:aws:iam::111122223333:user/dev-ravi: ${OLD} created ${NEW}, then the new key deleted ${OLD} 7 min later`,
    );
    expect(f?.details).toMatchObject({
      oldAccessKeyId: OLD,
      newAccessKeyId: NEW,
      killedBy: 'new key',
      minutesBetween: 7,
      sameSourceIp: false,
      sameUserAgent: false,
      steps: [
        { step: 'create', accessKeyId: OLD, sourceIp: '198.51.100.14' },
        { step: 'delete', accessKeyId: NEW, sourceIp: '203.0.113.9', userAgent: 'Boto3/1.34.69' },
      ],
    });
  });

  it('takes its window from windowMinutes', () => {
    const late = [create(0), remove(90)];
    expect(runRules([rule], late)).toHaveLength(0);
    const found = runRules([rule], late, { config: { windowMinutes: 120 }, gapMs: 180 * 60_000 });
    expect(found.map((f) => f.eventIds)).toEqual([['create-0', 'delete-90']]);
  });

  it('splits a swap slower than the quiet gap, and the deletion still tells the whole story', () => {
    const found = runRules([rule], [remove(150), create(0)], { config: { windowMinutes: 240 } });
    expect(found.map((f) => f.eventIds)).toEqual([['create-0'], ['delete-150']]);
    expect(found[0]?.title).toContain('and the old key was killed later');
    expect(found[1]?.details).toMatchObject({
      killedBy: 'new key',
      minutesBetween: 150,
      steps: [{ step: 'create' }, { step: 'delete' }],
    });
  });

  it('needs the creation to come first: a deletion before it is not a swap', () => {
    expect(runRules([rule], [remove(0), create(5)])).toHaveLength(0);
  });

  it('counts each event once when files are read twice', () => {
    const found = runRules([rule], [create(0), remove(2), remove(2), create(0)]);
    expect(found.map((f) => f.eventIds)).toEqual([['create-0', 'delete-2']]);
  });

  it('catches a swap onto another user: the new key of that user kills the creator', () => {
    const found = runRules(
      [rule],
      [create(0, RAVI, 'AKIAQEXAMPLEADMINNEW'), remove(3, 'AKIAQEXAMPLEADMINNEW')],
    );
    expect(found).toHaveLength(1);
  });

  it("stays quiet when Keysnare's management principal made the key", () => {
    const manager = { ...sampleRoleIdentity('keysnare-manager', 'k'), accessKeyId: OLD };
    const found = runRules([rule], [create(0, manager), remove(1)], {
      managementPrincipals: ['arn:aws:iam::111122223333:role/keysnare-manager'],
    });
    expect(found).toHaveLength(0);
  });

  it('ignores a deletion by some other key of the owner', () => {
    expect(runRules([rule], [create(0), remove(1, 'AKIAQEXAMPLERAVIOTH1')])).toHaveLength(0);
  });
});
