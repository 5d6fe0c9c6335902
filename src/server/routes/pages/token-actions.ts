/**
 * The canary actions of the dashboard, each a form POST carrying the session's CSRF token:
 * - `POST /tokens/mint`: mint one canary with the form's placement, through the same app.ts ports
 *   and tokens/mint.ts code as `keysnare token mint` (pending mints are resumed first);
 * - `POST /tokens/:id/render`: show the bait of a format as text (it holds the secret, so it is a
 *   POST, answered with the page itself and never cached; the custody history records who saw it);
 * - `POST /tokens/:id/retire`: delete a minted canary in AWS, then retire it (as `token retire`).
 * AWS and store work runs through the server's queue.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Placement } from '../../../core/index.js';
import { AppError } from '../../../core/index.js';
import type { ServerContext } from '../../context.js';
import { actorOf, fieldOf, paramOf, pathOf, sendActionError } from './common.js';
import { baitSection } from './token-detail.js';
import { sendTokenPage } from './tokens.js';

/** The placement and label a mint form gives (checked like `--placement`). */
async function mintRequest(req: FastifyRequest): Promise<{ placement: Placement; label?: string }> {
  const { placementFromObject, placementValueProblem } =
    await import('../../../tokens/placement.js');
  const given: Record<string, string> = {};
  for (const k of ['host', 'path', 'owner', 'notes']) {
    const v = fieldOf(req, k, 2000);
    if (v !== undefined) given[k] = v;
  }
  const placement = placementFromObject(given);
  const label = fieldOf(req, 'label', 200);
  const problem = label === undefined ? undefined : placementValueProblem('label', label);
  if (problem) throw new AppError('KS_USAGE', { reason: problem });
  return { placement, ...(label !== undefined ? { label } : {}) };
}

/** What minting and retiring need, for the signed-in actor. */
async function awsDeps(ctx: ServerContext, actor: string, createKey: boolean) {
  const app = await import('../../../app.js');
  const ws = ctx.ws;
  const iam = await app.createIam(ws.config);
  const secrets = await app.secretsFor(ws, undefined, createKey);
  return {
    iam,
    store: ws.store,
    seal: secrets.seal,
    canary: ws.config.canary,
    actor,
    now: ctx.now,
    log: (line: string) => ctx.log(`dashboard: ${line}`),
  };
}

async function mint(ctx: ServerContext, req: FastifyRequest): Promise<string> {
  const request = await mintRequest(req);
  if (ctx.ws.config.canary.secrets.mode === 'none')
    throw new AppError('KS_USAGE', {
      reason:
        'canary.secrets.mode is none: the secret would be lost; mint with `keysnare token mint --out DIR`',
    });
  const app = await import('../../../app.js');
  const { managementArn } = await import('../../../aws/sts.js');
  const { mintToken, resumePendingMints } = await import('../../../tokens/mint.js');
  return ctx.serial(async () => {
    const deps = await awsDeps(ctx, actorOf(req), true);
    const caller = await (await app.createSts(ctx.ws.config)).getCallerIdentity();
    await app.recordManagementPrincipal(ctx.ws, managementArn(caller.arn));
    await resumePendingMints(deps);
    const m = await mintToken(deps, request);
    return m.token.id;
  });
}

async function render(ctx: ServerContext, req: FastifyRequest, id: string): Promise<string> {
  const app = await import('../../../app.js');
  const { findBaitFormat } = await import('../../../tokens/bait/index.js');
  const { pickProfileName, pickRegion } = await import('../../../tokens/bait/bait.js');
  const bait = findBaitFormat(fieldOf(req, 'format', 100) ?? '');
  const t = await ctx.ws.store.get(id);
  if (!t) throw new AppError('KS_TOKEN_NOT_FOUND', { id });
  const secret = await (await app.secretsFor(ctx.ws, undefined, false)).open(t.id);
  if (!secret)
    throw new AppError('KS_TOKEN_INVALID', {
      where: t.id,
      reason: 'no stored secret (registered elsewhere, minted with secrets.mode none, or retired)',
    });
  const text = bait.render({
    accessKeyId: t.accessKeyId,
    secretAccessKey: secret,
    region: pickRegion(t.id),
    profile: pickProfileName(t.id),
    seed: t.id,
    ...(t.userName ? { userName: t.userName } : {}),
  });
  const at = ctx.now().toISOString();
  await ctx.serial(() =>
    ctx.ws.store.update(
      t.id,
      {},
      {
        at,
        actor: actorOf(req),
        action: 'updated',
        note: `bait rendered on the dashboard (${bait.id})`,
      },
    ),
  );
  return text;
}

async function retire(ctx: ServerContext, req: FastifyRequest, id: string): Promise<void> {
  const { findToken, retireInRegistry } = await import('../../../tokens/registry.js');
  const { retireInAws } = await import('../../../tokens/lifecycle.js');
  const note = fieldOf(req, 'note', 500);
  await ctx.serial(async () => {
    const t = await findToken(ctx.ws.store, id);
    if (t.origin === 'minted')
      await retireInAws(await awsDeps(ctx, actorOf(req), false), t.id, note);
    else await retireInRegistry(ctx.ws.store, t.id, actorOf(req), ctx.now(), note);
  });
}

async function guarded(
  req: FastifyRequest,
  reply: FastifyReply,
  back: string,
  fn: () => Promise<FastifyReply>,
): Promise<FastifyReply> {
  try {
    return await fn();
  } catch (err) {
    return sendActionError(req, reply, err, back);
  }
}

/** Register the canary actions. */
export function registerTokenActions(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/tokens/mint', (req, reply) =>
    guarded(req, reply, '/tokens', async () =>
      reply.redirect(pathOf('tokens', await mint(ctx, req)), 303),
    ),
  );
  app.post('/tokens/:id/render', (req, reply) => {
    const id = paramOf(req, 'id');
    return guarded(req, reply, pathOf('tokens', id), async () => {
      const text = await render(ctx, req, id);
      const format = fieldOf(req, 'format', 100) ?? '';
      return sendTokenPage(ctx, req, reply, id, baitSection(format, text));
    });
  });
  app.post('/tokens/:id/retire', (req, reply) => {
    const id = paramOf(req, 'id');
    return guarded(req, reply, pathOf('tokens', id), async () => {
      await retire(ctx, req, id);
      return reply.redirect(pathOf('tokens', id), 303);
    });
  });
}
