import type { RegisterCommand } from '../action.js';

/** `keysnare init`: create a workspace. */
export const registerInit: RegisterCommand = (program, run) => {
  program
    .command('init')
    .description('create a workspace (keysnare.yaml + SQLite database) in --home')
    .action(
      run(async (ctx) => {
        const { initWorkspace } = await import('../../app.js');
        const ws = initWorkspace(ctx.home);
        await ws.close();
        ctx.io.err(
          `created workspace ${ws.home}\n  config:   ${ws.configFile}\n  database: ${ws.dbFile}\n`,
        );
        return 0;
      }),
    );
};
