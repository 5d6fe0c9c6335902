/**
 * Making token-derived text safe to show. Token fields can come from CloudTrail (learned facts) and
 * from people, so they may hold newlines, terminal escapes or bidi controls; audit messages and the
 * table never pass those through.
 */

import { safeCell, safeText } from '../../core/index.js';

// eslint-disable-next-line no-control-regex -- stripping terminal escapes is the point
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-_]/g;

/**
 * `text` on one line: terminal escapes become single spaces, control/format characters are
 * neutralised by the core {@link safeText}, runs of whitespace collapse, and anything past `max`
 * characters is cut with an ellipsis.
 */
export function cleanText(text: string, max = 120): string {
  const flat = safeText(text.replace(ANSI_ESCAPE, ' ')).replace(/\s+/g, ' ').trim();
  return safeCell(flat, max);
}

/** `text` cleaned and wrapped in double quotes, for naming a value inside a message. */
export function quoted(text: string, max = 80): string {
  return `"${cleanText(text, max)}"`;
}
