import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Outcome } from '../core/outcome.js';
import {
  joinLines,
  listProfiles,
  mergeProfile,
  parseIni,
  type IniKind,
  type Merged,
} from './plant-ini.js';

const KEYS = [
  ['aws_access_key_id', 'AKIANEWNEWNEWNEWNEW1'],
  ['aws_secret_access_key', 'new/Secret+Value=='],
] as const;

function plant(text: string, profile = 'prod', kind: IniKind = 'credentials'): Outcome<Merged> {
  const values =
    kind === 'credentials'
      ? KEYS
      : ([
          ['region', 'eu-west-1'],
          ['output', 'yaml'],
        ] as const);
  return mergeProfile(text, { profile, kind, values });
}

function planted(text: string, profile = 'prod', kind: IniKind = 'credentials'): string {
  const r = plant(text, profile, kind);
  if (r.kind !== 'ok') throw new Error(`expected a merge, got ${JSON.stringify(r)}`);
  return r.value.text;
}

function refusal(text: string, profile = 'prod', kind: IniKind = 'credentials'): string {
  const r = plant(text, profile, kind);
  if (r.kind !== 'rejected') throw new Error(`expected a refusal, got ${JSON.stringify(r)}`);
  return r.reason;
}

describe('parseIni', () => {
  it('gives back the exact text for any input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('[', ']', '=', ' ', '\n', '\r', '#', 'a', '\uFEFF') }),
        (t) => {
          const doc = parseIni(t);
          expect(joinLines(doc.bom, doc.lines)).toBe(t);
        },
      ),
    );
  });

  it('reads sections, options, comments and continuations like configparser', () => {
    const doc = parseIni(
      '# top\n[a]\nKey = v\n  more\n; c\n\n  again\nother: x\n[ b ] # note\n  [c]\n',
    );
    expect(doc.sections.map((s) => s.name)).toEqual(['a', ' b ', 'c']);
    expect(doc.sections[0]?.values).toEqual({ key: 'v\nmore\nagain', other: 'x' });
    expect(doc.sections[0]?.entries[0]?.continuation).toEqual([3, 6]);
    // An indented line after a header with no option is not a continuation: [c] starts a section.
    expect(parseIni('[b]\n  [c]\n').sections.map((s) => s.name)).toEqual(['b', 'c']);
  });

  it('keeps CRLF and a missing final newline per line', () => {
    const doc = parseIni('[a]\r\nk=v');
    expect(doc.lines).toEqual([
      { text: '[a]', eol: '\r\n' },
      { text: 'k=v', eol: '' },
    ]);
  });
});

describe('listProfiles', () => {
  it('lists credentials sections in order, once each, without configparser DEFAULT', () => {
    expect(listProfiles('[prod]\n[DEFAULT]\n[prod-old]\n[default]\n[prod]\n')).toEqual([
      'prod',
      'prod-old',
      'default',
    ]);
  });

  it('reads config profiles as the AWS CLI does', () => {
    const text = '[default]\n[profile a]\n[sso-session s]\n[profile  "b"]\n[c]\n[profile]\n';
    expect(listProfiles(text, 'config')).toEqual(['default', 'a', 'b']);
  });
});

describe('mergeProfile into a credentials file', () => {
  it('appends a new profile leaving every existing byte, comment and blank line alone', () => {
    const original = '# work keys\n[default]\n; old\naws_access_key_id = A\n\n[ci]\nx = 1\n';
    expect(planted(original)).toBe(
      `${original}\n[prod]\naws_access_key_id = AKIANEWNEWNEWNEWNEW1\naws_secret_access_key = new/Secret+Value==\n`,
    );
  });

  it('appends with CRLF line endings to a CRLF file', () => {
    const original = '[default]\r\naws_access_key_id=A\r\n';
    const out = planted(original);
    expect(out.startsWith(original)).toBe(true);
    expect(out.slice(original.length)).toBe(
      '\r\n[prod]\r\naws_access_key_id=AKIANEWNEWNEWNEWNEW1\r\naws_secret_access_key=new/Secret+Value==\r\n',
    );
  });

  it('keeps a missing final newline missing', () => {
    const out = planted('[default]\naws_access_key_id = A');
    expect(out.startsWith('[default]\naws_access_key_id = A\n')).toBe(true);
    expect(out.endsWith('aws_secret_access_key = new/Secret+Value==')).toBe(true);
    const replaced = planted('[prod]\naws_access_key_id = A\naws_secret_access_key = B');
    expect(replaced).toBe(
      '[prod]\naws_access_key_id = AKIANEWNEWNEWNEWNEW1\naws_secret_access_key = new/Secret+Value==',
    );
  });

  it('follows the file: no blank line between sections when it uses none', () => {
    const original = '[a]\nk=v\n[b]\nk=v\n';
    expect(planted(original)).toBe(
      `${original}[prod]\naws_access_key_id=AKIANEWNEWNEWNEWNEW1\naws_secret_access_key=new/Secret+Value==\n`,
    );
  });

  it('does not add a second blank line when the file already ends with one', () => {
    expect(planted('[a]\nk = v\n\n')).toMatch(/^\[a\]\nk = v\n\n\[prod\]\n/);
  });

  it('creates the section in an empty file, and keeps a byte-order mark first', () => {
    expect(planted('')).toBe(
      '[prod]\naws_access_key_id = AKIANEWNEWNEWNEWNEW1\naws_secret_access_key = new/Secret+Value==\n',
    );
    expect(planted('\uFEFF[a]\n').startsWith('\uFEFF[a]\n\n[prod]\n')).toBe(true);
  });

  it('replaces only the key lines of an existing profile, keeping its other keys and comments', () => {
    const original = [
      '[default]',
      'aws_access_key_id = D',
      '',
      '# the prod keys',
      '[prod]',
      '; rotated 2023',
      'aws_access_key_id   =   OLDKEY',
      'region = us-east-1',
      'AWS_SECRET_ACCESS_KEY:old',
      'aws_session_token =',
      '',
      '[prod-old]',
      'aws_access_key_id = KEEP',
      '',
    ].join('\n');
    const r = plant(original);
    expect(r.kind === 'ok' && r.value.replaced).toBe(true);
    const expected = original
      .replace('aws_access_key_id   =   OLDKEY', 'aws_access_key_id   =   AKIANEWNEWNEWNEWNEW1')
      .replace('AWS_SECRET_ACCESS_KEY:old', 'AWS_SECRET_ACCESS_KEY:new/Secret+Value==');
    expect(planted(original)).toBe(expected);
  });

  it('inserts a missing key right after its sibling, with the same indentation', () => {
    const out = planted('[prod]\n  aws_access_key_id = OLD\n  region = x\n[b]\n');
    expect(out).toBe(
      '[prod]\n  aws_access_key_id = AKIANEWNEWNEWNEWNEW1\n  aws_secret_access_key = new/Secret+Value==\n  region = x\n[b]\n',
    );
    expect(planted('[prod]\n[b]\n')).toBe(
      '[prod]\naws_access_key_id = AKIANEWNEWNEWNEWNEW1\naws_secret_access_key = new/Secret+Value==\n[b]\n',
    );
  });

  it('drops the continuation lines of a replaced value', () => {
    expect(planted('[prod]\naws_access_key_id = OLD\n   junk\naws_secret_access_key = S\n')).toBe(
      '[prod]\naws_access_key_id = AKIANEWNEWNEWNEWNEW1\naws_secret_access_key = new/Secret+Value==\n',
    );
  });

  it('adds a space after a spaced delimiter whose value was empty', () => {
    expect(planted('[prod]\naws_access_key_id =\naws_secret_access_key=\n')).toBe(
      '[prod]\naws_access_key_id = AKIANEWNEWNEWNEWNEW1\naws_secret_access_key=new/Secret+Value==\n',
    );
  });

  it('tells [prod] and [prod-old] apart', () => {
    const original = '[prod-old]\naws_access_key_id = OLD\n';
    expect(planted(original)).toMatch(/^\[prod-old\]\naws_access_key_id = OLD\n\n\[prod\]\n/);
    expect(
      planted('[prod]\naws_access_key_id = X\n[prod-old]\naws_access_key_id = OLD\n', 'prod-old'),
    ).toBe(
      '[prod]\naws_access_key_id = X\n[prod-old]\naws_access_key_id = AKIANEWNEWNEWNEWNEW1\naws_secret_access_key = new/Secret+Value==\n',
    );
  });

  it('refuses a header that differs from the profile only by whitespace, and leaves it alone otherwise', () => {
    expect(refusal('[ prod ]\naws_access_key_id = X\n')).toMatch(
      /\[ prod \] on line 1.*whitespace/,
    );
    expect(refusal('[prod ]\n')).toMatch(/whitespace/);
    expect(planted('[ prod ]\nk = v\n', 'billing')).toMatch(/^\[ prod \]\nk = v\n\n\[billing\]\n/);
  });

  it('refuses a profile defined twice or a key set twice', () => {
    expect(refusal('[prod]\n[a]\n[prod]\n')).toBe('profile prod is defined 2 times (lines 1, 3)');
    expect(refusal('[prod]\naws_access_key_id = A\nAWS_ACCESS_KEY_ID = B\n')).toMatch(
      /sets aws_access_key_id more than once \(lines 2, 3\)/,
    );
  });

  it('refuses bare carriage returns and values with line breaks', () => {
    expect(refusal('[a]\rk=v\n')).toMatch(/carriage return/);
    const r = mergeProfile('', { profile: 'p', kind: 'credentials', values: [['k', 'a\nb']] });
    expect(r.kind).toBe('rejected');
  });
});

describe('mergeProfile into a config file', () => {
  it('appends [profile NAME], and [default] for the default profile', () => {
    expect(planted('[default]\nregion = us-east-1\n', 'prod', 'config')).toBe(
      '[default]\nregion = us-east-1\n\n[profile prod]\nregion = eu-west-1\noutput = yaml\n',
    );
    expect(planted('', 'default', 'config')).toBe('[default]\nregion = eu-west-1\noutput = yaml\n');
  });

  it('updates [profile default] as the default profile, and a quoted profile header', () => {
    expect(planted('[profile default]\noutput = json\n', 'default', 'config')).toBe(
      '[profile default]\noutput = yaml\nregion = eu-west-1\n',
    );
    expect(planted('[profile "prod"]\nregion=x\n', 'prod', 'config')).toBe(
      '[profile "prod"]\nregion=eu-west-1\noutput=yaml\n',
    );
  });

  it('does not take a bare [prod] (ignored by the CLI in config) for the profile', () => {
    expect(planted('[prod]\nregion = x\n', 'prod', 'config')).toMatch(/\n\[profile prod\]\n/);
  });

  it('refuses [default] and [profile default] together, and [ profile prod ]', () => {
    expect(refusal('[default]\n[profile default]\n', 'default', 'config')).toMatch(
      /defined 2 times/,
    );
    expect(refusal('[ profile prod ]\n', 'prod', 'config')).toMatch(/whitespace/);
  });
});

/** A generated credentials file: other profiles with comments, blanks and odd spacing. */
const otherSection = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,12}$/),
  lines: fc.array(
    fc.oneof(
      fc
        .tuple(
          fc.stringMatching(/^[a-z_]{1,16}$/),
          fc.constantFrom('=', ' = ', '  =  ', ': ', '\t=\t', ' ='),
          fc.stringMatching(/^[A-Za-z0-9/+=\][#; ]{0,24}$/),
        )
        .map(([k, sep, v]) => `${k}${sep}${v}`.trimEnd()),
      fc.stringMatching(/^[#;][^\r\n]{0,30}$/),
      fc.constantFrom('', '   ', '    continued value'),
    ),
    { maxLength: 6 },
  ),
});

const file = fc.record({
  preamble: fc.array(fc.stringMatching(/^(#|;)[ -~]{0,20}$/), { maxLength: 2 }),
  others: fc.uniqueArray(otherSection, { selector: (s) => s.name, maxLength: 5 }),
  target: fc.option(
    fc.record({
      at: fc.nat(),
      keys: fc.subarray([
        'aws_access_key_id',
        'aws_secret_access_key',
        'region',
        'aws_session_token',
      ]),
      comment: fc.boolean(),
    }),
  ),
  eol: fc.constantFrom('\n', '\r\n'),
  finalNewline: fc.boolean(),
  blankBetween: fc.boolean(),
});

type GeneratedFile = typeof file extends fc.Arbitrary<infer T> ? T : never;

function build(f: GeneratedFile): string {
  const sections = f.others
    .filter((s) => s.name !== 'target')
    .map((s) => [`[${s.name}]`, ...s.lines]);
  if (f.target) {
    const lines = [
      '[target]',
      ...(f.target.comment ? ['# mine'] : []),
      ...f.target.keys.map((k) => `${k} = old`),
    ];
    sections.splice(f.target.at % (sections.length + 1), 0, lines);
  }
  const body = sections.map((s) => s.join(f.eol)).join(f.eol + (f.blankBetween ? f.eol : ''));
  const all = [...f.preamble, ...(body === '' ? [] : [body])].join(f.eol);
  return all === '' || !f.finalNewline ? all : all + f.eol;
}

function rawSections(text: string): Map<string, string> {
  const doc = parseIni(text);
  return new Map(
    doc.sections.map((s) => [s.name, joinLines('', doc.lines.slice(s.headerLine, s.endLine))]),
  );
}

describe('mergeProfile property', () => {
  it('leaves every other section identical and re-parses to the planted keys', () => {
    fc.assert(
      fc.property(file, (f) => {
        const input = build(f);
        const out = planted(input, 'target');
        const target = parseIni(out).sections.filter((s) => s.name === 'target');
        expect(target).toHaveLength(1);
        expect(target[0]?.values['aws_access_key_id']).toBe(KEYS[0][1]);
        expect(target[0]?.values['aws_secret_access_key']).toBe(KEYS[1][1]);
        if (f.target === null) {
          expect(out.startsWith(input)).toBe(true);
        } else {
          const before = rawSections(input);
          const after = rawSections(out);
          for (const [name, raw] of before)
            if (name !== 'target') expect(after.get(name)).toBe(raw);
          const kept = f.target.keys.filter((k) => !KEYS.some(([planted]) => planted === k));
          for (const key of kept) expect(target[0]?.values[key]).toBe('old');
        }
        expect(listProfiles(out)).toEqual([...new Set([...listProfiles(input), 'target'])]);
        const endsOpen = input !== '' && !input.endsWith('\n');
        expect(out.endsWith('\n')).toBe(!endsOpen);
        if (input.includes('\r\n')) expect(out.replaceAll('\r\n', '')).not.toContain('\n');
      }),
      { numRuns: 300 },
    );
  });
});
