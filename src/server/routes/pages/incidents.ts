/**
 * `GET /incidents` (filtered by `?state=`) and `GET /incidents/:id`, the triage page built from
 * the same triage view as `keysnare incidents show` and `GET /api/v1/incidents/:id`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Incident, IncidentState } from '../../../core/index.js';
import { AppError, INCIDENT_STATES } from '../../../core/index.js';
import type { ServerContext } from '../../context.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import {
  badge,
  currentAlerting,
  link,
  paramOf,
  pathOf,
  queryOf,
  sendPage,
  table,
  viewerOf,
  when,
} from './common.js';
import { triagePage } from './incident-detail.js';

/** Hours of activity around an incident its timeline shows. */
const AROUND_HOURS = 24;

function stateOf(req: FastifyRequest): IncidentState | undefined {
  const s = queryOf(req, 'state');
  if (s === undefined || s === '') return undefined;
  if (!(INCIDENT_STATES as readonly string[]).includes(s))
    throw new AppError('KS_USAGE', {
      reason: `state must be one of ${INCIDENT_STATES.join(', ')}`,
    });
  return s as IncidentState;
}

function filters(current: IncidentState | undefined): SafeHtml {
  const item = (label: string, href: string, on: boolean) =>
    html`<li>${on ? html`<strong>${label}</strong>` : link(href, label)}</li>`;
  return html`<ul class="filters">
    ${item('all', '/incidents', current === undefined)}
    ${INCIDENT_STATES.map((s) => item(s, `/incidents?state=${s}`, current === s))}
  </ul>`;
}

function row(i: Incident): SafeHtml {
  return html`<tr>
    <td>${badge(i.severity)}</td>
    <td>
      ${link(pathOf('incidents', i.id), i.title)}${i.quiet ? html` <span class="muted">(quiet)</span>` : ''}
    </td>
    <td>${i.kind}</td>
    <td>${badge(i.state)}</td>
    <td>${i.eventCount}</td>
    <td>${when(i.firstSeen)}</td>
    <td>${when(i.lastSeen)}</td>
  </tr>`;
}

async function list(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply) {
  const state = stateOf(req);
  const incidents = await ctx.ws.store.listIncidents({
    limit: 1000,
    ...(state ? { state } : {}),
  });
  const body = html`<h1>Incidents</h1>
    ${filters(state)}
    ${table(
      ['Severity', 'Incident', 'Kind', 'State', 'Events', 'First seen', 'Last seen'],
      incidents.map(row),
      state ? `No ${state} incident.` : 'No incident yet.',
      'incidents',
    )}
    <p class="muted">Most recent activity first; at most 1,000 are listed.</p>`;
  return sendPage(req, reply, 'Incidents', body);
}

async function detail(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply) {
  const { triageView } = await import('../../../pipeline/index.js');
  const view = await triageView(await currentAlerting(ctx), paramOf(req, 'id'), AROUND_HOURS);
  return sendPage(req, reply, view.incident.title, triagePage(view, viewerOf(req)));
}

/** Register the incident pages. */
export function registerIncidents(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/incidents', (req, reply) => list(ctx, req, reply));
  app.get('/incidents/:id', (req, reply) => detail(ctx, req, reply));
}
