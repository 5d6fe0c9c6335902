/**
 * What the Jira sink writes: an issue's summary, labels and description, and a follow-up's
 * comment, as Atlassian Document Format (API version 3) or wiki markup (version 2).
 *
 * In ADF attacker-controlled strings go only into `text` nodes, which Jira never parses as markup,
 * and the headings, lists and the one link (to Keysnare's own page) are nodes built here. In wiki
 * markup every attacker-controlled string goes inside a `{noformat}` block, in which Jira renders
 * nothing, after any `{noformat` in it (which would end the block) and any `[~` (a mention) is
 * broken with a space. Both lose control, bidi and line-break characters and are cut to Jira's
 * sizes.
 */
import type { AlertKind, AlertMessage, Severity } from '../../../core/index.js';
import { safeText } from '../../../core/index.js';
import { clip, httpLink, plainText } from './text.js';
import { KIND_SENTENCE, kindPrefix } from './wording.js';

/** The longest label Jira takes. */
export const JIRA_LABEL_MAX = 255;

/** Jira's limits and the caps on what Keysnare puts in an issue or comment (UTF-16 units). */
const LIMITS = {
  summary: 255,
  /** Under Jira's 32,767 characters for a description or comment (ADF: its JSON). */
  body: 32_000,
  title: 1_000,
  text: 2_000,
  facts: 40,
  label: 100,
  value: 1_000,
  steps: 20,
  step: 500,
} as const;

/** Kinds whose comment carries the facts and runbook again (the rest are state changes). */
const FULL: ReadonlySet<AlertKind> = new Set(['opened', 'updated', 'reopened', 'test']);

/** An Atlassian Document Format node. */
export interface AdfNode {
  readonly type: string;
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly content?: readonly AdfNode[];
  readonly text?: string;
  readonly marks?: readonly AdfMark[];
}

/** An ADF mark: `strong`, or `link` (only ever to the alert's own Keysnare page). */
export interface AdfMark {
  readonly type: 'strong' | 'link';
  readonly attrs?: { readonly href: string };
}

/** An ADF document, the body of a v3 description or comment. */
export interface AdfDoc {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly AdfNode[];
}

/** Whether a rendering is an issue's description or a comment on it. */
export type JiraPart = 'issue' | 'comment';

/** What {@link renderJiraIssue} needs of the sink's options. */
export interface JiraIssueOptions {
  readonly project: string;
  readonly issueType: string;
  readonly apiVersion: 2 | 3;
  readonly labels: readonly string[];
  readonly priorities: Readonly<Partial<Record<Severity, string>>>;
}

/** What a description or comment says, every string already inert and capped. */
interface Report {
  readonly sentence: string;
  readonly lead: readonly string[];
  readonly facts: readonly { readonly label: string; readonly value: string }[];
  readonly more: number;
  readonly steps: readonly string[];
  readonly link?: string;
  readonly footer: string;
}

/** The issue summary: one line of at most 255 characters, `[TEST] ` first for a test. */
export function renderJiraSummary(message: AlertMessage): string {
  const s = plainText(`${kindPrefix(message.kind)}${message.title}`, LIMITS.summary).trim();
  return s || plainText(`Keysnare incident ${message.incidentId}`, LIMITS.summary);
}

/** The ADF document for an issue's description or a comment, within Jira's size. */
export function renderJiraAdf(message: AlertMessage, part: JiraPart): AdfDoc {
  return fit(message, part, adfOf, (doc) => JSON.stringify(doc).length);
}

/** The wiki-markup string for an issue's description or a comment, within Jira's size. */
export function renderJiraWiki(message: AlertMessage, part: JiraPart): string {
  return fit(message, part, wikiOf, (s) => s.length);
}

/** The `POST /issue` body for an incident's first alert. */
export function renderJiraIssue(
  message: AlertMessage,
  opts: JiraIssueOptions,
): { readonly fields: Readonly<Record<string, unknown>> } {
  const priority = opts.priorities[message.severity];
  return {
    fields: {
      project: { key: opts.project },
      issuetype: { name: opts.issueType },
      summary: renderJiraSummary(message),
      description:
        opts.apiVersion === 3 ? renderJiraAdf(message, 'issue') : renderJiraWiki(message, 'issue'),
      labels: [...new Set(['keysnare', incidentLabel(message), ...opts.labels])],
      ...(priority !== undefined ? { priority: { name: priority } } : {}),
    },
  };
}

/** `keysnare-<incident id>` with no space in it: the label that finds an incident's issue. */
export function incidentLabel(message: AlertMessage): string {
  const label = safeText(`keysnare-${message.incidentId}`).replace(/\s+/g, '-');
  return clip(label, JIRA_LABEL_MAX, '');
}

/**
 * Renders with as many facts (then runbook steps) as keep the body within Jira's size: one fact
 * fewer at a time, each left out counted in the "more in Keysnare" line.
 */
function fit<T>(
  message: AlertMessage,
  part: JiraPart,
  render: (r: Report) => T,
  size: (t: T) => number,
): T {
  const full = part === 'issue' || FULL.has(message.kind);
  let facts = full ? Math.min(message.facts.length, LIMITS.facts) : 0;
  let steps = full ? Math.min(message.runbook.length, LIMITS.steps) : 0;
  for (;;) {
    const out = render(reportOf(message, part, facts, steps));
    if (size(out) <= LIMITS.body || (facts === 0 && steps === 0)) return out;
    if (facts > 0) facts -= 1;
    else steps -= 1;
  }
}

function reportOf(message: AlertMessage, part: JiraPart, facts: number, steps: number): Report {
  const link = httpLink(message.link);
  const rules = message.rules.slice(0, LIMITS.steps).join(', ');
  return {
    sentence: KIND_SENTENCE[message.kind],
    lead: [
      ...(part === 'comment' ? [plainText(message.title, LIMITS.title)] : []),
      plainText(message.summary, LIMITS.text),
    ].filter((s) => s !== ''),
    facts: message.facts.slice(0, facts).map((f) => ({
      label: plainText(f.label, LIMITS.label).trim() || 'Fact',
      value: plainText(f.value, LIMITS.value),
    })),
    more: (part === 'issue' || FULL.has(message.kind) ? message.facts.length : 0) - facts,
    steps: message.runbook.slice(0, steps).map((s) => plainText(s, LIMITS.step)),
    ...(link ? { link } : {}),
    footer: plainText(
      `Incident ${message.incidentId} · alert ${message.alertId} · severity ${message.severity} · ` +
        `rules ${rules} · ${message.eventCount} events · first seen ${message.firstSeen} · ` +
        `last seen ${message.lastSeen}`,
      LIMITS.text,
    ),
  };
}

const text = (s: string, marks?: readonly AdfMark[]): AdfNode[] =>
  s === '' ? [] : [{ type: 'text', text: s, ...(marks ? { marks } : {}) }];
const paragraph = (...content: AdfNode[][]): AdfNode => ({
  type: 'paragraph',
  content: content.flat(),
});
const heading = (s: string): AdfNode => ({
  type: 'heading',
  attrs: { level: 3 },
  content: text(s),
});
const item = (node: AdfNode): AdfNode => ({ type: 'listItem', content: [node] });

function adfOf(r: Report): AdfDoc {
  const content: AdfNode[] = [
    paragraph(text(r.sentence, [{ type: 'strong' }])),
    ...r.lead.map((s) => paragraph(text(s))),
  ];
  if (r.facts.length > 0) {
    const items = r.facts.map((f) =>
      item(paragraph(text(f.label, [{ type: 'strong' }]), text(`: ${f.value}`))),
    );
    content.push(heading('Facts'), { type: 'bulletList', content: items });
  }
  if (r.more > 0) content.push(paragraph(text(`… and ${r.more} more facts in Keysnare`)));
  if (r.steps.length > 0) {
    const items = r.steps.map((s) => item(paragraph(text(s))));
    content.push(heading('Runbook'), { type: 'orderedList', content: items });
  }
  if (r.link)
    content.push(paragraph(text('Open in Keysnare', [{ type: 'link', attrs: { href: r.link } }])));
  content.push(paragraph(text(r.footer)));
  return { type: 'doc', version: 1, content };
}

function wikiOf(r: Report): string {
  const lines = [`*${r.sentence}*`, ...noformat(r.lead)];
  if (r.facts.length > 0 || r.more > 0) {
    const facts = r.facts.map((f) => `${f.label}: ${f.value}`);
    if (r.more > 0) facts.push(`… and ${r.more} more facts in Keysnare`);
    lines.push('h3. Facts', ...noformat(facts));
  }
  if (r.steps.length > 0)
    lines.push('h3. Runbook', ...noformat(r.steps.map((s, i) => `${i + 1}. ${s}`)));
  if (r.link) lines.push(`[Open in Keysnare|${wikiUrl(r.link)}]`);
  lines.push(...noformat([r.footer]));
  return lines.join('\n');
}

/**
 * Lines of inert text in a `{noformat}` block, where Jira renders nothing as markup. A `{noformat`
 * inside would end the block early, and a `[~name]` might still notify, so both get a space.
 */
function noformat(lines: readonly string[]): string[] {
  if (lines.length === 0) return [];
  const safe = lines.map((l) => l.replace(/\{(noformat)/gi, '{ $1').replace(/\[~/g, '[ ~'));
  return ['{noformat}', ...safe, '{noformat}'];
}

/** A normalised http(s) URL with every character wiki markup could read percent-encoded. */
function wikiUrl(href: string): string {
  return href.replace(
    /[^A-Za-z0-9\-._:/?#@$&,;=%]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
