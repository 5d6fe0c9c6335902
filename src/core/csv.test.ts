import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, quotes and newlines, CRLF or LF', () => {
    const r = parseCsv(
      'host,path,notes\r\nbuild-7,"~/.aws/credentials","a, ""b""\nc"\nweb-1,/srv/.env,\n',
    );
    expect(r.rows).toEqual([
      ['host', 'path', 'notes'],
      ['build-7', '~/.aws/credentials', 'a, "b"\nc'],
      ['web-1', '/srv/.env', ''],
    ]);
    expect(r.problems).toEqual([]);
  });

  it('reports an unclosed quote and caps rows', () => {
    expect(parseCsv('a,"b').problems[0]).toMatch(/not closed/);
    expect(parseCsv('a\nb\nc\n', 2).rows).toHaveLength(2);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseCsv(s)));
  });
});
