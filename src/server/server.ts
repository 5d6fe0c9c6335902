/**
 * The HTTP server: the JSON API (/api/v1), the dashboard pages, the EventBridge intake and health.
 * Every route needs a signed-in session or an API token, except `GET /healthz`, the login form and
 * the static files; the intake checks its own shared secret, and the "Was this you?" link its own
 * signature. State changes made with a session
 * need the session's CSRF token (`X-CSRF-Token` header or `_csrf` form field) and a same-origin
 * `Origin` when the browser sends one. The CLI's AppError catalog gives each error its HTTP status.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/index.js';
import { apiTokenFor, cookieValue, sameSecret } from './auth.js';
import type { Session } from './auth.js';
import type { ServerContext } from './context.js';
import { registerApi } from './routes/api.js';
import { registerAuthRoutes, SESSION_COOKIE, unauthorizedPage } from './routes/login.js';
import { registerIntake } from './routes/intake.js';
import { registerPages } from './routes/pages.js';
import { registerStatic } from './routes/static.js';
import { registerWasThisYou } from './routes/was-this-you.js';
import { securityHeaders } from './security.js';

/** Who made a request. */
export interface Principal {
  readonly kind: 'session' | 'token';
  readonly name: string;
  readonly session?: Session;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const OPEN = [
  /^\/healthz$/,
  /^\/login$/,
  /^\/static\//,
  /^\/api\/v1\/intake\//,
  /^\/was-this-you\//,
];
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function isApi(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/');
}

async function authenticate(
  ctx: ServerContext,
  req: FastifyRequest,
): Promise<Principal | undefined> {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    const t = await apiTokenFor(ctx.ws.store, auth.slice(7).trim());
    return t ? { kind: 'token', name: `token:${t.name}` } : undefined;
  }
  const s = ctx.sessions.get(cookieValue(req.headers.cookie, SESSION_COOKIE));
  return s ? { kind: 'session', name: s.user, session: s } : undefined;
}

/** The CSRF token a state-changing request carries. */
function csrfOf(req: FastifyRequest): string | undefined {
  const h = req.headers['x-csrf-token'];
  if (typeof h === 'string') return h;
  const body = req.body as Record<string, unknown> | undefined;
  return typeof body?.['_csrf'] === 'string' ? body['_csrf'] : undefined;
}

/**
 * True unless the browser says the request comes from another origin: this server's own host, or
 * its public URL (`alerts.dashboardUrl`) when a proxy in front rewrites Host.
 */
function sameOrigin(req: FastifyRequest, publicHost: string | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const host = new URL(origin).host;
    return host === req.headers.host || (publicHost !== undefined && host === publicHost);
  } catch {
    return false;
  }
}

async function refuse(req: FastifyRequest, reply: FastifyReply, status: 401 | 403, why: string) {
  if (isApi(req))
    return reply
      .code(status)
      .send({ error: status === 401 ? 'unauthorized' : 'forbidden', message: why });
  return reply.code(status).type('text/html; charset=utf-8').send(unauthorizedPage(why).value);
}

/** Build the server over `ctx` (not listening yet). */
export function createServer(ctx: ServerContext): FastifyInstance {
  const url = ctx.ws.config.alerts.dashboardUrl;
  const publicHost = url ? new URL(url).host : undefined;
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024, trustProxy: false });
  securityHeaders(app);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  app.addHook('preHandler', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (OPEN.some((r) => r.test(path))) return;
    const who = await authenticate(ctx, req);
    if (!who)
      return refuse(req, reply, 401, 'sign in, or send an API token (Authorization: Bearer ks_…)');
    req.principal = who;
    if (SAFE.has(req.method) || who.kind === 'token') return;
    const token = csrfOf(req);
    if (
      !who.session ||
      token === undefined ||
      !sameSecret(token, who.session.csrf) ||
      !sameOrigin(req, publicHost)
    )
      return refuse(
        req,
        reply,
        403,
        'the request lacks this session’s CSRF token (reload the page)',
      );
  });
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AppError) {
      const status = err.httpStatus;
      return isApi(req)
        ? reply.code(status).send({ error: err.code, message: err.message })
        : reply.code(status).type('text/plain; charset=utf-8').send(err.message);
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500)
      return reply.code(status).send({ error: 'bad request', message: (err as Error).message });
    ctx.log(`server: ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
    return reply
      .code(500)
      .send({ error: 'internal', message: 'internal error (see the server log)' });
  });
  app.get('/healthz', (_req, reply) => reply.send({ ok: true }));
  registerStatic(app);
  registerAuthRoutes(app, ctx);
  registerApi(app, ctx);
  registerIntake(app, ctx);
  registerPages(app, ctx);
  registerWasThisYou(app, ctx);
  return app;
}
