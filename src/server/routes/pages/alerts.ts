/**
 * `GET /alerts`: each configured sink with its pending, delivered and dead counts, and the outbox
 * (dead letters first, then pending, then delivered, newest first within each), each dead alert
 * with a retry button; `POST /alerts/:id/retry` queues it again (CSRF-checked by the server).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Alert, AlertStatus } from '../../../core/index.js';
import type { ServerContext } from '../../context.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import { csrfField } from '../layout.js';
import type { Viewer } from '../layout.js';
import {
  badge,
  link,
  paramOf,
  pathOf,
  sendActionError,
  sendPage,
  table,
  viewerOf,
  when,
} from './common.js';

const ORDER: readonly AlertStatus[] = ['dead', 'pending', 'delivered'];
/** The most outbox rows shown. */
const SHOWN = 500;

function sinkRows(ctx: ServerContext, alerts: readonly Alert[]): SafeHtml[] {
  return Object.entries(ctx.ws.config.alerts.sinks).map(([name, s]) => {
    const n = (status: AlertStatus) =>
      alerts.filter((a) => a.sink === name && a.status === status).length;
    return html`<tr>
      <td>${name}</td>
      <td>${s.type}</td>
      <td>${n('pending')}</td>
      <td>${n('delivered')}</td>
      <td>${n('dead')}</td>
    </tr>`;
  });
}

function outboxRow(a: Alert, viewer: Viewer): SafeHtml {
  const retry =
    a.status === 'dead'
      ? html`<form method="post" action="${pathOf('alerts', a.id, 'retry')}" class="inline">
          ${csrfField(viewer)}<button type="submit">Retry</button>
        </form>`
      : '';
  return html`<tr class="alert-${a.status}">
    <td><code>${a.id}</code></td>
    <td>${a.sink}</td>
    <td>${link(pathOf('incidents', a.incidentId), a.message.title)}</td>
    <td>${a.kind}</td>
    <td>${badge(a.status)} ${retry}</td>
    <td>${a.attempts}</td>
    <td>${when(a.createdAt)}</td>
    <td>${a.status === 'delivered' ? when(a.deliveredAt) : when(a.nextAttemptAt)}</td>
    <td class="error-text">${a.lastError ?? ''}</td>
  </tr>`;
}

/** Dead first, then pending, then delivered; newest first within each. */
function outboxOrder(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || b.createdAt.localeCompare(a.createdAt),
  );
}

async function alertsPage(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply) {
  const alerts = await ctx.ws.store.listAlerts();
  const shown = outboxOrder(alerts).slice(0, SHOWN);
  const viewer = viewerOf(req);
  const body = html`<h1>Alerts</h1>
    <h2>Sinks</h2>
    ${table(
      ['Sink', 'Type', 'Pending', 'Delivered', 'Dead'],
      sinkRows(ctx, alerts),
      'No sink is configured (alerts.sinks in keysnare.yaml).',
      'sinks',
    )}
    <h2>Outbox</h2>
    ${table(
      [
        'Alert',
        'Sink',
        'Incident',
        'Kind',
        'Status',
        'Attempts',
        'Queued',
        'Next / delivered',
        'Last error',
      ],
      shown.map((a) => outboxRow(a, viewer)),
      'The outbox is empty.',
      'outbox',
    )}
    ${alerts.length > SHOWN ? html`<p class="muted">The first ${SHOWN} of ${alerts.length}.</p>` : ''}`;
  return sendPage(req, reply, 'Alerts', body);
}

/** Register `GET /alerts` and `POST /alerts/:id/retry`. */
export function registerAlerts(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/alerts', (req, reply) => alertsPage(ctx, req, reply));
  app.post('/alerts/:id/retry', async (req, reply) => {
    const { retryAlert } = await import('../../../pipeline/index.js');
    try {
      await ctx.serial(() => retryAlert(ctx.ws.store, paramOf(req, 'id'), ctx.now()));
    } catch (err) {
      return sendActionError(req, reply, err, '/alerts');
    }
    return reply.redirect('/alerts', 303);
  });
}
