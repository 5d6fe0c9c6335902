/**
 * The triage actions: `POST /incidents/:id/{ack,false-positive,resolve,reopen}` (with an optional
 * note; a false positive needs its reason) and `POST /incidents/:id/notes`. The server's hook has
 * already refused a post without the session's CSRF token (403); each change runs through the
 * server's queue and answers 303 back to the incident.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../core/index.js';
import type { IncidentState } from '../../../core/index.js';
import type { ServerContext } from '../../context.js';
import { actorOf, currentAlerting, fieldOf, paramOf, pathOf, sendActionError } from './common.js';
import { STATE_ACTIONS } from './incident-forms.js';

async function setState(
  ctx: ServerContext,
  req: FastifyRequest,
  state: IncidentState,
  needsReason: boolean,
): Promise<void> {
  const note = fieldOf(req, 'note');
  if (needsReason && !note)
    throw new AppError('KS_USAGE', { reason: 'say why it is a false positive' });
  const { setIncidentState } = await import('../../../pipeline/index.js');
  const deps = await currentAlerting(ctx);
  await ctx.serial(() => setIncidentState(deps, paramOf(req, 'id'), state, actorOf(req), note));
}

async function addNote(ctx: ServerContext, req: FastifyRequest): Promise<void> {
  const text = fieldOf(req, 'text');
  if (!text) throw new AppError('KS_USAGE', { reason: 'the note is empty' });
  const { addIncidentNote } = await import('../../../pipeline/index.js');
  const deps = await currentAlerting(ctx);
  await ctx.serial(() => addIncidentNote(deps, paramOf(req, 'id'), actorOf(req), text));
}

async function thenBack(
  req: FastifyRequest,
  reply: FastifyReply,
  work: () => Promise<void>,
): Promise<FastifyReply> {
  const back = pathOf('incidents', paramOf(req, 'id'));
  try {
    await work();
  } catch (err) {
    return sendActionError(req, reply, err, back);
  }
  return reply.redirect(back, 303);
}

/** Register the triage actions. */
export function registerIncidentActions(app: FastifyInstance, ctx: ServerContext): void {
  for (const a of STATE_ACTIONS)
    app.post(`/incidents/:id/${a.action}`, (req, reply) =>
      thenBack(req, reply, () => setState(ctx, req, a.state, a.action === 'false-positive')),
    );
  app.post('/incidents/:id/notes', (req, reply) => thenBack(req, reply, () => addNote(ctx, req)));
}
