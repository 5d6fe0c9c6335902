import { describe, expect, it } from 'vitest';
import type { Token } from '../../../core/token.js';
import type { AuditContext } from '../audit.js';
import { baitTells } from './bait-tells.js';

const t: Token = {
  id: 'tok_aaaaaaaaaaaa',
  accessKeyId: 'AKIARZPUZDIKAAISEM2E',
  status: 'active',
  origin: 'minted',
  createdAt: '2025-01-01T00:00:00.000Z',
};

// The shape canarytokens.org renders (reference/landscape.md §D4).
const CANARYTOKENS_STYLE = [
  '[default]',
  'aws_access_key_id = AKIARZPUZDIKAAISEM2E',
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'output = json',
  'region = us-east-2',
].join('\n');

const REALISTIC = [
  '[billing-prod]',
  'aws_access_key_id = AKIARZPUZDIKAAISEM2E',
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  '',
  '[data-staging]',
  'aws_access_key_id = AKIARTX3GSDSQAISEM2E',
  'aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  'aws_session_token = IQoJb3JpZ2luX2VjEXAMPLE',
].join('\r\n');

function run(baits: { format: string; text: string }[]) {
  const ctx: AuditContext = { allTokens: [t], renderedBait: () => baits };
  return baitTells.run(t, ctx);
}

describe('bait-tells', () => {
  it('flags every canarytokens.org template tell in a credentials bait', () => {
    const problems = run([{ format: 'credentials', text: CANARYTOKENS_STYLE }]);
    expect(problems.map((p) => [p.code, p.severity])).toEqual([
      ['bait-tells/settings-in-credentials', 'medium'],
      ['bait-tells/default-only', 'low'],
      ['bait-tells/us-east-2', 'low'],
    ]);
  });

  it('passes a realistic multi-profile credentials file, session token and all', () => {
    expect(run([{ format: 'credentials', text: REALISTIC }])).toEqual([]);
  });

  it('flags tell words in profile names and comments, not in key names', () => {
    const text = '# honeytoken for the build box\n[canary-prod]\naws_access_key_id = X\n';
    const [problem] = run([{ format: 'config', text }]);
    expect(problem?.code).toBe('bait-tells/tell-word');
    expect(problem?.message).toContain('honeytoken');
    expect(problem?.message).toContain('canary');
    expect(run([{ format: 'env', text: 'AWS_SESSION_TOKEN=abc\nAWS_REGION=eu-west-1\n' }])).toEqual(
      [],
    );
  });

  it('reports one problem per kind, naming every format that has it', () => {
    const problems = run([
      { format: 'env', text: 'AWS_DEFAULT_REGION=us-east-2' },
      { format: 'terraform', text: 'provider "aws" { region = "us-east-2" }' },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('env, terraform');
  });

  it('applies only when the caller can render bait', () => {
    expect(baitTells.applies({ allTokens: [] })).toBe(false);
    expect(baitTells.applies({ allTokens: [], renderedBait: () => [] })).toBe(true);
  });
});
