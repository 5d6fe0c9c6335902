/**
 * HTML for the dashboard, escaped by construction: every value interpolated into {@link html} is
 * escaped unless it is itself {@link SafeHtml} made by `html` (or {@link trusted} for markup this
 * code wrote). CloudTrail strings — user agents, ARNs, error messages — are attacker-controlled and
 * only ever reach a page as text: no inline script or style exists for them to land in (the CSP
 * forbids both, security.ts).
 */
import { safeText } from '../core/index.js';

/** Markup that is safe to put in a page as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** `v` as HTML text (attribute-safe too), with control and bidi characters neutralised. */
export function escapeHtml(v: unknown): string {
  return safeText(v === undefined ? '' : v).replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function part(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

/** A template whose interpolations are escaped (arrays joined, SafeHtml kept, null/false empty). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Markup written by this code (never with outside data in it). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A URL for an `href`: only http(s) and site-relative paths; anything else becomes `#`. */
export function safeHref(url: string): string {
  return /^(https?:\/\/|\/(?!\/))/i.test(url) ? url : '#';
}
