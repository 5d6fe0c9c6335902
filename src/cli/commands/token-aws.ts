import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { awsDeps, warnIfInGitTree, withWorkspace } from './token-aws-common.js';
import { mintAction } from './token-mint.js';
import { rotateAction } from './token-rotate.js';

type Run = Parameters<RegisterCommand>[1];

async function renderAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<{ format: string; profile?: string; region?: string }>();
  const { AppError } = await import('../../core/index.js');
  const { findToken } = await import('../../tokens/registry.js');
  const { findBaitFormat } = await import('../../tokens/bait/index.js');
  const { pickProfileName, pickRegion } = await import('../../tokens/bait/bait.js');
  const bait = findBaitFormat(o.format);
  return withWorkspace(ctx, async (ws) => {
    const app = await import('../../app.js');
    const t = await findToken(ws.store, cmd.args[0] ?? '');
    const secrets = await app.secretsFor(ws, ctx.env['KEYSNARE_SECRET_KEY'], false);
    const secret = await secrets.open(t.id);
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
    const t = await findToken(ws.store, cmd.args[0] ?? '');
    const secrets = await app.secretsFor(ws, ctx.env['KEYSNARE_SECRET_KEY'], false);
    const secret = await secrets.open(t.id);
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
    await ws.store.update(
      t.id,
      { placement },
      {
        at: ctx.now().toISOString(),
        actor: ctx.actor,
        action: 'planted',
        placement,
        ...(t.placement ? { previous: t.placement } : {}),
        note: `profile [${profile}]${r.replacedForeignProfile ? ', replacing other credentials (--force)' : ''}`,
      },
    );
    const replaced = r.replacedForeignProfile ? ', replacing the credentials it held' : '';
    ctx.io.err(
      `${t.id}: planted as profile [${profile}] in ${r.file}${replaced}${r.backupFile ? ` (backup ${r.backupFile})` : ''}\n`,
    );
    await warnIfInGitTree(ctx, r.file);
    return 0;
  });
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
