/**
 * Inputs for the sinks' tests over arbitrary strings: every alert kind, the characters no rendering
 * may hold raw, every string of a rendered body, and arbitrary alerts whose attacker-controlled
 * fields mix hostile pieces (lone surrogates, bidi and terminal controls, line breaks, markup) with
 * random and long strings.
 */
import fc from 'fast-check';
import type { AlertKind, AlertMessage } from '../../src/core/index.js';
import { HOSTILE, sampleMessage } from './alert-message.js';

/** A record, so that the compiler says when a kind is missing. */
const KINDS: Readonly<Record<AlertKind, true>> = {
  opened: true,
  updated: true,
  acknowledged: true,
  resolved: true,
  'false-positive': true,
  reopened: true,
  test: true,
};

/** Every alert kind. */
export const ALERT_KINDS = Object.keys(KINDS) as readonly AlertKind[];

/** Control, format (bidi, zero-width), line-separator and lone-surrogate characters. */
export const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** Every string in a JSON value, its keys included. */
export function jsonStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(jsonStrings);
  if (typeof v === 'object' && v !== null)
    return Object.entries(v).flatMap(([k, x]) => [k, ...jsonStrings(x)]);
  return [];
}

/** What every sink must neutralise: lone surrogates, bidi, NUL, ESC, line breaks, markup. */
const PIECES = ['\uD800', '\uDFFF', '\u202E', '\u0000', '\u001b[31m', '\r\n', '\u2028', HOSTILE];

/**
 * Up to six random strings and hostile pieces (with the sink's own `extra` ones) joined, or one
 * random string of 1500 to 3000 units.
 */
export function anyText(extra: readonly string[] = []): fc.Arbitrary<string> {
  const piece = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(...PIECES, ...extra),
  );
  return fc.oneof(
    fc.array(piece, { maxLength: 6 }).map((a) => a.join('')),
    fc.string({ unit: 'binary', minLength: 1500, maxLength: 3000 }),
  );
}

/**
 * An alert of any kind with `text` in every attacker-controlled field: title, summary, facts,
 * runbook, rules, incident id, principal, and the link (or else the well-formed `link`).
 */
export function anyMessage(text: fc.Arbitrary<string>, link: string): fc.Arbitrary<AlertMessage> {
  return fc
    .record({
      kind: fc.constantFrom(...ALERT_KINDS),
      title: text,
      summary: text,
      facts: fc.array(fc.record({ label: text, value: text }), { maxLength: 50 }),
      runbook: fc.array(text, { maxLength: 25 }),
      rules: fc.array(text, { maxLength: 4 }),
      link: fc.oneof(text, fc.constant(link)),
      incidentId: text,
      principalArn: text,
    })
    .map((over) => sampleMessage(over));
}

/** An alert with `text` as its title, summary, one fact's label and value, and two steps. */
export function anyChatMessage(text: fc.Arbitrary<string>): fc.Arbitrary<AlertMessage> {
  return fc
    .tuple(text, text, text, text)
    .map(([title, summary, label, value]) =>
      sampleMessage({ title, summary, facts: [{ label, value }], runbook: [value, title] }),
    );
}
