/**
 * An incident's triage forms (acknowledge, false positive with a reason, resolve, reopen, add a
 * note), each a POST with the session's CSRF token, and its history and notes.
 */
import type { Incident } from '../../../core/index.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import type { Viewer } from '../layout.js';
import { csrfField } from '../layout.js';
import { badge, pathOf, table, when } from './common.js';

/** The state actions: path segment, button, whether a reason is asked, and when it is offered. */
export const STATE_ACTIONS = [
  { action: 'ack', state: 'acknowledged', label: 'Acknowledge', from: ['open'] },
  {
    action: 'false-positive',
    state: 'false-positive',
    label: 'False positive',
    from: ['open', 'acknowledged'],
  },
  { action: 'resolve', state: 'resolved', label: 'Resolve', from: ['open', 'acknowledged'] },
  {
    action: 'reopen',
    state: 'open',
    label: 'Reopen',
    from: ['acknowledged', 'resolved', 'false-positive'],
  },
] as const;

function stateForm(i: Incident, viewer: Viewer, a: (typeof STATE_ACTIONS)[number]): SafeHtml {
  const reason =
    a.action === 'false-positive'
      ? html`<label>Reason <input name="note" maxlength="2000" required /></label>`
      : html`<label>Note <input name="note" maxlength="2000" /></label>`;
  return html`<form
    method="post"
    action="${pathOf('incidents', i.id, a.action)}"
    class="inline"
    id="form-${a.action}"
  >
    ${csrfField(viewer)} ${reason}
    <button type="submit">${a.label}</button>
  </form>`;
}

/** The forms offered in the incident's current state, and the add-note form. */
export function triageForms(i: Incident, viewer: Viewer): SafeHtml {
  const offered = STATE_ACTIONS.filter((a) => (a.from as readonly string[]).includes(i.state));
  return html`<section class="triage">
    <h2>Triage</h2>
    ${offered.map((a) => stateForm(i, viewer, a))}
  </section>`;
}

/** The state history and the notes, with the add-note form. */
export function historyAndNotes(i: Incident, viewer: Viewer): SafeHtml {
  const changes = i.history.map(
    (h) =>
      html`<tr>
        <td>${when(h.at)}</td>
        <td>${h.by}</td>
        <td>${badge(h.state)}</td>
        <td>${h.why ?? ''}</td>
      </tr>`,
  );
  const notes = i.notes.map(
    (n) => html`<li><span class="muted">${when(n.at)} ${n.by}:</span> ${n.text}</li>`,
  );
  return html`<h2>History</h2>
    ${table(['When', 'Who', 'State', 'Why'], changes, 'No state change yet.', 'history')}
    <h2>Notes</h2>
    ${
      notes.length
        ? html`<ul class="notes">
            ${notes}
          </ul>`
        : html`<p class="muted">No note.</p>`
    }
    <form method="post" action="${pathOf('incidents', i.id, 'notes')}" class="stack" id="form-note">
      ${csrfField(viewer)}
      <label>Note <textarea name="text" maxlength="4000" rows="3" required></textarea></label>
      <button type="submit">Add note</button>
    </form>`;
}
