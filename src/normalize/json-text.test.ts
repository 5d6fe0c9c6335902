import { describe, it, expect } from 'vitest';
import {
  describeJsonError,
  lineAndColumn,
  looksLikeJsonLines,
  maxNestingDepth,
  nonBlankLines,
  parseJson,
} from './json-text.js';

function errorOf(text: string, line?: number): string {
  const r = parseJson(text);
  if (r.ok) throw new Error('expected a parse failure');
  return describeJsonError(r.error, text, line);
}

describe('describeJsonError', () => {
  it('names the line and column of the error', () => {
    expect(errorOf('{\n  "a": 1,\n  "b" 2\n}')).toMatch(/^invalid JSON at line 3, column 7: \w/);
  });

  it('says a file that stops early is probably truncated', () => {
    expect(errorOf('{"Records":[{"eventName":"x"')).toBe(
      'invalid JSON: unexpected end of JSON (truncated file?)',
    );
  });

  it('shifts to the file line number for one line of JSON lines', () => {
    expect(errorOf('{"a":1,}', 7)).toMatch(/^invalid JSON at line 7, column 8: /);
    expect(errorOf('{"a":', 3)).toBe(
      'invalid JSON at line 3: unexpected end of JSON (truncated line?)',
    );
  });

  it('does not quote the input back', () => {
    const message = errorOf('<script>alert(document.cookie)</script>');
    expect(message).toBe("invalid JSON: unexpected token '<'");
    expect(errorOf('\u0007bell')).toBe('invalid JSON: unexpected token U+0007');
  });
});

describe('lineAndColumn', () => {
  it('counts from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('nonBlankLines and looksLikeJsonLines', () => {
  it('keeps line numbers and tolerates CRLF', () => {
    expect(nonBlankLines('{"a":1}\r\n\r\n  {"b":2}\n')).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 3, text: '{"b":2}' },
    ]);
  });

  it('tells JSON lines from a broken pretty-printed document', () => {
    expect(looksLikeJsonLines(nonBlankLines('{"a":1}\n{"b":\n{"c":3}'))).toBe(true);
    expect(looksLikeJsonLines(nonBlankLines('{\n  "a": 1,\n  "b" 2\n}'))).toBe(false);
  });
});

describe('maxNestingDepth', () => {
  it('ignores brackets inside strings, including escaped quotes', () => {
    expect(maxNestingDepth('{"a":"[[[[\\"[[[","b":[1,[2]]}', 100)).toBe(3);
  });

  it('stops once past the limit', () => {
    expect(maxNestingDepth('['.repeat(100_000), 256)).toBe(257);
  });
});
