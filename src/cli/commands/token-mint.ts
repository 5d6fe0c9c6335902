/**
 * `token mint`: plan every token's bait (checked before any AWS call), mint, write the bait.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl, renderTable } from '../output.js';
import type { MintRow } from '../../tokens/mint-plan.js';
import type { Ws } from './token-aws-common.js';
import { awsDeps, mintedJson, withWorkspace } from './token-aws-common.js';

interface MintOptions {
  placement?: string;
  label?: string;
  count: string;
  inventory?: string;
  out?: string;
  baitFormat: string;
  format?: string;
}

/** The rows asked for, parsed and checked (no workspace or AWS needed). */
async function mintRows(o: MintOptions) {
  const { AppError } = await import('../../core/index.js');
  const { parsePlacement } = await import('../../tokens/placement.js');
  const { readInventory } = await import('../../tokens/inventory.js');
  const count = Number(o.count);
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    throw new AppError('KS_USAGE', { reason: '--count must be 1..1000' });
  if (!o.inventory && !o.placement)
    throw new AppError('KS_USAGE', {
      reason: 'give --placement host=…,path=…,owner=… (or --inventory FILE)',
    });
  if (o.inventory) return readInventory(o.inventory);
  const placement = parsePlacement(o.placement ?? '');
  return Array.from({ length: count }, (_, i) => ({
    line: i + 1,
    placement,
    ...(o.label ? { label: o.label } : {}),
  }));
}

/** Write one minted token's bait and say truthfully on stderr where it went. */
async function writeMintedBait(
  ctx: CommandContext,
  store: Ws['store'],
  target: import('../../tokens/mint-plan.js').BaitTarget,
  m: import('../../tokens/mint.js').Minted,
  touched: Set<string>,
): Promise<string> {
  const { writeBait } = await import('../../tokens/bait-out.js');
  const w = await writeBait(target, m.token, m.secretAccessKey, touched, ctx.now());
  const how = w.fallbackReason
    ? `could not be written to ${target.file} (${w.fallbackReason}); written to ${w.file} instead`
    : `written to ${w.file}${target.merge ? ` as profile [${target.profile}]` : ''}` +
      (w.mergedIntoExisting ? ', merged into the existing file' : '') +
      (w.backupFile ? ` (backup ${w.backupFile})` : '');
  ctx.io.err(`${m.token.id}: bait ${how}\n`);
  const { baitCustodyNote } = await import('../../tokens/replant.js');
  await store.update(
    m.token.id,
    {},
    {
      at: ctx.now().toISOString(),
      actor: ctx.actor,
      action: 'updated',
      note: baitCustodyNote(w.file, target.format, target.profile),
    },
  );
  return w.file;
}

/**
 * With `canary.secrets.mode: none`, a secret that has no planned bait (a resumed mint) would be
 * lost: write it as credentials bait into `<home>/bait/<why>/` and say where.
 */
async function saveUnkeptSecret(
  ctx: CommandContext,
  ws: Ws,
  m: import('../../tokens/mint.js').Minted,
  why: string,
): Promise<void> {
  const { pickProfileName } = await import('../../tokens/bait/bait.js');
  const file = join(resolve(ws.home), 'bait', why, `${m.token.id}-credentials`);
  const target = {
    file,
    format: 'credentials',
    profile: pickProfileName(m.token.id),
    merge: undefined,
  };
  await writeMintedBait(ctx, ws.store, target, m, new Set());
}

/**
 * The checked plan. Bait holds plaintext secrets: by default (`--inventory`) it goes into the
 * workspace, not the current folder, and a folder inside a git work tree gets a warning.
 */
async function planFor(ctx: CommandContext, ws: Ws, o: MintOptions, rows: readonly MintRow[]) {
  const { planMint } = await import('../../tokens/mint-plan.js');
  const { gitWorkTreeOf } = await import('../../tokens/bait-out.js');
  const outDir =
    o.out !== undefined
      ? resolve(ctx.cwd, o.out)
      : o.inventory
        ? join(resolve(ws.home), 'bait')
        : undefined;
  const plan = await planMint({
    rows,
    ...(o.inventory ? { inventory: o.inventory } : {}),
    ...(outDir ? { outDir } : {}),
    defaultFormat: o.baitFormat,
  });
  const tree = outDir ? gitWorkTreeOf(outDir) : undefined;
  if (tree)
    ctx.io.err(
      `warning: bait holding plaintext secrets goes to ${outDir}, inside the git work tree ${tree}; make sure it is git-ignored\n`,
    );
  return plan;
}

/** `token mint`. */
export async function mintAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<MintOptions>();
  const format = parseFormat(o.format);
  const { AppError } = await import('../../core/index.js');
  const { mintToken, resumePendingMints } = await import('../../tokens/mint.js');
  const rows = await mintRows(o);
  return withWorkspace(ctx, async (ws) => {
    const app = await import('../../app.js');
    if (ws.config.canary.secrets.mode === 'none' && !o.out && !o.inventory) {
      throw new AppError('KS_USAGE', {
        reason:
          'canary.secrets.mode is none: pass --out DIR so bait is written now (the secret is not kept)',
      });
    }
    // Everything is checked before the first AWS call: a bad row mints nothing.
    const plan = await planFor(ctx, ws, o, rows);
    const { deps } = await awsDeps(ctx, ws, true);
    const caller = await (await app.createSts(ws.config)).getCallerIdentity();
    const { managementArn } = await import('../../aws/sts.js');
    await app.recordManagementPrincipal(ws, managementArn(caller.arn));
    const resumed = await resumePendingMints(deps);
    if (!deps.seal) for (const m of resumed) await saveUnkeptSecret(ctx, ws, m, 'resumed');
    const minted = [];
    const touched = new Set<string>();
    for (const p of plan) {
      const m = await mintToken(deps, {
        tokenId: p.tokenId,
        placement: p.row.placement,
        ...(p.row.label ? { label: p.row.label } : {}),
      });
      minted.push(m.token);
      if (p.bait) await writeMintedBait(ctx, ws.store, p.bait, m, touched);
    }
    const all = [...resumed.map((r) => r.token), ...minted];
    ctx.io.out(
      format === 'jsonl'
        ? renderJsonl(all.map(mintedJson))
        : renderTable(
            ['ID', 'ACCESS KEY', 'USER', 'ACCOUNT'],
            all.map((t) => [t.id, t.accessKeyId, t.userName, t.accountId]),
          ),
    );
    ctx.io.err(
      `minted ${minted.length} token(s) in account ${caller.account}${resumed.length ? `, resumed ${resumed.length}` : ''}\n`,
    );
    return 0;
  });
}
