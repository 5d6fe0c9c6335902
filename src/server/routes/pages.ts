/**
 * The dashboard's pages, server-rendered, one file per page under pages/ (docs/dashboard.md):
 * every CloudTrail string goes through html.ts's escaping, charts read JSON data elements from
 * /static/app.js (the CSP allows no inline script or style), and every state change is a form
 * POST carrying the session's CSRF token, answered 303 back to the page it came from.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { registerAlerts } from './pages/alerts.js';
import { registerCheckKey } from './pages/check-key.js';
import { registerIncidentActions } from './pages/incident-actions.js';
import { registerIncidents } from './pages/incidents.js';
import { registerOverview } from './pages/overview.js';
import { registerRules } from './pages/rules.js';
import { registerSources } from './pages/sources.js';
import { registerTokenActions } from './pages/token-actions.js';
import { registerTokens } from './pages/tokens.js';

export { viewerOf } from './pages/common.js';

/** Each page's routes, in navigation order. */
const PAGES = [
  registerOverview,
  registerIncidents,
  registerIncidentActions,
  registerTokens,
  registerTokenActions,
  registerRules,
  registerAlerts,
  registerSources,
  registerCheckKey,
] as const satisfies readonly ((app: FastifyInstance, ctx: ServerContext) => void)[];

/** Register the pages. */
export function registerPages(app: FastifyInstance, ctx: ServerContext): void {
  for (const register of PAGES) register(app, ctx);
}
