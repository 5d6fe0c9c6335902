/**
 * `GET /sources`: the health of each intake path (`ctx.health`: watched folders, the EventBridge
 * push): when it last took something in, its newest event, the lag, and its errors.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext, SourceHealth } from '../../context.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import { duration, sendPage, table, when } from './common.js';

function row(h: SourceHealth): SafeHtml {
  return html`<tr class="${h.errors > 0 ? 'has-errors' : ''}">
    <td>${h.name}</td>
    <td>${h.kind}</td>
    <td>${when(h.lastReceivedAt)}</td>
    <td>${when(h.newestEventTime)}</td>
    <td>${duration(h.lagMs)}</td>
    <td>${h.received}</td>
    <td>${h.errors}</td>
    <td class="error-text">${h.lastError ?? ''}</td>
  </tr>`;
}

/** Register `GET /sources`. */
export function registerSources(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/sources', async (req, reply) => {
    const list = [...ctx.health.values()].sort((a, b) => a.name.localeCompare(b.name));
    const body = html`<h1>Sources</h1>
      ${table(
        [
          'Source',
          'Kind',
          'Last received',
          'Newest event',
          'Lag',
          'Received',
          'Errors',
          'Last error',
        ],
        list.map(row),
        'No intake path is running (server.watch, server.intakeSecret in keysnare.yaml).',
        'sources',
      )}
      <p class="muted">
        ${await ctx.ws.store.countEvents()} events stored. Files ingested with
        <code>keysnare ingest</code> do not appear here; this lists what this server takes in.
      </p>`;
    return sendPage(req, reply, 'Sources', body);
  });
}
