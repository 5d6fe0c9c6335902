/**
 * The markup of an incident's triage page: summary, facts, the triage forms, the timeline
 * (everything the key, principal or address did around it, its own events marked), custody for a
 * canary, the runbook, "who else did this?", and the history and notes. Every CloudTrail string
 * here (user agents, ARNs, error codes) is the attacker's: it only ever reaches the page through
 * `html`'s escaping.
 */
import type { TimelineEntry, TriageView } from '../../../pipeline/index.js';
import type { Similar } from '../../../incidents/index.js';
import { formatPlacement } from '../../../tokens/placement.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import type { Viewer } from '../layout.js';
import { badge, link, pathOf, table, when } from './common.js';
import { historyAndNotes, triageForms } from './incident-forms.js';

function facts(view: TriageView): SafeHtml {
  return html`<dl class="facts">
    ${view.facts.map(
      (f) =>
        html`<dt>${f.label}</dt>
          <dd>${f.value}</dd>`,
    )}
  </dl>`;
}

function timelineRow(e: TimelineEntry): SafeHtml {
  return html`<tr class="${e.inIncident ? 'own' : ''}">
    <td>${e.inIncident ? html`<span class="mark" title="part of this incident">●</span>` : ''}</td>
    <td>${when(e.time)}</td>
    <td><code>${e.eventSource.replace(/\.amazonaws\.com$/, '')}:${e.eventName}</code></td>
    <td>${e.region}</td>
    <td>${e.sourceIp ?? ''}</td>
    <td class="ua">${e.userAgent ?? ''}</td>
    <td class="arn">${e.principal ?? ''}</td>
    <td><code>${e.accessKeyId ?? ''}</code></td>
    <td>${e.errorCode ?? ''}</td>
  </tr>`;
}

function timeline(view: TriageView): SafeHtml {
  const omitted = view.timelineOmitted
    ? html`<p class="muted">${view.timelineOmitted} later event(s) left out.</p>`
    : '';
  return html`<h2>Timeline</h2>
    <p class="muted">
      Everything this key, principal or source address did from ${view.aroundHours} hours before to
      ${view.aroundHours} hours after; ● marks the incident's own events.
    </p>
    ${table(
      ['', 'Time', 'Call', 'Region', 'Source IP', 'User agent', 'Principal', 'Key', 'Error'],
      view.timeline.map(timelineRow),
      'No stored event.',
      'timeline',
    )}
    ${omitted}`;
}

function custody(view: TriageView): SafeHtml {
  if (!view.incident.tokenId) return html``;
  const rows = view.custody.map(
    (c) =>
      html`<tr>
        <td>${when(c.at)}</td>
        <td>${c.actor}</td>
        <td>${c.action}</td>
        <td>${formatPlacement(c.placement)}</td>
        <td>${c.note ?? ''}</td>
      </tr>`,
  );
  return html`<h2>Custody of ${link(pathOf('tokens', view.incident.tokenId), 'the canary')}</h2>
    ${table(['When', 'Who', 'What', 'Placement', 'Note'], rows, 'No custody entry.', 'custody')}`;
}

function runbook(view: TriageView): SafeHtml {
  if (view.runbook.length === 0) return html``;
  return html`<h2>Runbook</h2>
    <ol class="runbook">
      ${view.runbook.map((s) => html`<li>${s}</li>`)}
    </ol>`;
}

function similar(list: readonly Similar[]): SafeHtml {
  const rows = list.map(
    (s) =>
      html`<tr>
        <td class="arn">${s.principal}</td>
        <td>${s.score.toFixed(1)}</td>
        <td>${s.shared.join(', ')}</td>
        <td>${s.events}</td>
        <td>${when(s.firstSeen)}</td>
        <td>${when(s.lastSeen)}</td>
      </tr>`,
  );
  return html`<h2>Who else did this?</h2>
    ${table(
      ['Principal', 'Score', 'Shares', 'Events', 'First seen', 'Last seen'],
      rows,
      'No other principal shares its addresses, user agents, keys or rare calls.',
      'similar',
    )}`;
}

/** The page body. */
export function triagePage(view: TriageView, viewer: Viewer): SafeHtml {
  const i = view.incident;
  const related = i.related.map((r) => html`${link(pathOf('incidents', r), r)} `);
  return html`<h1>${i.title}</h1>
    <p>
      ${badge(i.severity)} ${badge(i.state)}
      <span class="muted">${i.kind} incident <code>${i.id}</code></span
      >${i.quiet ? html` <span class="muted">quiet: ${i.quiet}</span>` : ''}
    </p>
    <p class="summary">${view.summary}</p>
    ${facts(view)} ${related.length ? html`<p>Related: ${related}</p>` : ''}
    ${triageForms(i, viewer)} ${timeline(view)} ${custody(view)} ${runbook(view)}
    ${similar(view.similar)} ${historyAndNotes(i, viewer)}`;
}
