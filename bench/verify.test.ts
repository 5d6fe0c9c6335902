import { describe, expect, it } from 'vitest';
import { parseFindings, parseStats, verifyRun, type DetectStats } from './verify.js';

const STATS: DetectStats = {
  files: 1,
  records: 10,
  rejected: 0,
  findings: 2,
  elapsedMs: 5,
  maxRssBytes: 1,
};
const EXPECTED = { records: 10, files: 1, canaryEventIds: ['a', 'b', 'c'] };

describe('verifyRun', () => {
  it('accepts canary findings that cover exactly the canary events', () => {
    const v = verifyRun(
      [
        { rule: 'honeytoken.used', eventIds: ['a', 'b'], tokenId: 'tok_1' },
        { rule: 'credentials.session-token-from-user', eventIds: ['c'], tokenId: 'tok_1' },
      ],
      STATS,
      EXPECTED,
    );
    expect(v.ok).toBe(true);
    expect(v.found).toBe(3);
  });

  it('reports missing canary events and false canary hits', () => {
    const v = verifyRun(
      [
        { rule: 'honeytoken.used', eventIds: ['a', 'x'] },
        { rule: 'recon.access-denied-burst', eventIds: ['y'] },
      ],
      STATS,
      EXPECTED,
    );
    expect(v.ok).toBe(false);
    expect(v.missing).toEqual(['b', 'c']);
    expect(v.extra).toEqual(['x']);
    expect(v.otherFindings).toEqual({ 'recon.access-denied-burst': 1 });
  });

  it('fails when the stats do not account for every record', () => {
    const all = [{ rule: 'honeytoken.used', eventIds: ['a', 'b', 'c'] }];
    const short = verifyRun(all, { ...STATS, records: 9, findings: 1 }, EXPECTED);
    expect(short.ok).toBe(false);
    expect(short.problems).toEqual(['stats.records is 9, expected 10']);
    const unread = verifyRun(all, { ...STATS, files: 0, findings: 1 }, EXPECTED);
    expect(unread.problems).toEqual(['stats.files is 0, expected 1']);
  });

  it('accepts fewer records counted when a pre-filter passed files over', () => {
    const all = [{ rule: 'honeytoken.used', eventIds: ['a', 'b', 'c'] }];
    const v = verifyRun(all, { ...STATS, records: 4, passedOver: 1, findings: 1 }, EXPECTED);
    expect(v.ok).toBe(true);
  });
});

describe('parseStats and parseFindings', () => {
  it('reads the stats line only when it is the last line of stderr', () => {
    const line = `stats ${JSON.stringify(STATS)}`;
    expect(parseStats(`progress\n${line}\n`)).toEqual(STATS);
    expect(parseStats(`${line}\nlater output\n`)).toBeUndefined();
    expect(parseStats('stats {"files":1}\n')).toBeUndefined();
  });

  it('rejects stdout lines that are not findings', () => {
    expect(parseFindings('{"rule":"honeytoken.used","eventIds":["a"]}\n\n')).toHaveLength(1);
    expect(() => parseFindings('progress: 50%\n')).toThrow();
    expect(() => parseFindings('{"rule":"x"}\n')).toThrow(/line 1/);
  });
});
