/**
 * The demo's folder: the one given with `--demo-home` (kept), or a new temp folder that is removed
 * afterwards — on success, on error, and on Ctrl-C or SIGTERM — so a demo run leaves nothing behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Options of {@link withDemoFolder}. */
export interface DemoFolderOptions {
  /**
   * Called after the temp folder is removed on a signal. Default: re-raise the signal, so the
   * process ends the way it would have without the handler.
   */
  readonly onSignal?: (signal: NodeJS.Signals) => void;
}

function reraise(signal: NodeJS.Signals): void {
  process.kill(process.pid, signal);
}

/**
 * Run `fn` with the demo's folder: `given` as it is (never removed), else a new
 * `keysnare-demo-*` folder under the OS temp folder, removed however `fn` ends.
 */
export async function withDemoFolder<T>(
  given: string | undefined,
  fn: (dir: string, temporary: boolean) => Promise<T>,
  opts: DemoFolderOptions = {},
): Promise<T> {
  if (given !== undefined) return fn(given, false);
  const dir = mkdtempSync(join(tmpdir(), 'keysnare-demo-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      detach();
      remove();
      (opts.onSignal ?? reraise)(signal);
    };
    return { signal, handler };
  });
  const detach = (): void => {
    for (const h of handlers) process.off(h.signal, h.handler);
  };
  for (const h of handlers) process.on(h.signal, h.handler);
  try {
    return await fn(dir, true);
  } finally {
    detach();
    remove();
  }
}
