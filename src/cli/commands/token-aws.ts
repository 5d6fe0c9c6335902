import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Token } from '../../core/index.js';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl, renderTable } from '../output.js';

type Run = Parameters<RegisterCommand>[1];
type Ws = import('../../app.js').Workspace;

async function withWorkspace<T>(ctx: CommandContext, fn: (ws: Ws) => Promise<T>): Promise<T> {
  const { openWorkspace } = await import('../../app.js');
  const ws = openWorkspace(ctx.home);
  try {
    return await fn(ws);
  } finally {
    ws.close();
  }
}

async function awsDeps(ctx: CommandContext, ws: Ws, createKey: boolean) {
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
function mintedJson(t: Token): Record<string, unknown> {
  return {
    id: t.id,
    accessKeyId: t.accessKeyId,
    userName: t.userName,
    userArn: t.userArn,
    accountId: t.accountId,
    placement: t.placement ?? {},
  };
}

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
  store.update(
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

/** One stderr line when secrets were just written inside a git work tree. */
async function warnIfInGitTree(ctx: CommandContext, file: string): Promise<void> {
  const { gitWorkTreeOf } = await import('../../tokens/bait-out.js');
  const tree = gitWorkTreeOf(file);
  if (tree)
    ctx.io.err(
      `warning: ${file} holds a plaintext secret inside the git work tree ${tree}; make sure it is git-ignored\n`,
    );
}

async function mintAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<MintOptions>();
  const format = parseFormat(o.format);
  const { AppError } = await import('../../core/index.js');
  const { mintToken, resumePendingMints } = await import('../../tokens/mint.js');
  const { planMint } = await import('../../tokens/mint-plan.js');
  const { gitWorkTreeOf } = await import('../../tokens/bait-out.js');
  const rows = await mintRows(o);
  return withWorkspace(ctx, async (ws) => {
    const app = await import('../../app.js');
    if (ws.config.canary.secrets.mode === 'none' && !o.out && !o.inventory) {
      throw new AppError('KS_USAGE', {
        reason:
          'canary.secrets.mode is none: pass --out DIR so bait is written now (the secret is not kept)',
      });
    }
    // Bait holds plaintext secrets: by default it goes into the workspace, not the current folder.
    const outDir =
      o.out !== undefined
        ? resolve(ctx.cwd, o.out)
        : o.inventory
          ? join(resolve(ws.home), 'bait')
          : undefined;
    // Everything is checked before the first AWS call: a bad row mints nothing.
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
    const { deps } = await awsDeps(ctx, ws, true);
    const caller = await (await app.createSts(ws.config)).getCallerIdentity();
    const { managementArn } = await import('../../aws/sts.js');
    app.recordManagementPrincipal(ws, managementArn(caller.arn));
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
    if (format === 'jsonl') ctx.io.out(renderJsonl(all.map(mintedJson)));
    else
      ctx.io.out(
        renderTable(
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

async function renderAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<{ format: string; profile?: string; region?: string }>();
  const { AppError } = await import('../../core/index.js');
  const { findToken } = await import('../../tokens/registry.js');
  const { findBaitFormat } = await import('../../tokens/bait/index.js');
  const { pickProfileName, pickRegion } = await import('../../tokens/bait/bait.js');
  const bait = findBaitFormat(o.format);
  return withWorkspace(ctx, async (ws) => {
    const app = await import('../../app.js');
    const t = findToken(ws.store, cmd.args[0] ?? '');
    const secret = (await app.secretsFor(ws, ctx.env['KEYSNARE_SECRET_KEY'], false)).open(t.id);
    if (!secret)
      throw new AppError('KS_TOKEN_INVALID', {
        where: t.id,
        reason:
          'no stored secret (registered elsewhere, minted with secrets.mode none, or retired)',
      });
    ctx.io.out(
      bait.render({
        accessKeyId: t.accessKeyId,
        secretAccessKey: secret,
        region: o.region ?? pickRegion(t.id),
        profile: o.profile ?? pickProfileName(t.id),
        seed: t.id,
        ...(t.userName ? { userName: t.userName } : {}),
      }),
    );
    return 0;
  });
}

async function plantAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<{
    file: string;
    profile?: string;
    host?: string;
    backup: boolean;
    force?: boolean;
  }>();
  const { AppError } = await import('../../core/index.js');
  const { findToken } = await import('../../tokens/registry.js');
  const { plantCredentials } = await import('../../tokens/plant.js');
  const { pickProfileName } = await import('../../tokens/bait/bait.js');
  return withWorkspace(ctx, async (ws) => {
    const app = await import('../../app.js');
    const t = findToken(ws.store, cmd.args[0] ?? '');
    const secret = (await app.secretsFor(ws, ctx.env['KEYSNARE_SECRET_KEY'], false)).open(t.id);
    if (!secret)
      throw new AppError('KS_TOKEN_INVALID', { where: t.id, reason: 'no stored secret to plant' });
    const file = resolve(ctx.cwd, o.file);
    const profile = o.profile ?? pickProfileName(t.id);
    const r = await plantCredentials({
      file,
      profile,
      accessKeyId: t.accessKeyId,
      secretAccessKey: secret,
      backup: o.backup,
      ...(o.force ? { force: true } : {}),
    });
    const placement = {
      ...(t.placement ?? {}),
      host: o.host ?? hostname(),
      path: file,
      ...(t.placement?.owner ? {} : { owner: ctx.actor }),
    };
    ws.store.update(
      t.id,
      { placement },
      {
        at: ctx.now().toISOString(),
        actor: ctx.actor,
        action: 'planted',
        placement,
        ...(t.placement ? { previous: t.placement } : {}),
        note: `profile [${profile}]`,
      },
    );
    ctx.io.err(
      `${t.id}: planted as profile [${profile}] in ${r.file}${r.backupFile ? ` (backup ${r.backupFile})` : ''}\n`,
    );
    await warnIfInGitTree(ctx, r.file);
    return 0;
  });
}

async function rotateAction(ctx: CommandContext, cmd: Command): Promise<number> {
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
  const how = saved
    ? `from ${saved}`
    : `(\`keysnare token render ${t.id} --format …\` prints the new bait)`;
  ctx.io.err(
    `${t.id}: the bait ${describePlacement(t.placement)} still holds the old key ${r.previousKeyId}: replace it with the new key ${how}\n`,
  );
}

/** Shared by `token retire`: AWS-side dependencies for a workspace. */
export { awsDeps };

/** `token mint|render|plant|rotate`: the AWS side of canaries. */
export function registerTokenAws(token: Command, run: Run): void {
  token
    .command('mint')
    .description(
      'create canary IAM users with one access key each in the canary account (standard AWS SDK configuration)',
    )
    .option('--placement <k=v,…>', 'where the token(s) will live: host=…,path=…,owner=…')
    .option('--label <text>', 'a label for people')
    .option('--count <n>', 'how many tokens to mint with this placement', '1')
    .option(
      '--inventory <file.csv>',
      'one token per row (columns host,path,owner,notes,label,format,profile); bait written per host',
    )
    .option(
      '--out <dir>',
      'write bait files to DIR/<host>/: credentials/config tokens of one host as distinct profiles of one file (merged into an existing file like `token plant`), other formats one file per token (never over an existing file); default with --inventory: <home>/bait',
    )
    .option(
      '--bait-format <format>',
      'bait format for --out/--inventory rows without one',
      'credentials',
    )
    .option('--format <format>', 'table or jsonl', 'table')
    .action(run(mintAction));
  token
    .command('render <id>')
    .description(
      'print bait for a minted token: credentials, config, env, dotenv, terraform, python, js, postman, github-actions, k8s-secret',
    )
    .requiredOption('--format <format>', 'bait format')
    .option('--profile <name>', 'profile name (default: a realistic one chosen per token)')
    .option('--region <region>', 'region (default: chosen per token)')
    .action(run(renderAction));
  token
    .command('plant <id>')
    .description(
      "merge the token into an AWS credentials file without touching other profiles, and record the placement; an existing profile of that name that is not this token's is refused unless --force",
    )
    .requiredOption('--file <path>', 'the credentials file, e.g. ~/.aws/credentials')
    .option('--profile <name>', 'profile name (default: a realistic one chosen per token)')
    .option('--host <name>', 'host recorded in the placement (default: this host)')
    .option('--no-backup', 'do not keep a backup of the file')
    .option(
      '--force',
      "replace the profile even when it holds credentials that are not this token's (a backup is kept)",
    )
    .action(run(plantAction));
  token
    .command('rotate <id>')
    .description(
      "replace a minted token's access key (new key first, then the old one is deleted); re-plants the new key where `token plant` or `token mint --out` wrote the old one, and names what is left to update",
    )
    .option('--format <format>', 'table or jsonl', 'table')
    .action(run(rotateAction));
}
