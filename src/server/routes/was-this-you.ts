/**
 * `/was-this-you/:id?exp&sig` (no sign-in: the signed link is the capability, signed-link.ts):
 * the canary's owner confirms "I triggered it while investigating", which marks the incident a
 * false positive with who and when; the security team still sees it and its history.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OWNER_LINK_SUFFIX } from '../../core/index.js';
import type { ServerContext } from '../context.js';
import { html } from '../html.js';
import { linkKey, linkProblem } from '../signed-link.js';
import { page } from './layout.js';
import { currentAlerting } from './pages/common.js';

interface Req {
  Params: { id: string };
  Querystring: { rev?: string; exp?: string; sig?: string };
}

/**
 * Why the request's link does not hold: a bad signature, expired, the incident changed since (the
 * revision is signed, so a used link is spent), or the incident is no longer open.
 */
async function check(ctx: ServerContext, req: FastifyRequest<Req>): Promise<string | undefined> {
  const inc = await ctx.ws.store.getIncident(req.params.id);
  const problem = linkProblem(
    await linkKey(ctx.ws.store),
    req.params.id,
    inc?.revision ?? -1,
    req.query,
    ctx.now(),
  );
  if (problem) return problem;
  if (!inc || (inc.state !== 'open' && inc.state !== 'acknowledged'))
    return 'the incident is no longer open: ask the security team';
  return undefined;
}

/** Register the routes. */
export function registerWasThisYou(app: FastifyInstance, ctx: ServerContext): void {
  const send = (
    reply: import('fastify').FastifyReply,
    status: number,
    title: string,
    body: import('../html.js').SafeHtml,
  ) => reply.code(status).type('text/html; charset=utf-8').send(page(title, body).value);
  const refused = (reply: import('fastify').FastifyReply, problem: string) =>
    send(
      reply,
      403,
      'Link not valid',
      html`<section class="login">
        <h1>Keysnare</h1>
        <p>${problem}.</p>
      </section>`,
    );
  app.get<Req>('/was-this-you/:id', async (req, reply) => {
    const problem = await check(ctx, req);
    if (problem) return refused(reply, problem);
    const inc = await ctx.ws.store.getIncident(req.params.id);
    if (!inc)
      return send(
        reply,
        404,
        'Not found',
        html`<section class="login"><p>No such incident.</p></section>`,
      );
    return send(
      reply,
      200,
      'Was this you?',
      html`<section class="login">
        <h1>Was this you?</h1>
        <p>${inc.title}</p>
        <p>First seen ${inc.firstSeen}.</p>
        <form
          method="post"
          action="/was-this-you/${inc.id}?rev=${req.query.rev ?? ''}&amp;exp=${req.query.exp ?? ''}&amp;sig=${req.query.sig ?? ''}"
        >
          <label>Your name <input name="name" required maxlength="100" /></label>
          <button type="submit">Yes: I triggered it while investigating</button>
        </form>
        <p>If it was not you, do nothing: the security team is already on it.</p>
      </section>`,
    );
  });
  app.post<Req>('/was-this-you/:id', async (req, reply) => {
    const problem = await check(ctx, req);
    if (problem) return refused(reply, problem);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name =
      typeof body['name'] === 'string' && body['name'].trim()
        ? body['name'].trim().slice(0, 100)
        : 'the token owner';
    const { setIncidentState } = await import('../../pipeline/index.js');
    const alerting = await currentAlerting(ctx);
    await ctx.serial(() =>
      setIncidentState(
        alerting,
        req.params.id,
        'false-positive',
        `${name}${OWNER_LINK_SUFFIX}`,
        'I triggered it while investigating',
      ),
    );
    return send(
      reply,
      200,
      'Thank you',
      html`<section class="login">
        <h1>Thank you</h1>
        <p>
          The incident is marked a false positive in your name. The security team still sees it.
        </p>
      </section>`,
    );
  });
}
