import type { RegisterCommand } from '../action.js';
import { parseFormat, renderJsonl, renderTable, reportError, safeText } from '../output.js';

interface UpdateFlags {
  format?: string;
  urlAwsIpRanges?: string;
  urlTor?: string;
  timeout: string;
  force?: boolean;
}

/** `keysnare data update` (refresh the downloaded IP data) and `data status` (check every source). */
export const registerData: RegisterCommand = (program, run) => {
  const data = program
    .command('data')
    .description('offline IP data: AWS ip-ranges.json and the Tor exit list (docs/ip-context.md)');
  data
    .command('update')
    .description(
      "download AWS ip-ranges.json and the Tor exit list into the workspace's data folder (or the ipContext paths), each checked and replaced atomically",
    )
    .option('--format <format>', 'table or jsonl (one object per file)', 'table')
    .option('--url-aws-ip-ranges <url>', 'download ip-ranges.json from here instead')
    .option('--url-tor <url>', 'download the Tor exit list from here instead')
    .option('--timeout <seconds>', 'give up on a download after this long', '60')
    .option('--force', 'accept a list less than half the size of the current copy')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<UpdateFlags>();
        const format = parseFormat(o.format);
        const { AppError } = await import('../../core/index.js');
        const seconds = Number(o.timeout);
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
          throw new AppError('KS_USAGE', { reason: '--timeout must be 1 to 3600 seconds' });
        const { updateIpData } = await import('../../app.js');
        const results = await updateIpData(ctx.home, {
          timeoutMs: seconds * 1000,
          ...(o.force ? { force: true } : {}),
          urls: {
            ...(o.urlAwsIpRanges !== undefined ? { awsIpRanges: o.urlAwsIpRanges } : {}),
            ...(o.urlTor !== undefined ? { torExitList: o.urlTor } : {}),
          },
        });
        let code = 0;
        for (const r of results)
          if (!r.ok) code = Math.max(code, reportError(r.error, ctx.io, ctx.debug));
        if (format === 'jsonl') {
          ctx.io.out(
            renderJsonl(
              results.map((r) => {
                if (r.ok) return r;
                const { error, ...rest } = r;
                return { ...rest, error: { code: error.code, message: error.message } };
              }),
            ),
          );
        } else {
          const done = results.flatMap((r) => (r.ok ? [r] : []));
          if (done.length > 0)
            ctx.io.out(
              renderTable(
                ['SOURCE', 'ENTRIES', 'BYTES', 'PUBLISHED', 'FILE'],
                done.map((r) => [r.source, r.entries, r.bytes, r.createDate ?? '', r.file]),
                120,
              ),
            );
        }
        return code;
      }),
    );
  data
    .command('status')
    .description(
      'load every IP data source the workspace uses (packaged, configured, downloaded) and show its file, entries and load time, or why it failed',
    )
    .option('--format <format>', 'table or jsonl (one object per source)', 'table')
    .action(
      run(async (ctx, cmd) => {
        const format = parseFormat(cmd.opts<{ format?: string }>().format);
        const { ipDataStatus } = await import('../../app.js');
        const list = await ipDataStatus(ctx.home);
        if (!list) {
          ctx.io.err('ipContext.enabled is false: no IP data is used\n');
          return 0;
        }
        if (format === 'jsonl') ctx.io.out(renderJsonl(list));
        else
          ctx.io.out(
            renderTable(
              ['SOURCE', 'STATE', 'ENTRIES', 'LOAD MS', 'DETAIL', 'FILE'],
              list.map((s) => [
                s.name,
                s.state,
                s.entries ?? '',
                s.loadMs ?? '',
                s.detail ?? '',
                s.file,
              ]),
              120,
            ),
          );
        for (const s of list) if (s.error) ctx.io.err(`keysnare: ${safeText(s.error)}\n`);
        return list.some((s) => s.state === 'failed') ? 2 : 0;
      }),
    );
};
