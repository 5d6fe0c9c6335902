import type { Command } from 'commander';
import type { Token } from '../../core/index.js';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl } from '../output.js';

/** Renders the bait Keysnare would plant for a token (when its secret is kept), for the bait checks. */
async function baitRenderer(
  ctx: CommandContext,
  ws: import('../../app.js').Workspace,
  tokens: readonly Token[],
) {
  const { secretsFor } = await import('../../app.js');
  const { findBaitFormat } = await import('../../tokens/bait/index.js');
  const { pickProfileName, pickRegion } = await import('../../tokens/bait/bait.js');
  const secrets = await secretsFor(ws, ctx.env['KEYSNARE_SECRET_KEY'], false);
  const opened = new Map<string, string>();
  for (const t of tokens) {
    try {
      const secret = await secrets.open(t.id);
      if (secret) opened.set(t.id, secret);
    } catch {
      // no key file: nothing to render, the other checks still run
    }
  }
  return (t: Token): { format: string; text: string }[] => {
    const secret = opened.get(t.id);
    if (!secret) return [];
    const input = {
      accessKeyId: t.accessKeyId,
      secretAccessKey: secret,
      region: pickRegion(t.id),
      profile: pickProfileName(t.id),
      seed: t.id,
    };
    return ['credentials', 'config'].map((f) => ({
      format: f,
      text: findBaitFormat(f).render(input),
    }));
  };
}

async function auditAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<{ offline?: boolean; format?: string }>();
  const format = parseFormat(o.format);
  const { openWorkspace, createIam } = await import('../../app.js');
  const { findToken } = await import('../../tokens/registry.js');
  const { auditTokens } = await import('../../tokens/audit/audit.js');
  const { formatAuditTable } = await import('../../tokens/audit/format.js');
  const ws = openWorkspace(ctx.home);
  try {
    const all = await ws.store.list({ status: 'active' });
    const ref = cmd.args[0];
    const targets = ref ? [await findToken(ws.store, ref)] : all;
    const iam = o.offline ? undefined : await createIam(ws.config);
    const renderedBait = await baitRenderer(ctx, ws, targets);
    const results = await auditTokens(targets, {
      allTokens: all,
      renderedBait,
      ...(iam ? { iam } : {}),
    });
    if (format === 'jsonl') {
      ctx.io.out(
        renderJsonl(
          results.map((r) => ({
            tokenId: r.tokenId,
            accessKeyId: r.accessKeyId,
            accountId: r.accountId,
            score: r.score,
            problems: r.problems,
            indeterminate: r.indeterminate,
          })),
        ),
      );
    } else {
      ctx.io.out(formatAuditTable(results));
    }
    const unsure = results.reduce((n, r) => n + r.indeterminate.length, 0);
    if (unsure)
      ctx.io.err(
        `${unsure} check(s) could not be completed (see "indeterminate"); they are not counted as clean\n`,
      );
    return 0;
  } finally {
    await ws.close();
  }
}

/** `keysnare token audit [ID]`: could an attacker tell each canary is one without using it? */
export const registerAudit = (token: Command, run: Parameters<RegisterCommand>[1]): void => {
  token
    .command('audit [id]')
    .description(
      'score each canary 0-100 for passing as a real key (100: nothing recognisable found; checks account lists, shared prefix, name/path/policy tells)',
    )
    .option('--offline', 'skip the live IAM checks (policies, key status, user path)')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(run(auditAction));
};
