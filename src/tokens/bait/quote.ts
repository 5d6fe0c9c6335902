/**
 * Quoting for each bait syntax. Inputs are validated first (see `assertBaitInput`), but every value
 * still goes through the quoting of the syntax it lands in, so a secret with `/`, `+`, `$`, `#` or
 * `{` reads back unchanged.
 */
import { stringify } from 'yaml';
import { AppError } from '../../core/errors.js';

/** Characters that need no quoting in a POSIX shell word or a dotenv value. */
const BARE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A POSIX shell word: bare when safe, else single-quoted (`'` written as `'\''`). */
export function shellWord(value: string): string {
  if (BARE_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A `.env` value: bare when safe, else single-quoted (dotenv takes single-quoted values literally,
 * with no expansion). A value holding `'` or a line break cannot be written literally.
 */
export function dotenvValue(value: string): string {
  if (BARE_WORD.test(value)) return value;
  if (/['\r\n]/.test(value)) {
    throw new AppError('KS_BAIT_INPUT', {
      format: 'dotenv',
      reason: 'value holds a quote or line break',
    });
  }
  return `'${value}'`;
}

/** An HCL (Terraform) quoted string: JSON escapes plus `$${` and `%%{` against interpolation. */
export function hclString(value: string): string {
  return JSON.stringify(value).replace(/([$%])\{/g, (_, sigil: string) => `${sigil}${sigil}{`);
}

/** A Python string literal (double-quoted; JSON escapes are valid Python escapes). */
export function pythonString(value: string): string {
  return JSON.stringify(value);
}

/** A JavaScript single-quoted string literal (JSON escapes, with `"` bare and `'` escaped). */
export function jsString(value: string): string {
  const inner = JSON.stringify(value).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'");
  return `'${inner}'`;
}

/** A YAML scalar on one line, quoted by the `yaml` library when a plain scalar would misread. */
export function yamlScalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}
