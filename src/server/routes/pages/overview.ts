/**
 * `GET /`: open incidents (most severe first), the canaries that were triggered, and the activity
 * chart (drawn by /static/app.js from a JSON data element: no inline script).
 */
import type { FastifyInstance } from 'fastify';
import type { Incident, Token } from '../../../core/index.js';
import { describePlacement } from '../../../core/index.js';
import type { ServerContext } from '../../context.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import { activityChart, HOURS } from './activity.js';
import { badge, jsonData, link, pathOf, sendPage, severityRank, table, when } from './common.js';

/** Open incidents, most severe first, then most recent. */
export function bySeverity(incidents: readonly Incident[]): Incident[] {
  return [...incidents].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) || b.lastSeen.localeCompare(a.lastSeen),
  );
}

function openList(open: readonly Incident[]): SafeHtml {
  const rows = bySeverity(open).map(
    (i) =>
      html`<tr>
        <td>${badge(i.severity)}</td>
        <td>${link(pathOf('incidents', i.id), i.title)}</td>
        <td>${i.kind}</td>
        <td>${i.eventCount}</td>
        <td>${when(i.lastSeen)}</td>
      </tr>`,
  );
  return table(
    ['Severity', 'Incident', 'Kind', 'Events', 'Last seen'],
    rows,
    'No open incidents.',
    'open-incidents',
  );
}

interface Triggered {
  readonly token: Token | undefined;
  readonly tokenId: string;
  readonly incidents: number;
  readonly lastSeen: string;
}

/** Tokens with at least one canary incident, most recent first. */
function triggered(incidents: readonly Incident[], tokens: readonly Token[]): Triggered[] {
  const byId = new Map<string, Triggered>();
  for (const i of incidents) {
    if (i.kind !== 'canary' || !i.tokenId) continue;
    const had = byId.get(i.tokenId);
    byId.set(i.tokenId, {
      token: tokens.find((t) => t.id === i.tokenId),
      tokenId: i.tokenId,
      incidents: (had?.incidents ?? 0) + 1,
      lastSeen: had && had.lastSeen > i.lastSeen ? had.lastSeen : i.lastSeen,
    });
  }
  return [...byId.values()].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
}

function triggeredList(list: readonly Triggered[]): SafeHtml {
  const rows = list.map(
    (t) =>
      html`<tr>
        <td>${link(pathOf('tokens', t.tokenId), t.token?.label ?? t.tokenId)}</td>
        <td><code>${t.token?.accessKeyId ?? ''}</code></td>
        <td>${describePlacement(t.token?.placement)}</td>
        <td>${t.incidents}</td>
        <td>${when(t.lastSeen)}</td>
      </tr>`,
  );
  return table(
    ['Canary', 'Access key', 'Placement', 'Incidents', 'Last seen'],
    rows,
    'No canary has been used.',
  );
}

/** Register `GET /`. */
export function registerOverview(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/', async (req, reply) => {
    const store = ctx.ws.store;
    const incidents = await store.listIncidents();
    const open = incidents.filter((i) => i.state === 'open');
    const hit = triggered(incidents, await store.list({ status: 'all' }));
    const chart = await activityChart(store, ctx.now());
    const body = html`<h1>Overview</h1>
      <div class="cards">
        <div class="card">
          <span class="num" id="open-count">${open.length}</span> open incidents
        </div>
        <div class="card"><span class="num">${hit.length}</span> canaries triggered</div>
        <div class="card"><span class="num">${await store.countEvents()}</span> events stored</div>
      </div>
      <h2>Open incidents</h2>
      ${openList(open)}
      <h2>Canaries triggered</h2>
      ${triggeredList(hit)}
      <h2>Activity, per hour</h2>
      <p class="muted">
        The ${HOURS} hours up to the newest
        activity.${chart.capped ? ' Only the first 200,000 events of the range were counted.' : ''}
      </p>
      <div class="chart"><canvas id="activity" data-chart="activity-data"></canvas></div>
      ${jsonData('activity-data', { labels: chart.labels, datasets: chart.datasets })}`;
    return sendPage(req, reply, 'Overview', body, { scripts: ['chart.js', 'app.js'] });
  });
}
