/**
 * JSON parsing that reports failures as human-readable text with a line and column, without echoing
 * the (hostile) input the way V8's own messages sometimes do.
 */

const MAX_DETAIL = 80;

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** A character as a reader should see it: printable ASCII as is, anything else as U+XXXX. */
function showChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code >= 0x21 && code <= 0x7e
    ? `'${ch}'`
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Where and why JSON.parse failed, described without quoting the input. */
export interface JsonError {
  /** Short description, e.g. `Expected ',' or '}' after property value`. */
  readonly what: string;
  /** True when the text ended early (truncated input). */
  readonly truncated: boolean;
  /** 0-based offset of the error, when V8 reports one. */
  readonly position?: number;
}

/** Turn V8's JSON.parse message into a {@link JsonError} that does not quote the input. */
function toJsonError(message: string, length: number): JsonError {
  if (message.startsWith('Unexpected end of JSON input')) {
    return { what: 'unexpected end of JSON', truncated: true };
  }
  const position = /at position (\d+)/.exec(message);
  if (position && Number(position[1]) >= length) {
    return { what: 'unexpected end of JSON', truncated: true };
  }
  if (position) {
    const what = message.split(' in JSON')[0]?.slice(0, MAX_DETAIL) ?? 'syntax error';
    return { what, truncated: false, position: Number(position[1]) };
  }
  const token = /^Unexpected token '(.+?)', "/su.exec(message);
  const what = token?.[1] ? `unexpected token ${showChar(token[1])}` : 'syntax error';
  return { what, truncated: false };
}

/** Outcome of {@link parseJson}. */
export type JsonParse =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: JsonError };

/** Parse JSON without throwing. */
export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: toJsonError(err instanceof Error ? err.message : '', text.length) };
  }
}

/**
 * Describe a parse failure of `text`: `invalid JSON at line 3, column 7: …`, or for input that
 * stopped early `… unexpected end of JSON (truncated file?)`. Pass `line` when `text` is that one
 * line of a JSON-lines file.
 */
export function describeJsonError(error: JsonError, text: string, line?: number): string {
  const where = line === undefined ? '' : ` at line ${line}`;
  if (error.truncated) {
    return `invalid JSON${where}: unexpected end of JSON (truncated ${line === undefined ? 'file' : 'line'}?)`;
  }
  if (error.position === undefined) return `invalid JSON${where}: ${error.what}`;
  const at = lineAndColumn(text, error.position);
  return `invalid JSON at line ${at.line + (line ?? 1) - 1}, column ${at.column}: ${error.what}`;
}

/** One non-blank line of a text. */
export interface TextLine {
  /** 1-based line number. */
  readonly line: number;
  readonly text: string;
}

/** Non-blank lines (CRLF tolerated). */
export function nonBlankLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  let number = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    if (line.length > 0) lines.push({ line: number, text: line });
    start = end + 1;
    number++;
  }
  return lines;
}

/**
 * True when a text that failed to parse as one JSON value is JSON lines: most non-blank lines look
 * like complete objects (`{…}`). A pretty-printed document has almost none, so a broken one is
 * reported as one file-level error rather than a rejection per line.
 */
export function looksLikeJsonLines(lines: readonly TextLine[]): boolean {
  let objects = 0;
  for (const l of lines) if (l.text.startsWith('{') && l.text.endsWith('}')) objects++;
  return objects > 0 && objects * 2 >= lines.length;
}

/** Index of the quote closing the string that opens at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let slashes = 0;
    for (let k = q - 1; text.charCodeAt(k) === 92; k--) slashes++;
    if ((slashes & 1) === 0) return q;
    from = q + 1;
  }
}

/**
 * Deepest `[`/`{` nesting in JSON text (strings skipped), stopping once past `limit`. A cheap
 * text scan (a fraction of JSON.parse's cost) that tells whether any value could be nested too deep
 * for recursive consumers such as JSON.stringify, which overflows the stack at a few thousand levels.
 */
export function maxNestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const q = closingQuote(text, i);
      if (q < 0) break;
      i = q;
    } else if (c === 123 || c === 91) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) break;
      }
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return deepest;
}
