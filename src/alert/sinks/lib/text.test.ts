import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  capJson,
  clip,
  escapeHtml,
  escapeInJson,
  freeKey,
  headOf,
  httpLink,
  plainText,
} from './text.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('headOf', () => {
  it('takes n units, one fewer rather than end on half a surrogate pair', () => {
    expect(headOf('abcdef', 3)).toBe('abc');
    expect(headOf('ab😀cd', 3)).toBe('ab');
    expect(headOf('ab😀cd', 4)).toBe('ab😀');
    expect(headOf('abc', 10)).toBe('abc');
    expect(headOf('abc', -1)).toBe('');
  });
});

describe('clip', () => {
  it('keeps a string that fits, and cuts a longer one to max with the mark', () => {
    expect(clip('abcdef', 6)).toBe('abcdef');
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abcdef', 4, '')).toBe('abcd');
    expect(clip('abcdef', 5, '[…]')).toBe('ab[…]');
  });

  it('never splits a surrogate pair', () => {
    expect(clip(`ab${'😀'.repeat(5)}`, 4)).toBe('ab…');
    expect(clip(`ab${'😀'.repeat(5)}`, 5)).toBe('ab😀…');
  });

  it('for any string stays within max and leaves no lone surrogate of its own', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.integer({ min: 1, max: 80 }),
        (s, max) => {
          const out = clip(s, max);
          expect(out.length).toBeLessThanOrEqual(max);
          expect(out).not.toMatch(LONE_SURROGATE);
          if (s.length <= max) expect(out).toBe(s);
          else expect(out.endsWith('…')).toBe(true);
        },
      ),
    );
  });
});

describe('plainText', () => {
  it('makes controls, bidi and line breaks spaces and cuts to max', () => {
    expect(plainText('a\r\nb\u202ec\u001b[2J', 100)).toBe('a  b c [2J');
    expect(plainText('x'.repeat(100_000), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(plainText(`${'x'.repeat(9)}😀`, 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('escapeHtml', () => {
  it('writes & < > " and \' as entities, and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a> ok`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt; ok',
    );
  });
});

describe('httpLink', () => {
  it('normalises an http(s) URL and drops any other scheme', () => {
    expect(httpLink('https://keysnare.example/i/a b')).toBe('https://keysnare.example/i/a%20b');
    expect(httpLink('HTTP://Keysnare.example')).toBe('http://keysnare.example/');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'ftp://x/', 'not a url', ''])
      expect(httpLink(bad)).toBeUndefined();
    expect(httpLink(undefined)).toBeUndefined();
  });

  it('drops a link longer than maxLength (2048 by default)', () => {
    const long = `https://k.example/${'a'.repeat(2100)}`;
    expect(httpLink(long)).toBeUndefined();
    expect(httpLink(long, 3000)).toBe(long);
    expect(httpLink('https://k.example/abc', 20)).toBeUndefined();
  });
});

describe('capJson', () => {
  const caps = { string: 5, list: 2 };

  it('cuts long strings and lists anywhere in the value, and says so', () => {
    expect(capJson({ a: 'abcdefgh', b: [1, 2, 3], c: { d: ['xy', 'abcdef'] } }, caps)).toEqual({
      value: { a: 'abcd…', b: [1, 2], c: { d: ['xy', 'abcd…'] } },
      truncated: true,
    });
  });

  it('gives a value within the caps back equal, and not truncated', () => {
    const v = { a: 'abc', b: [null, true], n: 1 };
    expect(capJson(v, caps)).toEqual({ value: v, truncated: false });
  });

  it('keeps a __proto__ key an own key', () => {
    const { value } = capJson(JSON.parse('{"__proto__":"x"}'), caps);
    expect(Object.hasOwn(value as object, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});

describe('escapeInJson', () => {
  it('writes each matched character as \\u escapes that parse back to it', () => {
    const json = JSON.stringify({ s: 'a\u202eb\u2028c<\u{e0001}' });
    const out = escapeInJson(json, /[\p{Cf}\p{Zl}<]/gu);
    expect(out).toBe('{"s":"a\\u202eb\\u2028c\\u003c\\udb40\\udc01"}');
    expect(JSON.parse(out)).toEqual(JSON.parse(json));
  });
});

describe('freeKey', () => {
  it('numbers a label already taken', () => {
    const taken = new Map([
      ['IP', 1],
      ['IP (2)', 2],
    ]);
    expect(freeKey(taken, 'Key')).toBe('Key');
    expect(freeKey(taken, 'IP')).toBe('IP (3)');
  });
});
