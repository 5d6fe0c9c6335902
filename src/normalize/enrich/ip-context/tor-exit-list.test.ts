import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/index.js';
import { parseAddress } from './ip.js';
import { isTorExit, parseTorExitList } from './tor-exit-list.js';

function reasonOf(text: string): string {
  try {
    parseTorExitList(text, 'tor.txt');
  } catch (err) {
    if (isAppError(err, 'KS_IP_DATA_INVALID')) return String(err.details['reason']);
    throw err;
  }
  throw new Error('expected KS_IP_DATA_INVALID');
}

describe('parseTorExitList', () => {
  it('reads the bulk list, with comments and blank lines', () => {
    const t = parseTorExitList('# exits\n192.0.2.10\n\n198.51.100.20\r\n2001:db8::7\n', 'f');
    expect(t.size).toBe(3);
    expect(isTorExit(t, parseAddress('192.0.2.10')!)).toBe(true);
    expect(isTorExit(t, parseAddress('2001:db8:0::7')!)).toBe(true);
    expect(isTorExit(t, parseAddress('192.0.2.11')!)).toBe(false);
  });

  it('reads the exit-addresses document', () => {
    const doc = [
      'ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E',
      'Published 2025-01-01 10:00:00',
      'LastStatus 2025-01-01 11:00:00',
      'ExitAddress 192.0.2.33 2025-01-01 11:05:00',
      'ExitAddress 192.0.2.34 2025-01-01 11:06:00',
    ].join('\n');
    const t = parseTorExitList(doc, 'f');
    expect([...t.v4].length).toBe(2);
    expect(isTorExit(t, parseAddress('192.0.2.34')!)).toBe(true);
  });

  it('names the line of a truncated or foreign file, and refuses an empty list', () => {
    expect(reasonOf('192.0.2.10\n192.0.2')).toBe(
      'line 2: expected an IP address (one per line), found "192.0.2"',
    );
    expect(reasonOf('<!doctype html>\n<p>blocked</p>')).toMatch(/^line 1: expected an IP address/);
    expect(reasonOf('# nothing\n\n')).toBe('lists no addresses');
  });
});
