/**
 * The markup of one canary's page: its facts, offline audit, incidents, custody history, and the
 * render (bait) and retire forms.
 */
import type { CustodyEntry, Incident, Token } from '../../../core/index.js';
import { describePlacement } from '../../../core/index.js';
import { baitFormats } from '../../../tokens/bait/index.js';
import { formatPlacement } from '../../../tokens/placement.js';
import type { AuditResult } from '../../../tokens/audit/audit.js';
import { html, trusted } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import type { Viewer } from '../layout.js';
import { csrfField } from '../layout.js';
import { badge, link, pathOf, table, when } from './common.js';

/** What the page shows. */
export interface TokenDetail {
  readonly token: Token;
  readonly custody: readonly CustodyEntry[];
  readonly incidents: readonly Incident[];
  readonly audit: AuditResult | undefined;
  readonly viewer: Viewer;
  readonly extra: SafeHtml | undefined;
}

function facts(t: Token): SafeHtml {
  const rows: [string, unknown][] = [
    ['Registry id', html`<code>${t.id}</code>`],
    ['Access key id', html`<code>${t.accessKeyId}</code>`],
    ['IAM user', t.userName ?? '–'],
    ['User ARN', t.userArn ?? '–'],
    ['Account', t.accountId ?? '–'],
    ['Placement', describePlacement(t.placement)],
    ['Status', badge(t.status)],
    ['Origin', t.origin],
    ['Registered', when(t.createdAt)],
    ['Retired', when(t.retiredAt)],
  ];
  return html`<dl class="facts">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

function auditSection(a: AuditResult | undefined): SafeHtml {
  if (!a) return html`<p class="muted">Retired canaries are not audited.</p>`;
  const problems = a.problems.map(
    (p) =>
      html`<li>${badge(p.severity)} ${p.message} <span class="muted">Fix: ${p.fix}</span></li>`,
  );
  const unsure = a.indeterminate.map((u) => html`<li>${u.check}: could not tell (${u.error})</li>`);
  return html`<p>Score <span class="score">${a.score}</span> / 100 (offline checks).</p>
    ${
      problems.length
        ? html`<ul>
            ${problems}
          </ul>`
        : html`<p>No problem found.</p>`
    }
    ${
      unsure.length
        ? html`<ul class="muted">
            ${unsure}
          </ul>`
        : ''
    }`;
}

function custodyTable(entries: readonly CustodyEntry[]): SafeHtml {
  const rows = entries.map(
    (e) =>
      html`<tr>
        <td>${when(e.at)}</td>
        <td>${e.actor}</td>
        <td>${e.action}</td>
        <td>${formatPlacement(e.placement)}</td>
        <td>${formatPlacement(e.previous)}</td>
        <td>${e.note ?? ''}</td>
      </tr>`,
  );
  return table(
    ['When', 'Who', 'What', 'Placement', 'Previous', 'Note'],
    rows,
    'No custody entry.',
    'custody',
  );
}

function incidentList(incidents: readonly Incident[]): SafeHtml {
  const rows = incidents.map(
    (i) =>
      html`<tr>
        <td>${badge(i.severity)}</td>
        <td>${link(pathOf('incidents', i.id), i.title)}</td>
        <td>${badge(i.state)}</td>
        <td>${when(i.lastSeen)}</td>
      </tr>`,
  );
  return table(['Severity', 'Incident', 'State', 'Last seen'], rows, 'Never used.');
}

function forms(t: Token, viewer: Viewer): SafeHtml {
  if (t.status !== 'active') return html``;
  const base = pathOf('tokens', t.id);
  const options = baitFormats.map(
    (f) => html`<option value="${f.id}">${f.id}: ${f.description}</option>`,
  );
  return html`<h2>Render bait</h2>
    <form method="post" action="${base}/render" class="inline" id="render-form">
      ${csrfField(viewer)}
      <label
        >Format
        <select name="format">
          ${options}
        </select></label
      >
      <button type="submit">Render</button>
    </form>
    <h2>Retire</h2>
    <form method="post" action="${base}/retire" class="inline" id="retire-form">
      ${csrfField(viewer)}
      <label>Why <input name="note" maxlength="500" /></label>
      <button type="submit" class="danger">Retire this canary</button>
    </form>
    <p class="muted">A minted canary's IAM user and key are deleted in AWS first.</p>`;
}

/** The page body. */
export function tokenDetail(d: TokenDetail): SafeHtml {
  const t = d.token;
  return html`<h1>${t.label ?? t.id}</h1>
    ${d.extra ?? ''} ${facts(t)}
    <h2>Audit</h2>
    ${auditSection(d.audit)}
    <h2>Incidents</h2>
    ${incidentList(d.incidents)}
    <h2>Custody history</h2>
    ${custodyTable(d.custody)} ${forms(t, d.viewer)}`;
}

/**
 * Text that keeps its line breaks: each line escaped by `html` (which turns control characters,
 * line breaks included, into spaces), joined with newlines.
 */
function multiline(text: string): SafeHtml {
  return trusted(
    text
      .split(/\r?\n/)
      .map((line) => html`${line}`.value)
      .join('\n'),
  );
}

/** The rendered bait, shown once as text. */
export function baitSection(format: string, text: string): SafeHtml {
  return html`<section class="bait">
    <h2>Bait: ${format}</h2>
    <p class="muted">
      This holds the canary's secret key. Plant it where an attacker would look; do not use it.
    </p>
    <pre id="bait">${multiline(text)}</pre>
  </section>`;
}
