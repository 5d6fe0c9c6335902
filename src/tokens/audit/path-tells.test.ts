import { describe, expect, it } from 'vitest';
import type { Token } from '../../core/token.js';
import { pathTells } from './checks/path-tells.js';
import { pathProblems } from './path-tells.js';

function withArn(userArn: string): Token {
  return {
    id: 'tok_aaaaaaaaaaaa',
    accessKeyId: 'AKIARZPUZDIKAAISEM2E',
    userArn,
    status: 'active',
    origin: 'registered',
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

describe('pathProblems', () => {
  it.each([
    ['/SpaceCrab/', 'path-tells/tool-signature', 'high'],
    ['/spacecrab/team/', 'path-tells/tool-signature', 'high'],
    ['/ggcanary/', 'path-tells/tool-signature', 'high'],
    ['/honeytokens/', 'path-tells/tell-word', 'high'],
    ['/svc/0f8fad5b-d9cb-469f-a165-70867728950e/', 'path-tells/random-looking', 'medium'],
    ['/service-accounts/', 'path-tells/non-root', 'low'],
  ])('reports %s as %s (%s), once', (path, code, severity) => {
    const problems = pathProblems(path, 'path-tells', 'recorded ARN');
    expect(problems.map((p) => [p.code, p.severity])).toEqual([[code, severity]]);
    expect(problems[0]?.message).toContain('AccessDenied');
  });

  it('accepts the root path', () => {
    expect(pathProblems('/', 'path-tells', 'recorded ARN')).toEqual([]);
  });
});

describe('path-tells check', () => {
  it('flags the /SpaceCrab/ path from the recorded ARN and names the tool', () => {
    const [problem] = pathTells.run(withArn('arn:aws:iam::123456789012:user/SpaceCrab/alice'));
    expect(problem?.code).toBe('path-tells/tool-signature');
    expect(problem?.message).toContain('SpaceCrab');
  });

  it('is clean for "/" and notes when there is no ARN', () => {
    expect(pathTells.run(withArn('arn:aws:iam::123456789012:user/svc-billing-prod'))).toEqual([]);
    const noArn = { ...withArn('x'), userArn: 'not-an-arn' };
    expect(pathTells.run(noArn)).toEqual([]);
    expect(pathTells.note(noArn)).toContain('no user ARN');
  });
});
