/**
 * The JSON API, version 1. Each route is one entry of {@link API_ROUTES}: the server registers
 * them and docs/openapi.json is generated from the same list (scripts/gen-docs.ts fails the build
 * when it drifts). Incidents, findings, tokens, rules, alerts, sinks and status; the intake is in
 * intake.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, INCIDENT_STATES } from '../../core/index.js';
import type { IncidentState } from '../../core/index.js';
import type { ServerContext } from '../context.js';
import { currentAlerting } from './pages/common.js';

/** A parameter of a route (path or query). */
export interface ApiParam {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly description: string;
  readonly enum?: readonly string[];
  readonly type?: 'string' | 'integer';
}

/** One API route. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** Fastify form (`:id`); OpenAPI gets `{id}`. */
  readonly url: string;
  readonly summary: string;
  readonly params?: readonly ApiParam[];
  /** The JSON body's properties, for POST routes. */
  readonly body?: Readonly<Record<string, { type: 'string'; description: string }>>;
  readonly handler: (ctx: ServerContext, req: FastifyRequest) => Promise<unknown>;
}

const ID: ApiParam = { name: 'id', in: 'path', description: 'the id' };
const LIMIT: ApiParam = {
  name: 'limit',
  in: 'query',
  type: 'integer',
  description: 'at most this many (default 1000)',
};

function query(req: FastifyRequest): Record<string, string | undefined> {
  return (req.query ?? {}) as Record<string, string | undefined>;
}

function param(req: FastifyRequest, name: string): string {
  const v = (req.params as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
}

function limitOf(req: FastifyRequest): number {
  const v = query(req)['limit'];
  if (v === undefined) return 1000;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new AppError('KS_USAGE', { reason: 'limit must be an integer from 1 to 100000' });
  return n;
}

function bodyText(req: FastifyRequest, name: string, max = 4000): string | undefined {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' && v.trim() !== '' ? v.slice(0, max) : undefined;
}

function by(req: FastifyRequest): string {
  return req.principal?.name ?? 'unknown';
}

function stateRoute(action: string, state: IncidentState): ApiRoute {
  return {
    method: 'POST',
    url: `/api/v1/incidents/:id/${action}`,
    summary: `Move the incident to ${state} (a follow-up alert goes to its sinks)`,
    params: [ID],
    body: { note: { type: 'string', description: 'why (kept in the history)' } },
    handler: async (ctx, req) => {
      const { setIncidentState } = await import('../../pipeline/index.js');
      const alerting = await currentAlerting(ctx);
      const r = await ctx.serial(() =>
        setIncidentState(alerting, param(req, 'id'), state, by(req), bodyText(req, 'note')),
      );
      return { incident: r.incident, changed: r.changed, alertsQueued: r.alerts.length };
    },
  };
}

/** Every API route. */
export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    url: '/api/v1/status',
    summary: 'Counts of incidents, findings, events and alerts, and the health of each intake path',
    handler: async (ctx) => {
      const { workspaceCounts } = await import('../../pipeline/index.js');
      return { ...(await workspaceCounts(ctx.ws.store)), sources: [...ctx.health.values()] };
    },
  },
  {
    method: 'GET',
    url: '/api/v1/incidents',
    summary: 'Incidents, most recent activity first',
    params: [
      { name: 'state', in: 'query', enum: INCIDENT_STATES, description: 'only this state' },
      LIMIT,
    ],
    handler: async (ctx, req) => {
      const state = query(req)['state'];
      if (state !== undefined && !(INCIDENT_STATES as readonly string[]).includes(state))
        throw new AppError('KS_USAGE', {
          reason: `state must be one of ${INCIDENT_STATES.join(', ')}`,
        });
      return ctx.ws.store.listIncidents({
        limit: limitOf(req),
        ...(state ? { state: state as IncidentState } : {}),
      });
    },
  },
  {
    method: 'GET',
    url: '/api/v1/incidents/:id',
    summary: 'The triage view of an incident: timeline, custody, runbook, who else did this',
    params: [
      ID,
      { name: 'around', in: 'query', type: 'integer', description: 'hours around it (default 24)' },
    ],
    handler: async (ctx, req) => {
      const { triageView } = await import('../../pipeline/index.js');
      const around = Number(query(req)['around'] ?? 24);
      if (!(around >= 0 && around <= 2160))
        throw new AppError('KS_USAGE', { reason: 'around must be hours from 0 to 2160' });
      return triageView(await currentAlerting(ctx), param(req, 'id'), around);
    },
  },
  stateRoute('ack', 'acknowledged'),
  stateRoute('resolve', 'resolved'),
  stateRoute('false-positive', 'false-positive'),
  stateRoute('reopen', 'open'),
  {
    method: 'POST',
    url: '/api/v1/incidents/:id/notes',
    summary: 'Add a note to an incident',
    params: [ID],
    body: { text: { type: 'string', description: 'the note' } },
    handler: async (ctx, req) => {
      const text = bodyText(req, 'text');
      if (!text) throw new AppError('KS_USAGE', { reason: 'text is required' });
      const { addIncidentNote } = await import('../../pipeline/index.js');
      const alerting = await currentAlerting(ctx);
      return ctx.serial(() => addIncidentNote(alerting, param(req, 'id'), by(req), text));
    },
  },
  {
    method: 'GET',
    url: '/api/v1/findings',
    summary: 'Findings, newest first',
    params: [{ name: 'rule', in: 'query', description: 'only this rule' }, LIMIT],
    handler: async (ctx, req) => {
      const rule = query(req)['rule'];
      return ctx.ws.store.listFindings({ limit: limitOf(req), ...(rule ? { rule } : {}) });
    },
  },
  {
    method: 'GET',
    url: '/api/v1/tokens',
    summary: 'Canary tokens (never their secrets), active and retired',
    handler: async (ctx) => ctx.ws.store.list({ status: 'all' }),
  },
  {
    method: 'GET',
    url: '/api/v1/tokens/:id/custody',
    summary: "A token's chain of custody",
    params: [ID],
    handler: async (ctx, req) => {
      const t = await ctx.ws.store.get(param(req, 'id'));
      if (!t) throw new AppError('KS_TOKEN_NOT_FOUND', { id: param(req, 'id') });
      return ctx.ws.store.custody(t.id);
    },
  },
  {
    method: 'GET',
    url: '/api/v1/rules',
    summary: 'The rules with their settings and how many findings each has',
    handler: async (ctx) => {
      const { listRules } = await import('../../app.js');
      const counts = new Map<string, number>();
      for (const f of await ctx.ws.store.listFindings({}))
        counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
      return (await listRules(ctx.ws.home)).map((r) => ({ ...r, findings: counts.get(r.id) ?? 0 }));
    },
  },
  {
    method: 'GET',
    url: '/api/v1/alerts',
    summary: 'The alert outbox, oldest first',
    params: [
      {
        name: 'status',
        in: 'query',
        enum: ['pending', 'delivered', 'dead'],
        description: 'only this status',
      },
      LIMIT,
    ],
    handler: async (ctx, req) => {
      const status = query(req)['status'];
      if (status !== undefined && !['pending', 'delivered', 'dead'].includes(status))
        throw new AppError('KS_USAGE', { reason: 'status must be pending, delivered or dead' });
      return ctx.ws.store.listAlerts({
        limit: limitOf(req),
        ...(status ? { status: status as 'pending' | 'delivered' | 'dead' } : {}),
      });
    },
  },
  {
    method: 'POST',
    url: '/api/v1/alerts/:id/retry',
    summary: 'Queue a dead alert again (the dispatcher delivers it shortly)',
    params: [ID],
    handler: async (ctx, req) => {
      const { retryAlert } = await import('../../pipeline/index.js');
      return ctx.serial(() => retryAlert(ctx.ws.store, param(req, 'id'), ctx.now()));
    },
  },
  {
    method: 'GET',
    url: '/api/v1/sinks',
    summary: 'The configured sinks (names and types only: their options hold secrets)',
    handler: async (ctx) => {
      const alerts = await ctx.ws.store.listAlerts();
      return Object.entries(ctx.ws.config.alerts.sinks).map(([name, s]) => ({
        name,
        type: s.type,
        pending: alerts.filter((a) => a.sink === name && a.status === 'pending').length,
        dead: alerts.filter((a) => a.sink === name && a.status === 'dead').length,
        delivered: alerts.filter((a) => a.sink === name && a.status === 'delivered').length,
      }));
    },
  },
];

/** Register {@link API_ROUTES} on `app`. */
export function registerApi(app: FastifyInstance, ctx: ServerContext): void {
  for (const r of API_ROUTES) {
    const handler = async (req: FastifyRequest) => r.handler(ctx, req);
    if (r.method === 'GET') app.get(r.url, handler);
    else app.post(r.url, handler);
  }
}
