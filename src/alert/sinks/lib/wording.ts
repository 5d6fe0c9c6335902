/**
 * How the sinks word each kind of alert, in one place so that Slack, Teams, email, PagerDuty,
 * Opsgenie and Jira say the same thing the same way. Every string here is constant: none is
 * attacker-controlled. Syslog's shorter leads stay in syslog.ts (one log line, no room for more).
 */
import type { AlertKind, AlertMessage } from '../../../core/index.js';
import { safeText } from '../../../core/index.js';
import { clip } from './text.js';

/** Each kind's short label, as headlines and summaries show it (`[Updated] …`, `Resolved: …`). */
export const KIND_LABEL: Readonly<Record<AlertKind, string>> = {
  opened: 'New incident',
  updated: 'Updated',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  'false-positive': 'False positive',
  reopened: 'Reopened',
  test: 'TEST',
};

/** Each kind's status line in a chat message (email says `send mail` instead of `post`). */
export const KIND_LINE: Readonly<Record<AlertKind, string>> = {
  opened: 'New incident',
  updated: 'Incident updated: more activity',
  acknowledged: 'Incident acknowledged',
  resolved: 'Incident resolved',
  'false-positive': 'Incident marked a false positive',
  reopened: 'Incident reopened: activity after it was closed',
  test: 'TEST ALERT: nothing happened; this checks that Keysnare can post here',
};

/** The first sentence of a ticket, a paging note or a comment for each kind. */
export const KIND_SENTENCE: Readonly<Record<AlertKind, string>> = {
  opened: 'Keysnare opened this incident.',
  updated: 'The incident has new activity in Keysnare.',
  reopened: 'The incident was reopened in Keysnare: there is new activity after it was closed.',
  acknowledged: 'The incident was acknowledged in Keysnare.',
  resolved: 'The incident was resolved in Keysnare.',
  'false-positive': 'The incident was marked as a false positive in Keysnare.',
  test: 'TEST alert from Keysnare: it only checks this sink; nothing happened.',
};

/**
 * How a paging or ticket summary starts: nothing for a first alert (it starts with its title),
 * `[Label] ` for the rest.
 *
 * @example
 * kindPrefix('false-positive') // '[False positive] '
 */
export function kindPrefix(kind: AlertKind): string {
  return kind === 'opened' ? '' : `[${KIND_LABEL[kind]}] `;
}

/**
 * A chat headline before escaping: `[TEST] title` for a test, `[CRITICAL] title` for a first
 * alert, `[CRITICAL] Resolved: title` for a follow-up.
 */
export function chatHeadline(m: AlertMessage): string {
  if (m.kind === 'test') return `[TEST] ${m.title}`;
  const sev = `[${m.severity.toUpperCase()}]`;
  return m.kind === 'opened' ? `${sev} ${m.title}` : `${sev} ${KIND_LABEL[m.kind]}: ${m.title}`;
}

/**
 * `keysnare-<incident id>`, the same for every alert of an incident (PagerDuty's dedup key,
 * Opsgenie's alias): inert, cut to `max` without a mark (it is a key, not text to read).
 */
export function incidentKey(m: AlertMessage, max: number): string {
  return clip(safeText(`keysnare-${m.incidentId}`), max, '');
}
