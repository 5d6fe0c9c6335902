import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { renderTable, reportError, safeText } from './output.js';

/** Control (Cc), format (Cf: bidi, zero-width, BOM…), line/paragraph separators, lone surrogates. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|\n|\r/u;

const hostile = [
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u202a',
  '\u202d',
  '\u2066', // LEFT-TO-RIGHT ISOLATE
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c', // ARABIC LETTER MARK
  '\u200b', // ZERO WIDTH SPACE
  '\u200c',
  '\u200d',
  '\u2060', // WORD JOINER
  '\ufeff', // BOM
  '\u00ad', // SOFT HYPHEN (Cf)
  '\u{e0041}', // TAG LATIN CAPITAL LETTER A (Cf)
  '\u001b',
  '\u0085',
  '\u2028',
  '\n',
];

const anyText = fc.string({ unit: 'binary', maxLength: 200 });

describe('safeText', () => {
  it('never lets a control, format or line-break character through', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(safeText(s)).not.toMatch(UNSAFE);
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets one through when the text is mostly hostile characters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...hostile), anyText), { maxLength: 40 }),
        (parts) => {
          expect(safeText(parts.join(''))).not.toMatch(UNSAFE);
        },
      ),
    );
  });

  it('neutralises bidi overrides and zero-width characters like controls', () => {
    expect(safeText('evil\u202etxt.exe')).toBe('evil txt.exe');
    expect(safeText('AKIA\u200bEXAMPLE')).toBe('AKIA EXAMPLE');
    expect(safeText('\u2066a\u2069\ufeffb\u061c')).toBe(' a  b ');
    expect(safeText('\u001b[31mred')).toBe(' [31mred');
  });

  it('keeps ordinary text, including non-Latin scripts and emoji', () => {
    expect(safeText('Überprüfung – 検査 😀 العربية')).toBe('Überprüfung – 検査 😀 العربية');
  });

  it('serialises non-strings as JSON, neutralised the same way', () => {
    expect(safeText(null)).toBe('');
    expect(safeText(3)).toBe('3');
    expect(safeText({ a: '\u202e' })).not.toMatch(UNSAFE);
  });
});

describe('renderTable', () => {
  it('shows no bidi or zero-width character from a cell, and cuts without splitting a pair', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(anyText, { minLength: 2, maxLength: 2 }), { maxLength: 5 }),
        (rows) => {
          const lines = renderTable(['A', 'B'], rows, 10).split('\n');
          for (const l of lines) expect(l).not.toMatch(UNSAFE);
        },
      ),
    );
    expect(renderTable(['A'], [['a\u202eb\u200bc']])).toContain('a b c');
    expect(renderTable(['A'], [['😀😀😀😀']], 3)).toContain('😀😀…');
  });
});

describe('reportError', () => {
  it('neutralises attacker text quoted in an error message and its lines', () => {
    let err = '';
    const io = { out: () => undefined, err: (t: string) => void (err += t), isTty: false };
    reportError(
      new AppError(
        'KS_INPUT_INVALID',
        { file: 'a\u202ejson', reason: 'x' },
        { lines: ['b\u200bc'] },
      ),
      io,
      false,
    );
    for (const l of err.split('\n')) expect(l).not.toMatch(UNSAFE);
    expect(err).toContain('a json');
    expect(err).toContain('b c');
  });
});
