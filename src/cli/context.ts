/**
 * What every command gets: the resolved workspace home, output streams, clock and actor.
 */
import type { Io } from './output.js';

/** Shared command context. */
export interface CommandContext {
  readonly home: string;
  readonly io: Io;
  readonly now: () => Date;
  /** Who is acting, for custody history (--actor, else the OS user). */
  readonly actor: string;
  readonly debug: boolean;
  /** The environment, read only here at the edge and handed to app.ts. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}
