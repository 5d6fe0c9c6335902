import { randomBytes } from 'node:crypto';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { safeText } from '../output.js';

/** A password people can type: 20 characters of base64url (120 bits). */
function newPassword(): string {
  return randomBytes(15).toString('base64url');
}

async function serveAction(
  ctx: CommandContext,
  o: { port?: string; host?: string; demo?: boolean },
): Promise<number> {
  const { AppError } = await import('../../core/index.js');
  const app = await import('../../app.js');
  const port = o.port === undefined ? undefined : Number(o.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new AppError('KS_USAGE', { reason: '--port must be a port number (0–65535)' });
  let ws: import('../../app.js').Workspace;
  if (o.demo && !app.workspaceExists(ctx.home)) {
    ws = app.initWorkspace(ctx.home);
    ctx.io.err(`created a demo workspace in ${ws.home}\n`);
    const { seedDemo } = await import('./demo.js');
    await seedDemo(ctx, ws);
  } else ws = app.openWorkspace(ctx.home);
  const { setUser, userNames } = await import('../../server/auth.js');
  if ((await userNames(ws.store)).length === 0) {
    const password = newPassword();
    await setUser(ws.store, 'admin', password, ctx.now());
    ctx.io.err(
      `dashboard login: user admin, password ${password} (shown once; change it with keysnare user set admin)\n`,
    );
  }
  const { startServer } = await import('../../server/index.js');
  const server = await startServer({
    ws,
    ...(port !== undefined ? { port } : {}),
    ...(o.host ? { host: o.host } : {}),
    now: ctx.now,
    log: (l) => ctx.io.err(`${safeText(l)}\n`),
  });
  ctx.io.err(`Keysnare is serving the dashboard and API on ${server.url} (Ctrl-C stops it)\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      ctx.io.err(`keysnare: ${signal}: finishing in-flight work…\n`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  await ws.close();
  ctx.io.err('keysnare: stopped\n');
  return 0;
}

/** `keysnare serve`, `keysnare user set`, `keysnare api-token create`. */
export const registerServe: RegisterCommand = (program, run) => {
  program
    .command('serve')
    .description(
      'run the dashboard, the API, live intake, the alert dispatcher and the Safety Net schedule',
    )
    .option('--port <port>', 'port to listen on (default server.port, 8080)')
    .option('--host <host>', 'address to listen on (default server.host, 127.0.0.1)')
    .option('--demo', 'create a demo workspace (canaries and a replayed attack) when there is none')
    .action(run((ctx, cmd) => serveAction(ctx, cmd.opts())));
  const user = program.command('user').description('dashboard users');
  user
    .command('set <name>')
    .description('create a dashboard user, or give it a new password (printed once)')
    .action(
      run(async (ctx, cmd) => {
        const [name] = cmd.args as [string];
        const { AppError } = await import('../../core/index.js');
        if (!/^[\w.@-]{1,64}$/.test(name))
          throw new AppError('KS_USAGE', {
            reason: 'a user name is 1–64 letters, digits, . _ @ -',
          });
        const { openWorkspace } = await import('../../app.js');
        const { setUser } = await import('../../server/auth.js');
        const ws = openWorkspace(ctx.home);
        try {
          const password = newPassword();
          await setUser(ws.store, name, password, ctx.now());
          ctx.io.out(`${password}\n`);
          ctx.io.err(`password set for ${name} (running servers keep existing sessions)\n`);
          return 0;
        } finally {
          await ws.close();
        }
      }),
    );
  program
    .command('api-token')
    .description('API tokens for the HTTP API')
    .command('create <name>')
    .description('create an API token (printed once; only its SHA-256 is kept)')
    .action(
      run(async (ctx, cmd) => {
        const [name] = cmd.args as [string];
        const { openWorkspace } = await import('../../app.js');
        const { createApiToken } = await import('../../server/auth.js');
        const ws = openWorkspace(ctx.home);
        try {
          const { token, info } = await createApiToken(ws.store, name.slice(0, 64), ctx.now());
          ctx.io.out(`${token}\n`);
          ctx.io.err(
            `API token ${info.id} (${safeText(info.name)}) created; send it as Authorization: Bearer …\n`,
          );
          return 0;
        } finally {
          await ws.close();
        }
      }),
    );
};
