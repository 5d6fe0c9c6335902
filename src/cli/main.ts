/**
 * `keysnare` command line. Heavy modules (SQLite, AWS SDK, the pipeline) are imported inside the
 * commands that need them so `keysnare --version` and `--help` start fast.
 */
import { userInfo } from 'node:os';
import { Command, CommanderError } from 'commander';
import { resolveHomePath } from './home.js';
import type { CommandContext } from './context.js';
import type { Io } from './output.js';
import { reportError } from './output.js';
import { commands } from './commands/index.js';
import { VERSION } from './version.js';

function osUser(env: Readonly<Record<string, string | undefined>>): string {
  try {
    return userInfo().username;
  } catch {
    return env['USER'] ?? 'unknown';
  }
}

/** Build the commander program; `run` wraps each action with context and error handling. */
export function buildProgram(
  io: Io,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): {
  program: Command;
  exitCode: () => number;
} {
  let code = 0;
  const program = new Command('keysnare')
    .description('Canary AWS keys and stolen-key detection over CloudTrail.')
    .version(VERSION, '-V, --version')
    .option('--home <dir>', 'workspace folder (default: $KEYSNARE_HOME or ./.keysnare)')
    .option('--actor <name>', 'who is acting, for custody history (default: the OS user)')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const context = (cmd: Command): CommandContext => {
    const g = cmd.optsWithGlobals<{ home?: string; actor?: string; debug?: boolean }>();
    return {
      home: resolveHomePath(g.home, env['KEYSNARE_HOME'], cwd),
      io,
      now: () => new Date(),
      actor: g.actor ?? env['KEYSNARE_ACTOR'] ?? osUser(env),
      debug: g.debug === true,
      env,
      cwd,
    };
  };
  const run =
    (action: (ctx: CommandContext, cmd: Command) => Promise<number | void> | number | void) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const ctx = context(cmd);
      try {
        code = (await action(ctx, cmd)) ?? 0;
      } catch (err) {
        code = reportError(err, io, ctx.debug);
      }
    };
  for (const register of commands) register(program, run);
  return { program, exitCode: () => code };
}

/** Run the CLI; resolves to the exit code (0 ok, 1 operational error, 2 usage/config error). */
export async function main(
  argv: readonly string[],
  io?: Io,
  env = process.env,
  cwd = process.cwd(),
): Promise<number> {
  const streams: Io = io ?? {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTty: process.stderr.isTTY === true,
  };
  const { program, exitCode } = buildProgram(streams, env, cwd);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      // A command group given no subcommand prints its help on stderr with a non-zero code:
      // that is a usage error (2); asked-for help (`help token`) exits 0.
      if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2;
      return 2;
    }
    return reportError(err, streams, argv.includes('--debug'));
  }
  return exitCode();
}
