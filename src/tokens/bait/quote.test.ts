import { execFileSync } from 'node:child_process';
import { parseEnv } from 'node:util';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'yaml';
import { dotenvValue, hclString, jsString, pythonString, shellWord, yamlScalar } from './quote.js';

/** Printable ASCII plus a few troublemakers. */
const tricky = fc.string({
  unit: fc.constantFrom(...'aZ09/+=$#;{}%\'"`\\ !&|*?~<>()[]:,.-_@'.split('')),
  minLength: 1,
  maxLength: 30,
});

describe('shellWord', () => {
  it('reads back exactly through a POSIX shell', () => {
    const values = ['plain/Value+1=', "it's", '$HOME', '`id`', 'a b', '#x', "'''", '\\n'];
    const script = values
      .map((v, i) => `v${i}=${shellWord(v)}; printf '%s\\0' "$v${i}"`)
      .join('\n');
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(values);
  });

  it('leaves base64-ish values bare', () => {
    expect(shellWord('wJalrXUtnFEMI/K7MDENG+bPxRfiCY=')).toBe('wJalrXUtnFEMI/K7MDENG+bPxRfiCY=');
  });
});

describe('dotenvValue', () => {
  it('reads back exactly through a dotenv parser when it contains no single quote', () => {
    fc.assert(
      fc.property(
        tricky.filter((v) => !v.includes("'") && v.trim() === v),
        (v) => parseEnv(`K=${dotenvValue(v)}\n`)['K'] === v,
      ),
    );
  });

  it('quotes values holding # so they are not read as comments', () => {
    expect(dotenvValue('abc#def')).toBe("'abc#def'");
  });

  it('refuses a value it cannot write literally', () => {
    for (const v of ["it's", 'a\nb', 'a\rb']) {
      expect(() => dotenvValue(v)).toThrow(expect.objectContaining({ code: 'KS_BAIT_INPUT' }));
    }
  });
});

describe('hclString', () => {
  it('escapes template interpolation and directives', () => {
    expect(hclString('a${b}%{c}')).toBe('"a$${b}%%{c}"');
    expect(hclString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

describe('pythonString and jsString', () => {
  it('produce literals that decode back to the value', () => {
    fc.assert(
      fc.property(fc.string(), (v) => {
        expect(JSON.parse(pythonString(v))).toBe(v);
        // A single-quoted JS literal evaluates back to the value.
        expect(runInNewContext(jsString(v))).toBe(v);
      }),
    );
  });
});

describe('yamlScalar', () => {
  it('reads back as the same string, even when it looks like a number, bool or comment', () => {
    fc.assert(
      fc.property(
        fc.oneof(tricky, fc.constantFrom('123', 'true', 'null', '0x1F', '~', '- a')),
        (v) => {
          expect(parse(`k: ${yamlScalar(v)}\n`)).toEqual({ k: v });
        },
      ),
    );
  });
});
