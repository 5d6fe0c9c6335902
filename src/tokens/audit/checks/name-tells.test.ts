import { describe, expect, it } from 'vitest';
import type { Token } from '../../../core/token.js';
import { nameTells } from './name-tells.js';

function token(overrides: Partial<Token>): Token {
  return {
    id: 'tok_aaaaaaaaaaaa',
    accessKeyId: 'AKIARZPUZDIKAAISEM2E',
    status: 'active',
    origin: 'registered',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const run = (t: Token) => nameTells.run(t);
const codes = (t: Token) => run(t).map((p) => p.code);

describe('name-tells', () => {
  it('flags the canarytokens.org domain@@id form', () => {
    const problems = run(token({ userName: 'canarytokens.com@@abc123' }));
    expect(problems.map((p) => [p.code, p.severity])).toEqual([
      ['name-tells/canarytokens-form', 'high'],
      ['name-tells/tell-word', 'high'],
    ]);
    expect(problems[0]?.message).toContain('canarytokens.com@@abc123');
  });

  it('flags a UUID user name (SpaceSiren) once, not again as random-looking', () => {
    expect(codes(token({ userName: '0f8fad5b-d9cb-469f-a165-70867728950e' }))).toEqual([
      'name-tells/uuid',
    ]);
  });

  it('reads the name from the ARN when no user name is recorded', () => {
    const t = token({ userArn: 'arn:aws:iam::992382622183:user/canarytokens.com@@kq2x9' });
    expect(codes(t)).toContain('name-tells/canarytokens-form');
  });

  it.each(['thumper-canary-3', 'svc-honeypot', 'decoy-backup', 'ggcanary-svc', 'prod-api-token'])(
    'flags tell words in %s',
    (userName) => {
      expect(codes(token({ userName }))).toContain('name-tells/tell-word');
    },
  );

  it('flags an embedded registry id and random-looking names', () => {
    expect(codes(token({ userName: 'svc-tok_abcdefghijkl' }))).toEqual(['name-tells/registry-id']);
    expect(codes(token({ userName: 'svc-x7k2p9qz' }))).toEqual(['name-tells/random-looking']);
    expect(codes(token({ userName: 'deploy-a1b2c3d4e5f6' }))).toEqual([
      'name-tells/random-looking',
    ]);
  });

  it('passes realistic names and notes when there is no name to check', () => {
    for (const userName of ['svc-billing-prod', 'ci-deploy-web-frontend', 'etl-stg-42']) {
      expect(run(token({ userName }))).toEqual([]);
    }
    expect(run(token({}))).toEqual([]);
    expect(nameTells.note(token({}))).toContain('no user name');
  });

  it('keeps control characters out of its messages', () => {
    const [problem] = run(token({ userName: 'canary\n\u001b[2Jx' }));
    expect(problem?.message).not.toContain('\n');
    expect(problem?.message).not.toContain('\u001b');
  });
});
