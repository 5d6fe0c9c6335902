/**
 * The one neutraliser for text a terminal shows. CloudTrail fields (user agents, error messages,
 * request parameters) and token fields are attacker-controlled: a control character can drive the
 * terminal (ESC sequences), a line break can forge an output line, and a bidi control or
 * zero-width character can make `evil\u202Etxt.exe` read as `evilexe.txt` or hide characters
 * inside a key id. Every such character becomes a plain space.
 */

/**
 * Unicode Cc (C0/C1 controls, incl. ESC and line feeds), Cf (format: bidi controls U+202A–202E,
 * U+2066–2069, U+200E/200F, U+061C; zero-width U+200B–200D, U+2060; BOM U+FEFF; soft hyphen; tag
 * characters…), Zl/Zp (U+2028/2029 line and paragraph separators) and lone surrogates.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * `v` as one line of inert text: a string as is, anything else as JSON (null → ''), with every
 * control, format, line-separator and lone-surrogate character replaced by a space.
 *
 * @example
 * safeText('evil\u202etxt.exe') // 'evil txt.exe'
 */
export function safeText(v: unknown): string {
  const s = typeof v === 'string' ? v : v === null ? '' : (JSON.stringify(v) ?? '');
  return s.replace(UNSAFE, ' ');
}

/** `safeText(v)` cut to at most `max` code points (never splitting a surrogate pair), with `…`. */
export function safeCell(v: unknown, max: number): string {
  const s = safeText(v);
  if (s.length <= max) return s;
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
