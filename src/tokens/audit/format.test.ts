import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from './audit.js';
import { formatAuditTable } from './format.js';

function result(overrides: Partial<AuditResult> = {}): AuditResult {
  return {
    tokenId: 'tok_aaaaaaaaaaaa',
    accessKeyId: 'AKIARZPUZDIKAAISEM2E',
    accountId: '123456789012',
    score: 100,
    problems: [],
    checked: ['name-tells'],
    indeterminate: [],
    notes: [],
    ...overrides,
  };
}

// eslint-disable-next-line no-control-regex -- asserting their absence
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/;

describe('formatAuditTable', () => {
  it('prints a header, one aligned row per token, the top problem and a summary', () => {
    const table = formatAuditTable([
      result(),
      result({
        tokenId: 'tok_bbbbbbbbbbbb',
        score: 40,
        problems: [
          {
            code: 'name-tells/uuid',
            severity: 'high',
            message: 'user name is UUID-like',
            fix: 'rename',
          },
          { code: 'path-tells/non-root', severity: 'low', message: 'path', fix: 'fix' },
        ],
      }),
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^TOKEN\s+KEY\s+ACCOUNT\s+SCORE\s+TOP PROBLEM$/);
    expect(lines[1]).toContain('none found');
    expect(lines[2]).toContain('high: user name is UUID-like (+1 more)');
    expect(lines[1]?.indexOf('100')).toBe(lines[2]?.indexOf('40'));
    expect(lines[3]).toBe(
      '2 token(s) audited, 1 with problems; score 100 = nothing recognisable found, lower = easier to tell it is a canary',
    );
  });

  it('says which way the score reads: 100 is clean', () => {
    expect(formatAuditTable([result()])).toMatch(/score 100 = nothing recognisable found/);
  });

  it('marks a score whose checks could not all run, and shows why', () => {
    const table = formatAuditTable([
      result({ indeterminate: [{ check: 'live-user', error: 'AWS GetUser failed: Throttling' }] }),
    ]);
    expect(table).toContain('100?');
    expect(table).toContain('could not check live-user: AWS GetUser failed: Throttling');
    expect(table).toContain('1 with checks that could not tell');
  });

  it('keeps hostile fields on one line with no control characters', () => {
    const table = formatAuditTable([
      result({
        tokenId: 'tok_x\n<script>alert(1)</script>',
        accessKeyId: 'AKIA\u001b[31mRED\u001b[0m\r\nX',
        accountId: '1\u2028\u202e2',
        problems: [{ code: 'x', severity: 'high', message: 'line1\nline2\u0007\u0000', fix: '' }],
      }),
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(3);
    expect(table).not.toMatch(CONTROL);
    expect(lines[1]).toContain('<script>alert(1)</script>');
    expect(lines[1]).toContain('line1 line2');
  });

  it('always yields header + rows + summary lines for arbitrary field text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.string({ unit: 'binary' }),
            key: fc.string(),
            msg: fc.string({ unit: 'binary' }),
          }),
          {
            maxLength: 5,
          },
        ),
        (rows) => {
          const table = formatAuditTable(
            rows.map((r) =>
              result({
                tokenId: r.id,
                accessKeyId: r.key,
                problems: [{ code: 'c', severity: 'low', message: r.msg, fix: '' }],
              }),
            ),
          );
          expect(table.split('\n')).toHaveLength(rows.length + 2);
          expect(table).not.toMatch(CONTROL);
        },
      ),
    );
  });
});
