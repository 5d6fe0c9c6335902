import type { Command } from 'commander';
import type { CommandContext } from './context.js';

/** Wraps a command action with context and error handling (see main.ts). */
export type Run = (
  action: (ctx: CommandContext, cmd: Command) => Promise<number | void> | number | void,
) => (...args: unknown[]) => Promise<void>;

/** A command module registers itself on the program. */
export type RegisterCommand = (program: Command, run: Run) => void;
