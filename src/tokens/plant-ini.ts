/**
 * A lossless, line-based reading of AWS shared credentials/config files, modelled on what the AWS
 * CLI (botocore over Python's `configparser`) sees: `#`/`;` full-line comments, `[name]` headers
 * (the name is everything between the first `[` and the last `]` of the stripped line, spaces
 * included), `key = value` or `key: value` options with case-insensitive keys, and indented
 * continuation lines. Every line keeps its exact text and line ending, so a merge rewrites only the
 * lines it means to.
 */
import { ok, rejected, type Outcome } from '../core/outcome.js';

/** A line break as found in the file; `''` only on a last line without a final newline. */
export type Eol = '' | '\n' | '\r\n';

/** One line, exactly as in the file. */
export interface IniLine {
  readonly text: string;
  readonly eol: Eol;
}

/** One `key = value` option of a section. */
export interface IniEntry {
  /** Lowercased, as configparser reads it. */
  readonly key: string;
  /** The value, continuation lines joined with `\n`. */
  readonly value: string;
  /** Index of the option's own line. */
  readonly line: number;
  /** Indexes of its indented continuation lines. */
  readonly continuation: readonly number[];
}

/** One `[name]` section. */
export interface IniSection {
  /** The raw header name, whitespace included (`[ prod ]` → `' prod '`). */
  readonly name: string;
  readonly headerLine: number;
  /** Index of the first line after the section (the next header, or the line count). */
  readonly endLine: number;
  readonly entries: readonly IniEntry[];
  /** Option values by key (the last one wins). */
  readonly values: Readonly<Record<string, string>>;
}

/** A parsed file. Joining `bom` and every line's text + eol gives back the input exactly. */
export interface IniDocument {
  /** `'\uFEFF'` when the text starts with a byte-order mark, else `''`. */
  readonly bom: string;
  readonly lines: readonly IniLine[];
  readonly sections: readonly IniSection[];
}

/** Which shared file: `credentials` names sections by profile, `config` as `[profile NAME]`. */
export type IniKind = 'credentials' | 'config';

/** Split text into lines, keeping each line's break (`\n` or `\r\n`). */
export function splitLines(text: string): IniLine[] {
  const lines: IniLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      lines.push({ text: text.slice(start), eol: '' });
      break;
    }
    const crlf = nl > start && text[nl - 1] === '\r';
    lines.push({ text: text.slice(start, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return lines;
}

/** Join lines (and a BOM) back into text. */
export function joinLines(bom: string, lines: readonly IniLine[]): string {
  return bom + lines.map((l) => l.text + l.eol).join('');
}

interface MutableEntry {
  key: string;
  parts: string[];
  line: number;
  continuation: number[];
  indent: number;
}

interface MutableSection {
  name: string;
  headerLine: number;
  entries: MutableEntry[];
}

const HEADER = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*[=:]\s*(.*)$/;

function isIgnorable(stripped: string): boolean {
  return stripped === '' || stripped.startsWith('#') || stripped.startsWith(';');
}

/** Parse shared-file text (see the module comment for the rules). Never throws. */
export function parseIni(text: string): IniDocument {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines = splitLines(text.slice(bom.length));
  const sections: MutableSection[] = [];
  let option: MutableEntry | undefined;
  lines.forEach(({ text: raw }, i) => {
    const stripped = raw.trim();
    if (isIgnorable(stripped)) return;
    const indent = raw.length - raw.trimStart().length;
    const section = sections.at(-1);
    if (section && option && indent > option.indent) {
      option.parts.push(stripped);
      option.continuation.push(i);
      return;
    }
    const header = HEADER.exec(stripped);
    option = undefined;
    if (header) {
      sections.push({ name: header[1] ?? '', headerLine: i, entries: [] });
      return;
    }
    const opt = OPTION.exec(stripped);
    const key = opt?.[1]?.trimEnd().toLowerCase() ?? '';
    if (!section || key === '') return;
    option = { key, parts: [opt?.[2] ?? ''], line: i, continuation: [], indent };
    section.entries.push(option);
  });
  return { bom, lines, sections: sections.map((s, k) => freeze(s, sections[k + 1], lines.length)) };
}

function freeze(s: MutableSection, next: MutableSection | undefined, count: number): IniSection {
  const entries = s.entries.map((e) => ({
    key: e.key,
    value: e.parts.join('\n').trimEnd(),
    line: e.line,
    continuation: e.continuation,
  }));
  const values: Record<string, string> = {};
  for (const e of entries) values[e.key] = e.value;
  return {
    name: s.name,
    headerLine: s.headerLine,
    endLine: next?.headerLine ?? count,
    entries,
    values,
  };
}

/** Split like Python's `shlex.split` for the simple cases; undefined on unbalanced quotes. */
function shellSplit(s: string): string[] | undefined {
  const words: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))/y;
  let rest = s.trim();
  while (rest !== '') {
    re.lastIndex = 0;
    const m = re.exec(rest);
    if (!m) return undefined;
    words.push(m[1] ?? m[2] ?? m[3] ?? '');
    rest = rest.slice(re.lastIndex).trimStart();
  }
  return words;
}

/**
 * The profile a section header names, as the AWS CLI reads it, or undefined when the section is
 * not a profile (`[DEFAULT]`, `[sso-session x]`, `[services x]`, a bare `[prod]` in config).
 */
export function profileOfSection(name: string, kind: IniKind): string | undefined {
  if (name === 'DEFAULT') return undefined;
  if (kind === 'credentials') return name;
  if (name === 'default') return 'default';
  if (!name.startsWith('profile')) return undefined;
  const words = shellSplit(name);
  return words?.length === 2 ? words[1] : undefined;
}

/** Profile names defined in a credentials or config file, in file order, each once. */
export function listProfiles(text: string, kind: IniKind = 'credentials'): string[] {
  const names = parseIni(text).sections.map((s) => profileOfSection(s.name, kind));
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

/** The header a profile gets when it is added: `[NAME]`, or `[profile NAME]` / `[default]`. */
export function sectionNameFor(profile: string, kind: IniKind): string {
  if (kind === 'credentials' || profile === 'default') return profile;
  return `profile ${profile}`;
}

/** What to merge: set `values` (keys lowercase) in `profile`'s section, creating it if needed. */
export interface MergeSpec {
  readonly profile: string;
  readonly kind: IniKind;
  readonly values: readonly (readonly [key: string, value: string])[];
}

/** A merged text, and whether an existing section was updated (rather than one appended). */
export interface Merged {
  readonly text: string;
  readonly replaced: boolean;
}

/** The sections that hold `profile`, or why the file is too ambiguous to touch. */
function findTarget(doc: IniDocument, spec: MergeSpec): Outcome<IniSection | undefined> {
  const own = doc.sections.filter((s) => profileOfSection(s.name, spec.kind) === spec.profile);
  const loose = doc.sections.find((s) => {
    const tidy = s.name.trim().replace(/\s+/g, ' ');
    return (
      !own.includes(s) && tidy !== s.name && profileOfSection(tidy, spec.kind) === spec.profile
    );
  });
  if (loose) {
    return rejected(
      `section [${loose.name}] on line ${loose.headerLine + 1} differs from profile ` +
        `${spec.profile} only by whitespace, so AWS tools may not agree on which profile it is; ` +
        'fix its header by hand first',
    );
  }
  if (own.length > 1) {
    const at = own.map((s) => s.headerLine + 1).join(', ');
    return rejected(`profile ${spec.profile} is defined ${own.length} times (lines ${at})`);
  }
  return ok(own[0]);
}

/**
 * Merge `spec.values` into the profile's section, changing nothing else: existing keys get their
 * value replaced in place, missing keys are added after the section's last option, and a missing
 * section is appended in the file's own style (line endings, `key = value` spacing, blank line
 * between sections, final newline or not). Rejected when the file is ambiguous (duplicate profile
 * or key, whitespace-only header variants, bare carriage returns).
 */
export function mergeProfile(text: string, spec: MergeSpec): Outcome<Merged> {
  if (/\r(?!\n)/.test(text))
    return rejected('it contains a carriage return outside a CRLF line break');
  if (spec.values.some(([k, v]) => /[\r\n]/.test(k + v)))
    return rejected('a value holds a line break');
  const doc = parseIni(text);
  const target = findTarget(doc, spec);
  if (target.kind !== 'ok') return target;
  const style = styleOf(doc);
  const section = target.value;
  const lines = section
    ? updateSection(doc, section, spec, style)
    : appendSection(doc, spec, style);
  if (lines.kind !== 'ok') return lines;
  const finalNewline = doc.lines.length === 0 || doc.lines.at(-1)?.eol !== '';
  const text2 = joinLines(doc.bom, fixLineEnds(lines.value, style.eol, finalNewline));
  return ok({ text: text2, replaced: section !== undefined });
}

interface Style {
  readonly eol: '\n' | '\r\n';
  /** Between key and value, e.g. `' = '` or `'='`. */
  readonly separator: string;
  readonly blankBetweenSections: boolean;
}

function styleOf(doc: IniDocument): Style {
  const crlf = doc.lines.filter((l) => l.eol === '\r\n').length;
  const lf = doc.lines.filter((l) => l.eol === '\n').length;
  const first = doc.sections.flatMap((s) => s.entries)[0];
  const sep = first
    ? /^[^=:]*?([ \t]*[=:][ \t]*)/.exec(doc.lines[first.line]?.text.trim() ?? '')
    : null;
  const separator = sep?.[1] && /^[ \t]?=[ \t]?$/.test(sep[1]) ? sep[1] : ' = ';
  let blank = 0;
  let tight = 0;
  for (const s of doc.sections.slice(1)) {
    let i = s.headerLine - 1;
    while (i >= 0 && /^\s*[#;]/.test(doc.lines[i]?.text ?? '')) i--;
    if ((doc.lines[i]?.text.trim() ?? '') === '') blank++;
    else tight++;
  }
  return { eol: crlf > lf ? '\r\n' : '\n', separator, blankBetweenSections: blank >= tight };
}

function updateSection(
  doc: IniDocument,
  section: IniSection,
  spec: MergeSpec,
  style: Style,
): Outcome<IniLine[]> {
  const replaced = new Map<number, IniLine>();
  const dropped = new Set<number>();
  const added = new Map<number, IniLine[]>();
  // A missing key goes after the previous key of the spec when the section has it, else last.
  let anchor = section.entries.at(-1) ?? section.headerLine;
  for (const [key, value] of spec.values) {
    const found = section.entries.filter((e) => e.key === key);
    if (found.length > 1) {
      const at = found.map((e) => e.line + 1).join(', ');
      return rejected(`profile ${spec.profile} sets ${key} more than once (lines ${at})`);
    }
    const entry = found[0];
    if (entry === undefined) {
      const after = typeof anchor === 'number' ? anchor : lastLineOf(anchor);
      const indent =
        typeof anchor === 'number' ? '' : leadingSpace(doc.lines[anchor.line]?.text ?? '');
      const text = `${indent}${key}${style.separator}${value}`;
      added.set(after, [...(added.get(after) ?? []), { text, eol: style.eol }]);
      continue;
    }
    const line = doc.lines[entry.line] ?? { text: '', eol: style.eol };
    replaced.set(entry.line, { text: withValue(line.text, value), eol: line.eol });
    for (const c of entry.continuation) dropped.add(c);
    anchor = entry;
  }
  const out: IniLine[] = [];
  doc.lines.forEach((line, i) => {
    if (!dropped.has(i)) out.push(replaced.get(i) ?? line);
    out.push(...(added.get(i) ?? []));
  });
  return ok(out);
}

function lastLineOf(entry: IniEntry): number {
  return Math.max(entry.line, ...entry.continuation);
}

function leadingSpace(text: string): string {
  return text.slice(0, text.length - text.trimStart().length);
}

/** Replace the value of an option line, keeping its key, delimiter and spacing. */
function withValue(text: string, value: string): string {
  const prefix = /^[^=:]*[=:][ \t]*/.exec(text)?.[0] ?? '';
  const spaced = /\s[=:]$/.test(prefix) ? `${prefix} ` : prefix;
  return spaced + value;
}

function appendSection(doc: IniDocument, spec: MergeSpec, style: Style): Outcome<IniLine[]> {
  const out = [...doc.lines];
  const lastText = out.at(-1)?.text.trim();
  if (lastText !== undefined && lastText !== '' && style.blankBetweenSections) {
    out.push({ text: '', eol: style.eol });
  }
  out.push({ text: `[${sectionNameFor(spec.profile, spec.kind)}]`, eol: style.eol });
  for (const [key, value] of spec.values) {
    out.push({ text: `${key}${style.separator}${value}`, eol: style.eol });
  }
  return ok(out);
}

/** Every line but the last ends with a break; the last one ends as the original file did. */
function fixLineEnds(
  lines: readonly IniLine[],
  eol: Style['eol'],
  finalNewline: boolean,
): IniLine[] {
  return lines.map((line, i) => {
    if (i === lines.length - 1)
      return { text: line.text, eol: finalNewline ? line.eol || eol : '' };
    return line.eol === '' ? { text: line.text, eol } : line;
  });
}
