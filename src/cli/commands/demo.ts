import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { safeText } from '../output.js';
import { printFindings, rejectionLine, summaryLine } from './detect.js';

function writeDemoLogs(
  dir: string,
  records: { attack: unknown[]; background: unknown[] },
  account: string,
): string {
  const day = join(dir, 'AWSLogs', account, 'CloudTrail', 'us-east-1', '2026', '11', '20');
  mkdirSync(day, { recursive: true });
  const file = (stamp: string, body: unknown) =>
    writeFileSync(
      join(day, `${account}_CloudTrail_us-east-1_20261120T${stamp}Z_Dm0x7Qp2Lk9Vb3Ns.json.gz`),
      gzipSync(JSON.stringify(body)),
    );
  const [a, b] = [records.attack.slice(0, 4), records.attack.slice(4)];
  file('0315', { Records: [...records.background.slice(0, 100), ...b] });
  file('0320', { Records: [...a, ...records.background.slice(100)] });
  // A truncated delivery file, as a broken download leaves it: named and skipped, the rest goes on.
  const broken = gzipSync(JSON.stringify({ Records: records.background.slice(0, 20) }));
  writeFileSync(
    join(day, `${account}_CloudTrail_us-east-1_20261120T0325Z_Tr9nCat3dFi1e00.json.gz`),
    broken.subarray(0, broken.length >> 1),
  );
  return dir;
}

async function demoAction(ctx: CommandContext, given: string | undefined): Promise<number> {
  const { withDemoFolder } = await import('../../demo/folder.js');
  return withDemoFolder(given, (dir, temporary) =>
    runDemo(ctx, temporary ? join(dir, 'workspace') : dir, temporary),
  );
}

/**
 * Seed a new workspace with the demo: its canaries registered, and a composed attack (with
 * background traffic and one truncated file) written under `home/demo-logs` and ingested.
 */
export async function seedDemo(
  ctx: CommandContext,
  ws: import('../../app.js').Workspace,
): Promise<import('../../app.js').IngestResult> {
  const { ingestIntoWorkspace, listInputFiles } = await import('../../app.js');
  const { AppError } = await import('../../core/index.js');
  const { registerToken } = await import('../../tokens/registry.js');
  const demo = await import('../../demo/attack.js');
  const logsDir = join(ws.home, 'demo-logs');
  if (existsSync(logsDir)) {
    throw new AppError('KS_USAGE', {
      reason: `${logsDir} already exists; give an empty --demo-home`,
    });
  }
  for (const c of demo.DEMO_CANARIES) await registerToken(ws.store, c, ctx.actor, ctx.now());
  ctx.io.err(`registered ${demo.DEMO_CANARIES.length} demo canaries\n`);
  const logs = writeDemoLogs(
    logsDir,
    { attack: demo.attackRecords(), background: demo.backgroundRecords(180) },
    demo.DEMO_ACCOUNT,
  );
  ctx.io.err(`replaying a composed attack from ${logs}\n`);
  const input = listInputFiles([logs]);
  return ingestIntoWorkspace(ws, {
    files: input.files,
    quietGapMs: ws.config.detect.quietGapMinutes * 60_000,
    workers: 1,
    now: ctx.now,
    onRejection: (r) => ctx.io.err(rejectionLine(r)),
  });
}

/** The demo in `home` (a new workspace); its CloudTrail files go under `home/demo-logs`. */
async function runDemo(ctx: CommandContext, home: string, temporary: boolean): Promise<number> {
  const { initWorkspace } = await import('../../app.js');
  const ws = initWorkspace(home);
  try {
    ctx.io.err(`demo workspace: ${ws.home}${temporary ? ' (removed when the demo ends)' : ''}\n`);
    const result = await seedDemo(ctx, ws);
    ctx.io.err(summaryLine(result.stats, result.changed.length));
    const findings = await ws.store.listFindings({});
    printFindings(ctx, findings, 'table');
    // Finding text quotes CloudTrail (attacker-controlled): every line goes through safeText.
    for (const f of findings) {
      const placement = f.details['placementText'];
      const lines = [
        '',
        f.title,
        ...(typeof placement === 'string' ? [`  ${placement}`] : []),
        `  events: ${f.eventIds.length}, regions: ${(f.regions ?? []).join(', ')}, calls: ${(f.eventNames ?? []).join(', ')}`,
        `  user agent: ${f.userAgent ?? '-'}`,
      ];
      ctx.io.out(lines.map((l) => safeText(l)).join('\n') + '\n');
    }
    const incidents = await ws.store.listIncidents();
    ctx.io.out(`\n${incidents.length} incident(s):\n`);
    const { printIncidents } = await import('./incidents.js');
    printIncidents(ctx, incidents, 'table');
    ctx.io.err(
      temporary
        ? '\nthe demo workspace has been removed; to keep one and explore it: npx keysnare demo --demo-home DIR\n'
        : `\nexplore it: npx keysnare --home ${ws.home} incidents show ${incidents[0]?.id ?? 'ID'} (or findings list --format jsonl)\n`,
    );
    return 0;
  } finally {
    await ws.close();
  }
}

/** `keysnare demo`: a workspace with demo canaries, a composed attack replayed, findings printed. */
export const registerDemo: RegisterCommand = (program, run) => {
  program
    .command('demo')
    .description(
      'create a demo workspace with canaries, replay a composed attack and print the findings',
    )
    .option(
      '--demo-home <dir>',
      'where to create and keep the demo workspace and its logs (default: a temp folder, removed afterwards)',
    )
    .action(run((ctx, cmd) => demoAction(ctx, cmd.opts<{ demoHome?: string }>().demoHome)));
};
