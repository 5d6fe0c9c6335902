import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import { parseInventory } from './inventory.js';

describe('parseInventory', () => {
  it('reads rows with their line numbers', () => {
    const rows = parseInventory('host,path,format\nweb-1,/srv/.env,dotenv\nci-2,,\n', 'inv.csv');
    expect(rows).toEqual([
      { line: 2, placement: { host: 'web-1', path: '/srv/.env' }, format: 'dotenv' },
      { line: 3, placement: { host: 'ci-2' } },
    ]);
  });

  it('refuses control characters and over-long values in any row, all at once', () => {
    const text = `host,path,notes\n"web\n1",/srv/.env,\nci-2,${'x'.repeat(1025)},\nok,,"a\u0007b"\n`;
    const err: unknown = (() => {
      try {
        return parseInventory(text, 'inv.csv');
      } catch (e) {
        return e;
      }
    })();
    expect(isAppError(err, 'KS_INPUT_INVALID')).toBe(true);
    expect((err as { lines: string[] }).lines).toEqual([
      'line 2: host holds control characters',
      'line 3: value of path is over 1024 characters',
      'line 4: notes holds control characters',
    ]);
  });
});
