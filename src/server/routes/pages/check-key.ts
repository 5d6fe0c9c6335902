/**
 * "What is this key?" (`GET/POST /check-key`): a signed-in employee who found an AWS access key id
 * pastes it (never the secret). A canary's answer names its owner and asks where it was found; the
 * check is kept in the canary's custody history as a possible exposure of its placement. Any other
 * key gets the same short answer whatever Keysnare knows of it, so the page tells nothing more.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Token } from '../../../core/index.js';
import { describePlacement, isAccessKeyIdShape } from '../../../core/index.js';
import type { ServerContext } from '../../context.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import { csrfField } from '../layout.js';
import { actorOf, fieldOf, sendPage, viewerOf } from './common.js';

const KEY_ID = /^A[KS]IA[A-Z0-9]{16}$/;
/** A secret access key's shape: 40 base64 characters. */
const SECRET = /^[A-Za-z0-9/+]{40}$/;

/** The canary `keyId` is (its current key, a key rotated away, a session key made from it). */
async function findCanary(ctx: ServerContext, keyId: string): Promise<Token | undefined> {
  const store = ctx.ws.store;
  const direct = await store.getByAccessKeyId(keyId);
  if (direct) return direct;
  const fact = (await store.facts()).find(
    (f) => (f.kind === 'previous-key' || f.kind === 'session-key') && f.value === keyId,
  );
  return fact ? store.get(fact.tokenId) : undefined;
}

function form(req: FastifyRequest, answer: SafeHtml | string = ''): SafeHtml {
  return html`<h1>What is this key?</h1>
    <p>
      Found an AWS access key id somewhere it should not be (a repository, a ticket, a chat)? Paste
      the access key id (AKIA… or ASIA…, 20 characters) to learn whether it is one of ours.
      <strong>Never paste the secret access key.</strong>
    </p>
    <form method="post" action="/check-key" class="inline" id="check-form">
      ${csrfField(viewerOf(req))}
      <label
        >Access key id
        <input name="accessKeyId" maxlength="128" autocomplete="off" spellcheck="false" required
      /></label>
      <button type="submit">Check</button>
    </form>
    ${answer}`;
}

function canaryAnswer(t: Token): SafeHtml {
  const owner = t.placement?.owner ?? 'the security team';
  return html`<section class="answer canary" role="status">
    <p>
      <strong
        >This is a security canary placed by ${owner}: please report where you found it.</strong
      >
    </p>
    <p>
      Keysnare treats this as a possible exposure of its placement
      (${describePlacement(t.placement)}); your check is recorded in the canary's custody history.
    </p>
  </section>`;
}

async function check(ctx: ServerContext, req: FastifyRequest): Promise<SafeHtml> {
  const raw = (fieldOf(req, 'accessKeyId', 128) ?? '').replace(/\s+/g, '');
  if (SECRET.test(raw) && !KEY_ID.test(raw))
    return html`<p class="error" role="alert">
      That looks like a secret access key: it was not kept. Give only the access key id.
    </p>`;
  const keyId = raw.toUpperCase();
  if (!KEY_ID.test(keyId) && !isAccessKeyIdShape(keyId))
    return html`<p class="error" role="alert">
      That is not an access key id (AKIA… or ASIA… and 16 more letters and digits).
    </p>`;
  const t = await findCanary(ctx, keyId);
  if (!t)
    return html`<p class="answer" role="status">
      Keysnare does not know this key. If you found it somewhere it should not be, tell your
      security team anyway.
    </p>`;
  const user = actorOf(req);
  await ctx.serial(() =>
    ctx.ws.store.update(
      t.id,
      {},
      {
        at: ctx.now().toISOString(),
        actor: user,
        action: 'updated',
        ...(t.placement ? { placement: t.placement } : {}),
        note: `key ${keyId} checked on the dashboard by ${user}: possible exposure of this placement`,
      },
    ),
  );
  return canaryAnswer(t);
}

function send(req: FastifyRequest, reply: FastifyReply, body: SafeHtml) {
  return sendPage(req, reply, 'What is this key?', body);
}

/** Register `GET /check-key` and `POST /check-key`. */
export function registerCheckKey(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/check-key', (req, reply) => send(req, reply, form(req)));
  app.post('/check-key', async (req, reply) => send(req, reply, form(req, await check(ctx, req))));
}
