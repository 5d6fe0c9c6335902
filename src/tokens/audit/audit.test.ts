import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IamPort } from '../../aws/ports.js';
import { accountIdFromKeyId, keyIdForAccount } from '../../core/key-anatomy.js';
import type { Token } from '../../core/token.js';
import { DEFAULT_NAME_TEMPLATES, generateUserName } from '../names.js';
import { auditTokens, scoreProblems, type AuditCheck, type AuditProblem } from './audit.js';
import { auditChecks } from './checks/index.js';
import { PUBLIC_CANARY_LISTS } from './public-canary-accounts.js';

/** A modern AKIA id for `account`; `salt` varies the bits after the account. */
function encodeKeyId(account: string, salt = 0): string {
  const t = (salt * 2654435761) >>> 0;
  const entropy = [salt & 0x7f, t >>> 24, (t >>> 16) & 255, (t >>> 8) & 255, t & 255];
  return keyIdForAccount('AKIA', account, new Uint8Array(entropy));
}

function token(overrides: Partial<Token> = {}): Token {
  return {
    id: 'tok_aaaaaaaaaaaa',
    accessKeyId: 'AKIARZPUZDIKAAISEM2E', // account 123456789012 (reference/aws.md §5.3)
    status: 'active',
    origin: 'minted',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

async function auditOne(t: Token, all: readonly Token[] = [t]) {
  const [result] = await auditTokens([t], { allTokens: all });
  if (!result) throw new Error('no result');
  return result;
}

const codes = (problems: readonly AuditProblem[]) => problems.map((p) => p.code);

describe('encodeKeyId (test helper)', () => {
  it('round-trips through accountIdFromKeyId, leading zeros included', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.nat(), (n, salt) => {
        const account = n.toString().padStart(12, '0');
        const id = encodeKeyId(account, salt);
        expect(id).toMatch(/^AKIA[Q-Z2-7][A-Z2-7]{15}$/);
        expect(accountIdFromKeyId(id)).toBe(account);
      }),
    );
  });
});

describe('public-canary-account', () => {
  const listed = PUBLIC_CANARY_LISTS.flatMap((list) => list.accounts.map((a) => [a, list.title]));

  it.each(listed)('flags a key decoding to %s, naming %s', async (account, title) => {
    const result = await auditOne(token({ accessKeyId: encodeKeyId(account, 5) }));
    const problem = result.problems.find((p) => p.code === 'public-canary-account/listed');
    expect(problem?.severity).toBe('high');
    expect(problem?.message).toContain(account);
    expect(problem?.message).toContain(title);
    expect(result.accountId).toBe(account);
  });

  it("names both lists for Thinkst's account that Pacu also lists", async () => {
    const result = await auditOne(token({ accessKeyId: encodeKeyId('534261010715') }));
    const message = result.problems[0]?.message ?? '';
    expect(message).toContain('Thinkst');
    expect(message).toContain('Pacu');
  });

  it('flags a registry account that differs from the decoded one', async () => {
    const result = await auditOne(token({ accountId: '111122223333' }));
    expect(codes(result.problems)).toEqual(['public-canary-account/account-mismatch']);
    expect(result.problems[0]?.message).toContain('123456789012');
  });

  it('checks the recorded account of a legacy key, which sts:GetAccessKeyInfo reveals', async () => {
    const legacy = token({ accessKeyId: 'AKIAJQ5CMQ4ZVLO3TXYA', accountId: '992382622183' });
    const result = await auditOne(legacy);
    expect(codes(result.problems)).toEqual(['public-canary-account/listed']);
  });
});

describe('legacy-key-id', () => {
  it('is informational only: a legacy id gets a note and no problem', async () => {
    const result = await auditOne(token({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }));
    expect(result.problems).toEqual([]);
    expect(result.checked).toContain('legacy-key-id');
    expect(result.notes).toContainEqual(expect.objectContaining({ check: 'legacy-key-id' }));
    expect(result.accountId).toBeUndefined();
  });
});

describe('shared-key-prefix', () => {
  const five = Array.from({ length: 5 }, (_, i) =>
    token({
      id: `tok_${'abcde'[i] ?? 'z'}aaaaaaaaaaa`,
      accessKeyId: encodeKeyId('210987654321', i * 7),
    }),
  );

  it('flags every token once when all five share one account, with the count and prefix', async () => {
    const results = await auditTokens(five, { allTokens: five });
    for (const result of results) {
      const shared = result.problems.filter((p) => p.code.startsWith('shared-key-prefix/'));
      expect(shared).toHaveLength(1);
      expect(shared[0]?.severity).toBe('medium');
      expect(shared[0]?.message).toContain('all 5 active canaries');
      expect(shared[0]?.message).toContain('210987654321');
      expect(shared[0]?.message).toMatch(/prefix AKIA[A-Z2-7]{8,}/);
    }
  });

  it('does not flag a single token, retired tokens, or an evenly spread pool', async () => {
    expect((await auditOne(five[0]!)).problems).toEqual([]);
    const retired = five.slice(1).map((t) => ({ ...t, status: 'retired' as const }));
    expect((await auditOne(five[0]!, [five[0]!, ...retired])).problems).toEqual([]);
    const pool = [
      ...five.slice(0, 2),
      ...[0, 1].map((i) =>
        token({ id: `tok_pool${i}aaaaaaa`, accessKeyId: encodeKeyId('333344445555', i) }),
      ),
    ];
    const results = await auditTokens(pool, { allTokens: pool });
    expect(results.flatMap((r) => r.problems)).toEqual([]);
  });

  it('marks an account holding most of a mixed pool as low', async () => {
    const other = token({ id: 'tok_otheraaaaaaa', accessKeyId: encodeKeyId('333344445555') });
    const result = await auditOne(five[0]!, [...five, other]);
    expect(result.problems.map((p) => [p.code, p.severity])).toEqual([
      ['shared-key-prefix/dominant-account', 'low'],
    ]);
  });
});

describe('auditTokens', () => {
  it('scores a realistic single token 100 with no problems', async () => {
    const userName = generateUserName({
      templates: DEFAULT_NAME_TEMPLATES,
      seed: 'clean',
      taken: new Set(),
    });
    const clean = token({
      userName,
      userArn: `arn:aws:iam::123456789012:user/${userName}`,
      accountId: '123456789012',
    });
    const result = await auditOne(clean);
    expect(result).toMatchObject({ score: 100, problems: [], indeterminate: [] });
    expect(result.checked).toEqual([
      'public-canary-account',
      'legacy-key-id',
      'shared-key-prefix',
      'name-tells',
      'path-tells',
    ]);
  });

  it('records a throwing check as indeterminate, never as clean', async () => {
    const broken: AuditCheck = {
      id: 'broken',
      title: 'Broken',
      live: false,
      run() {
        throw new Error('boom\nsecond line');
      },
    };
    const [result] = await auditTokens([token()], { allTokens: [] }, [broken]);
    expect(result?.checked).toEqual([]);
    expect(result?.indeterminate).toEqual([{ check: 'broken', error: 'boom' }]);
  });

  it('skips live checks offline and runs them with an IAM port', async () => {
    const offline = await auditOne(token({ userName: 'svc-billing-prod' }));
    expect(offline.checked.some((c) => c.startsWith('live-'))).toBe(false);
    expect(offline.indeterminate).toEqual([]);
    const iam = { getUser: () => Promise.reject(new Error('throttled')) } as unknown as IamPort;
    const [live] = await auditTokens([token({ userName: 'svc-billing-prod' })], {
      allTokens: [],
      iam,
    });
    expect(live?.indeterminate.map((i) => i.check)).toEqual([
      'live-user',
      'live-key-status',
      'live-policies',
    ]);
  });

  it('sorts problems most severe first and floors the score at 0', async () => {
    const bad = token({
      accessKeyId: encodeKeyId('992382622183'),
      userName: 'canarytokens.com@@abc123',
      userArn: 'arn:aws:iam::992382622183:user/SpaceCrab/canarytokens.com@@abc123',
      accountId: '111122223333',
    });
    const result = await auditOne(bad);
    expect(result.score).toBe(0);
    const order = result.problems.map((p) => p.severity);
    expect(order).toEqual([...order].sort((a, b) => rank(a) - rank(b)));
  });
});

function rank(s: AuditProblem['severity']): number {
  return ['high', 'medium', 'low'].indexOf(s);
}

describe('scoreProblems', () => {
  it('takes 40 per high, 20 per medium and 5 per low', () => {
    const p = (severity: AuditProblem['severity']): AuditProblem => ({
      code: 'x',
      severity,
      message: '',
      fix: '',
    });
    expect(scoreProblems([])).toBe(100);
    expect(scoreProblems([p('high'), p('medium'), p('low')])).toBe(35);
    expect(scoreProblems([p('high'), p('high'), p('high')])).toBe(0);
  });
});

describe('check registry', () => {
  it('has unique ids matching file names, live flags matching ids, and every file registered', () => {
    const ids = auditChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of auditChecks) expect(check.live).toBe(check.id.startsWith('live-'));
    const dir = new URL('./checks/', import.meta.url);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''));
    expect([...ids].sort()).toEqual(files.sort());
  });
});
