import type { Command } from 'commander';
import type { CustodyEntry, Token } from '../../core/index.js';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl, renderTable } from '../output.js';
import { registerAudit } from './audit.js';
import { registerTokenAws } from './token-aws.js';
import { withWorkspace } from './token-aws-common.js';

/** The JSON form of a token printed by `token list/show --format jsonl`. */
export function tokenJson(t: Token): Record<string, unknown> {
  return { ...t };
}

function printTokens(
  ctx: CommandContext,
  tokens: readonly Token[],
  format: string | undefined,
  formatPlacement: (t: Token) => string,
): void {
  if (parseFormat(format) === 'jsonl') {
    ctx.io.out(renderJsonl(tokens.map(tokenJson)));
    return;
  }
  const rows = tokens.map((t) => [
    t.id,
    t.accessKeyId,
    t.userName ?? '',
    t.status,
    t.label ?? '',
    formatPlacement(t),
  ]);
  ctx.io.out(renderTable(['ID', 'ACCESS KEY', 'USER', 'STATUS', 'LABEL', 'PLACEMENT'], rows));
}

function printCustody(
  ctx: CommandContext,
  entries: readonly CustodyEntry[],
  fmt: (p: CustodyEntry['placement']) => string,
): void {
  const rows = entries.map((e) => [
    e.at,
    e.actor,
    e.action,
    fmt(e.placement),
    fmt(e.previous),
    e.note ?? '',
  ]);
  ctx.io.out('\nCustody history:\n');
  ctx.io.out(renderTable(['WHEN', 'WHO', 'WHAT', 'PLACEMENT', 'PREVIOUS', 'NOTE'], rows));
}

function registerAdd(token: Command, run: Parameters<RegisterCommand>[1]): void {
  token
    .command('add')
    .description('register an existing canary access key')
    .requiredOption('--access-key-id <id>', 'the canary key id (AKIA…)')
    .option('--user-name <name>', 'its IAM user name')
    .option('--user-arn <arn>', 'its IAM user ARN')
    .option('--account-id <id>', 'its account (default: decoded from the key id)')
    .option('--label <text>', 'a label for people')
    .option('--placement <k=v,…>', 'where it is planted: host=…,path=…,owner=…,notes=…')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<Record<string, string | undefined>>();
        const { tokenFromOptions } = await import('../../tokens/token-file.js');
        const { registerToken } = await import('../../tokens/registry.js');
        const { formatPlacement } = await import('../../tokens/placement.js');
        const input = tokenFromOptions({
          accessKeyId: o['accessKeyId'],
          userName: o['userName'],
          userArn: o['userArn'],
          accountId: o['accountId'],
          label: o['label'],
          placement: o['placement'],
        });
        const t = await withWorkspace(ctx, (ws) =>
          registerToken(ws.store, input, ctx.actor, ctx.now()),
        );
        printTokens(ctx, [t], o['format'], (x) => formatPlacement(x.placement));
        return 0;
      }),
    );
}

function registerImport(token: Command, run: Parameters<RegisterCommand>[1]): void {
  token
    .command('import <file>')
    .description(
      'register tokens from a JSON or YAML list of {accessKeyId, userName?, userArn?, accountId?, label?, placement?}',
    )
    .option('--format <format>', 'table or jsonl', 'table')
    .option('--skip-existing', 'leave keys that are already registered alone; import the others')
    .action(
      run(async (ctx, cmd) => {
        const file = cmd.args[0] ?? '';
        const o = cmd.opts<{ format?: string; skipExisting?: boolean }>();
        parseFormat(o.format);
        const { readTokenFile } = await import('../../tokens/token-file.js');
        const { importTokens } = await import('../../tokens/registry.js');
        const { formatPlacement } = await import('../../tokens/placement.js');
        const inputs = readTokenFile(file);
        const { added, skipped } = await withWorkspace(ctx, (ws) =>
          ws.store.transaction(async () =>
            importTokens(ws.store, inputs, {
              file,
              actor: ctx.actor,
              now: ctx.now(),
              skipExisting: o.skipExisting === true,
            }),
          ),
        );
        printTokens(ctx, added, o.format, (x) => formatPlacement(x.placement));
        const skip = skipped.length ? `; skipped ${skipped.length} already registered` : '';
        ctx.io.err(`imported ${added.length} token(s) from ${file}${skip}\n`);
        return 0;
      }),
    );
}

function registerListShow(token: Command, run: Parameters<RegisterCommand>[1]): void {
  token
    .command('list')
    .description('list registered tokens')
    .option('--status <status>', 'active, retired or all', 'active')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<{ status: string; format?: string }>();
        if (!['active', 'retired', 'all'].includes(o.status)) {
          const { AppError } = await import('../../core/index.js');
          throw new AppError('KS_USAGE', {
            reason: `--status must be active, retired or all, not "${o.status}"`,
          });
        }
        const { formatPlacement } = await import('../../tokens/placement.js');
        const list = await withWorkspace(ctx, (ws) =>
          ws.store.list({ status: o.status as 'active' }),
        );
        printTokens(ctx, list, o.format, (x) => formatPlacement(x.placement));
        return 0;
      }),
    );
  token
    .command('show <id>')
    .description('show a token (by id or access key id) with its custody history')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const { findToken } = await import('../../tokens/registry.js');
        const { formatPlacement } = await import('../../tokens/placement.js');
        const ref = cmd.args[0] ?? '';
        const { t, custody } = await withWorkspace(ctx, async (ws) => {
          const t = await findToken(ws.store, ref);
          return { t, custody: await ws.store.custody(t.id) };
        });
        if (parseFormat(cmd.opts<{ format?: string }>().format) === 'jsonl') {
          ctx.io.out(renderJsonl([{ ...tokenJson(t), custody }]));
          return 0;
        }
        printTokens(ctx, [t], 'table', (x) => formatPlacement(x.placement));
        printCustody(ctx, custody, (p) => formatPlacement(p));
        return 0;
      }),
    );
}

function registerMoveRetire(token: Command, run: Parameters<RegisterCommand>[1]): void {
  token
    .command('move <id>')
    .description('record a new placement for a token (kept in its custody history)')
    .requiredOption('--placement <k=v,…>', 'the new placement')
    .option('--note <text>', 'why it moved')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<{ placement: string; note?: string }>();
        const { movePlacement } = await import('../../tokens/registry.js');
        const { parsePlacement } = await import('../../tokens/placement.js');
        const p = parsePlacement(o.placement);
        const t = await withWorkspace(ctx, (ws) =>
          movePlacement(ws.store, cmd.args[0] ?? '', p, ctx.actor, ctx.now(), o.note),
        );
        ctx.io.err(`${t.id}: placement recorded\n`);
        return 0;
      }),
    );
  token
    .command('retire <id>')
    .description(
      'retire a token: a minted one is deleted in AWS (keys, policies, user) first; its events still match',
    )
    .option('--note <text>', 'why')
    .option('--registry-only', 'only mark it retired here; leave the IAM user alone')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<{ note?: string; registryOnly?: boolean }>();
        const { retireInRegistry, findToken } = await import('../../tokens/registry.js');
        const { retireInAws } = await import('../../tokens/lifecycle.js');
        const { openWorkspace } = await import('../../app.js');
        const ws = openWorkspace(ctx.home);
        try {
          const t = await findToken(ws.store, cmd.args[0] ?? '');
          if (t.origin === 'minted' && !o.registryOnly) {
            const { awsDeps } = await import('./token-aws.js');
            await retireInAws((await awsDeps(ctx, ws, false)).deps, t.id, o.note);
          } else {
            await retireInRegistry(ws.store, t.id, ctx.actor, ctx.now(), o.note);
          }
          ctx.io.err(`${t.id}: retired\n`);
          return 0;
        } finally {
          await ws.close();
        }
      }),
    );
}

/** `keysnare token …`: the canary registry. */
export const registerToken: RegisterCommand = (program, run) => {
  const token = program
    .command('token')
    .description(
      'mint, register, render, plant, list, show, move, audit, rotate and retire canary tokens',
    );
  registerAdd(token, run);
  registerImport(token, run);
  registerListShow(token, run);
  registerMoveRetire(token, run);
  registerAudit(token, run);
  registerTokenAws(token, run);
};
