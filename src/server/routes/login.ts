/**
 * Signing in and out of the dashboard. A failed login is counted per address and per user name;
 * past the limit the login answers 429 with Retry-After, whatever the password.
 */
import type { FastifyInstance } from 'fastify';
import { checkPassword } from '../auth.js';
import type { ServerContext } from '../context.js';
import { html } from '../html.js';
import type { SafeHtml } from '../html.js';
import { page } from './layout.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'ks_session';

function loginForm(message?: string): SafeHtml {
  return page(
    'Sign in',
    html`<section class="login">
      <h1>Keysnare</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <form method="post" action="/login">
        <label>User <input name="user" autocomplete="username" required /></label>
        <label
          >Password <input name="password" type="password" autocomplete="current-password" required
        /></label>
        <button type="submit">Sign in</button>
      </form>
    </section>`,
  );
}

/** The page a request without a session gets (status 401). */
export function unauthorizedPage(why: string): SafeHtml {
  return page(
    'Sign in',
    html`<section class="login">
      <h1>Keysnare</h1>
      <p>${why}</p>
      <p><a href="/login">Sign in</a></p>
    </section>`,
  );
}

/** GET/POST /login, POST /logout. */
export function registerAuthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/login', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(loginForm().value),
  );
  app.post('/login', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const user = typeof body['user'] === 'string' ? body['user'].slice(0, 128) : '';
    const password = typeof body['password'] === 'string' ? body['password'].slice(0, 1024) : '';
    const keys = [`ip:${req.ip}`, `user:${user}`];
    const wait = Math.max(...keys.map((k) => ctx.limiter.wait(k)));
    if (wait > 0)
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(wait / 1000)))
        .type('text/html; charset=utf-8')
        .send(loginForm('Too many failed sign-ins; try again later.').value);
    // Counted before the (slow) check, so concurrent guesses cannot all slip under the limit; a
    // success takes its count back.
    for (const k of keys) ctx.limiter.fail(k);
    if (!user || !(await checkPassword(ctx.ws.store, user, password))) {
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(loginForm('Wrong user or password.').value);
    }
    for (const k of keys) ctx.limiter.clear(k);
    const s = ctx.sessions.create(user);
    const maxAge = Math.floor((s.expiresMs - ctx.now().getTime()) / 1000);
    const secure = ctx.secureCookies ? '; Secure' : '';
    return reply
      .header(
        'set-cookie',
        `${SESSION_COOKIE}=${s.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure}`,
      )
      .redirect('/', 303);
  });
  app.post('/logout', async (req, reply) => {
    const s = req.principal?.session;
    if (s) ctx.sessions.end(s.id);
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`)
      .redirect('/login', 303);
  });
}
