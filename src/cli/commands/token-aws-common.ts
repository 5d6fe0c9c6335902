/**
 * Helpers shared by the AWS-side token commands (mint, render, plant, rotate, retire).
 */
import type { Token } from '../../core/index.js';
import type { CommandContext } from '../context.js';

/** An opened workspace. */
export type Ws = import('../../app.js').Workspace;

/** Run `fn` with the workspace open, closing it afterwards. */
export async function withWorkspace<T>(
  ctx: CommandContext,
  fn: (ws: Ws) => Promise<T>,
): Promise<T> {
  const { openWorkspace } = await import('../../app.js');
  const ws = openWorkspace(ctx.home);
  try {
    return await fn(ws);
  } finally {
    await ws.close();
  }
}

/** AWS-side dependencies for a workspace (IAM port, secrets, mint/lifecycle deps). */
export async function awsDeps(ctx: CommandContext, ws: Ws, createKey: boolean) {
  const app = await import('../../app.js');
  const iam = await app.createIam(ws.config);
  const secrets = await app.secretsFor(ws, ctx.env['KEYSNARE_SECRET_KEY'], createKey);
  const log = (l: string): void => ctx.io.err(`${l}\n`);
  return {
    iam,
    secrets,
    deps: {
      iam,
      store: ws.store,
      seal: secrets.seal,
      canary: ws.config.canary,
      actor: ctx.actor,
      now: ctx.now,
      log,
    },
  };
}

/** The public JSON of a minted token (never the secret). */
export function mintedJson(t: Token): Record<string, unknown> {
  return {
    id: t.id,
    accessKeyId: t.accessKeyId,
    userName: t.userName,
    userArn: t.userArn,
    accountId: t.accountId,
    placement: t.placement ?? {},
  };
}

/** One stderr line when secrets were just written inside a git work tree. */
export async function warnIfInGitTree(ctx: CommandContext, file: string): Promise<void> {
  const { gitWorkTreeOf } = await import('../../tokens/bait-out.js');
  const tree = gitWorkTreeOf(file);
  if (tree)
    ctx.io.err(
      `warning: ${file} holds a plaintext secret inside the git work tree ${tree}; make sure it is git-ignored\n`,
    );
}
