import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { anyOfWords } from '../../core/index.js';
import { compileSigma } from './compile.js';
import { regexLiteral } from './literal.js';
import type { SigmaDetectionRule } from './parse.js';
import { parseSigma } from './parse.js';

function compiled(detection: Record<string, unknown>) {
  const text = stringify({
    title: 't',
    id: '5e1f0000-0000-4000-8000-0000000000ee',
    logsource: { product: 'aws', service: 'cloudtrail' },
    detection,
  });
  return compileSigma(parseSigma(text, 'rule.yml')[0] as SigmaDetectionRule);
}

describe('Sigma needles', () => {
  it('takes the most selective item of a map and unites the parts of an or', () => {
    const r = compiled({
      selection: { 'userIdentity.type': 'AssumedRole', 'sessionIssuer.type': 'Role' },
      condition: 'selection',
    });
    expect(r.needles).toEqual([{ text: 'AssumedRole', in: 'identity' }]);
    const either = compiled({
      a: { userAgent: 'TruffleHog' },
      b: { 'userAgent|contains': ['*nuclei*', 'pacu-'] },
      condition: 'a or b',
    });
    expect((either.needles ?? []).map((n) => `${n.in}:${n.text}`).sort()).toEqual(
      ['userAgent:TruffleHog', 'userAgent:nuclei', 'userAgent:pacu-'].sort(),
    );
  });

  it('gives none for a not, a short value, a transformed value, or an or with an unknown part', () => {
    expect(
      compiled({ s: { eventType: 'AwsApiCall' }, condition: 'not s' }).needles,
    ).toBeUndefined();
    expect(compiled({ s: { errorCode: 'No' }, condition: 's' }).needles).toBeUndefined();
    expect(
      compiled({ s: { 'userAgent|base64': 'curlish' }, condition: 's' }).needles,
    ).toBeUndefined();
    const mixed = compiled({
      a: { userAgent: 'TruffleHog' },
      b: { 'sourceIPAddress|cidr': '10.0.0.0/8' },
      condition: 'a or b',
    });
    expect(mixed.needles).toBeUndefined();
  });

  it('reads a literal run from a regular expression, and none across an alternation', () => {
    expect(regexLiteral('.+:assumed-role/aws:.+')).toBe(':assumed-role/aws:');
    expect(regexLiteral('^python-requests/[0-9.]+$')).toBe('python-requests/');
    expect(regexLiteral('abcde?fgh')).toBe('abcd');
    expect(regexLiteral('x{2}abcdef')).toBe('abcdef');
    expect(regexLiteral('(evil|good)-scanner-x')).toBe('-scanner-x');
    expect(regexLiteral('evil|good')).toBeUndefined();
    expect(regexLiteral('a\\.b\\.c\\.d')).toBe('a.b.c.d');
    expect(regexLiteral('"quoted"text')).toBe('quoted');
    // An escape's argument is not text: \x41 is A, \p{Lu} a class.
    expect(regexLiteral('\\x41BCDE-tail')).toBe('-tail');
    expect(regexLiteral('\\p{Lu}xyzw')).toBeUndefined();
    expect(regexLiteral('\\d+-abcd')).toBe('-abcd');
  });

  // The reader relies on this: a record the rule matches holds a needle in its JSON text, found
  // as the pre-filter looks (case-insensitive, Unicode case folding: the Kelvin sign is a k).
  it('property: every record a rule matches holds one of its needles', () => {
    const piece = fc.constantFrom('scan', 'SCAN', 'ſcan', 'Kali', '\u212Aali', 'role', '"x', 'a');
    const value = fc.array(piece, { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
    const pattern = fc
      .array(fc.oneof(piece, fc.constantFrom('*', '?', '\\*')), { minLength: 1, maxLength: 4 })
      .map((p) => p.join(''));
    const field = fc.constantFrom('userAgent', 'requestParameters.name', 'eventName');
    const mod = fc.constantFrom('', '|contains', '|startswith', '|endswith', '|cased', '|re');
    const item = fc.tuple(field, mod, fc.array(pattern, { minLength: 1, maxLength: 2 }));
    const rule = fc.record({
      a: fc.uniqueArray(item, { minLength: 1, maxLength: 2, selector: (i) => i[0] }),
      b: fc.uniqueArray(item, { minLength: 1, maxLength: 2, selector: (i) => i[0] }),
      keywords: fc.array(pattern, { minLength: 1, maxLength: 2 }),
      condition: fc.constantFrom('a', 'a and b', 'a or b', '1 of them', 'keywords', 'a and not b'),
    });
    const event = fc.record({
      userAgent: value,
      eventName: value,
      requestParameters: fc.record({ name: value, nested: fc.array(value, { maxLength: 2 }) }),
    });
    fc.assert(
      fc.property(rule, fc.array(event, { minLength: 1, maxLength: 8 }), (r, events) => {
        const map = (items: readonly (readonly [string, string, string[]])[]) =>
          Object.fromEntries(
            items.map(([f, m, v]) => [
              `${f}${m}`,
              m === '|re' ? v.map((x) => x.replace(/[\\*?]/g, '')) : v,
            ]),
          );
        let c;
        try {
          c = compiled({ a: map(r.a), b: map(r.b), keywords: r.keywords, condition: r.condition });
        } catch {
          return; // an invalid random regular expression
        }
        if (!c.needles) return;
        const probe = anyOfWords(
          c.needles.map((n) => n.text),
          'iu',
        );
        for (const e of events) {
          if (c.matches(e)) expect(probe.test(JSON.stringify(e)), JSON.stringify(e)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
