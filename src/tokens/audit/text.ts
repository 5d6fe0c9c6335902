/**
 * Making token-derived text safe to show. Token fields can come from CloudTrail (learned facts) and
 * from people, so they may hold newlines, terminal escapes or bidi controls; audit messages and the
 * table never pass those through.
 */

/* eslint-disable no-control-regex -- stripping terminal escapes and control characters is the point */
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-_]/g;
const CONTROL =
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]+/g;
/* eslint-enable no-control-regex */

/**
 * `text` on one line: terminal escapes and control/format characters become single spaces,
 * runs of whitespace collapse, and anything past `max` characters is cut with an ellipsis.
 */
export function cleanText(text: string, max = 120): string {
  const flat = text.replace(ANSI_ESCAPE, ' ').replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** `text` cleaned and wrapped in double quotes, for naming a value inside a message. */
export function quoted(text: string, max = 80): string {
  return `"${cleanText(text, max)}"`;
}
