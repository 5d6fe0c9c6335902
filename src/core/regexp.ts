/**
 * Regular expressions built from literal strings (config values, rule selectors): every special
 * character is escaped, so a value can never turn into a pattern.
 */

/** `text` with every RegExp special character escaped. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pattern matching any of `words` as literal text (never matching when there are none). */
export function anyOfWords(words: readonly string[], flags = ''): RegExp {
  return words.length === 0 ? /(?!)/ : new RegExp(words.map(escapeRegExp).join('|'), flags);
}
