/**
 * `token rotate`: new key, old one deleted and still watched, new key re-planted where the old
 * one was written, and what is left to update named on stderr.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl, renderTable } from '../output.js';
import type { Ws } from './token-aws-common.js';
import { awsDeps, mintedJson, warnIfInGitTree, withWorkspace } from './token-aws-common.js';

/** `token rotate`. */
export async function rotateAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const format = parseFormat(cmd.opts<{ format?: string }>().format);
  const { rotateToken } = await import('../../tokens/lifecycle.js');
  const { replantAfterRotation } = await import('../../tokens/replant.js');
  return withWorkspace(ctx, async (ws) => {
    const { deps } = await awsDeps(ctx, ws, true);
    const r = await rotateToken(deps, cmd.args[0] ?? '');
    const outcomes = await replantAfterRotation(deps, r.token, r.secretAccessKey, r.previousKeyId);
    for (const o of outcomes) {
      ctx.io.err(`${r.token.id}: ${describeReplant(o)}\n`);
      if (o.result !== 'manual') await warnIfInGitTree(ctx, o.newFile ?? o.file);
    }
    await reportStaleBait(ctx, ws, r, outcomes);
    const row = { ...mintedJson(r.token), previousAccessKeyId: r.previousKeyId };
    if (format === 'jsonl') ctx.io.out(renderJsonl([row]));
    else
      ctx.io.out(
        renderTable(
          ['ID', 'ACCESS KEY', 'PREVIOUS KEY', 'USER', 'ACCOUNT'],
          [[r.token.id, r.token.accessKeyId, r.previousKeyId, r.token.userName, r.token.accountId]],
        ),
      );
    return 0;
  });
}

type Outcome = import('../../tokens/replant.js').ReplantOutcome;

function describeReplant(o: Outcome): string {
  if (o.result === 'replanted')
    return `re-planted the new key as profile [${o.profile}] in ${o.file}${o.backupFile ? ` (backup ${o.backupFile})` : ''}`;
  if (o.result === 'new-file')
    return `${o.file} (${o.format}) still holds the old key; the new bait is in ${o.newFile ?? ''}: put it in its place`;
  return `update ${o.file} (profile [${o.profile}]) by hand, it was not re-planted: ${o.reason ?? ''}`;
}

/**
 * Say which placement still holds the old key; when the new secret is kept nowhere else (secrets
 * mode none and nothing re-planted), write it to a new bait file in the workspace first.
 */
async function reportStaleBait(
  ctx: CommandContext,
  ws: Ws,
  r: import('../../tokens/lifecycle.js').Rotated,
  outcomes: readonly Outcome[],
): Promise<void> {
  const t = r.token;
  const { describePlacement } = await import('../../core/index.js');
  const done = outcomes.filter((o) => o.result !== 'manual');
  let saved: string | undefined;
  if (ws.config.canary.secrets.mode === 'none' && done.length === 0) {
    const { writeBait } = await import('../../tokens/bait-out.js');
    const { pickProfileName } = await import('../../tokens/bait/bait.js');
    const stamp = ctx.now().toISOString().replace(/[-:.]/g, '');
    const file = join(resolve(ws.home), 'bait', 'rotated', `${t.id}-${stamp}-credentials`);
    const target = {
      file,
      format: 'credentials',
      profile: pickProfileName(t.id),
      merge: undefined,
    };
    saved = (await writeBait(target, t, r.secretAccessKey, new Set(), ctx.now())).file;
    ctx.io.err(
      `${t.id}: the new secret is not kept (secrets mode none); its bait is in ${saved}\n`,
    );
  }
  const path = t.placement?.path;
  if (path === undefined || done.some((o) => o.result === 'replanted' && o.file === path)) return;
  const kept = saved ?? (ws.config.canary.secrets.mode === 'none' ? done[0] : undefined);
  const how = kept
    ? `from ${typeof kept === 'string' ? kept : (kept.newFile ?? kept.file)}`
    : `(\`keysnare token render ${t.id} --format …\` prints the new bait)`;
  ctx.io.err(
    `${t.id}: the bait ${describePlacement(t.placement)} still holds the old key ${r.previousKeyId}: replace it with the new key ${how}\n`,
  );
}
