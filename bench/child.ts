/**
 * Runs `bin/keysnare.js` as a child process and times it from spawn to exit (start-up included).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What a finished child printed and how long it took. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Spawn to exit, in milliseconds. */
  readonly wallMs: number;
}

/**
 * The node flags of a script's `#!/usr/bin/env -S node …` line: what running it as a command
 * (`keysnare`, `npx keysnare`) passes to node.
 */
export function shebangFlags(script: string): string[] {
  let first: string;
  try {
    first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  } catch {
    return []; // node itself then says what is wrong with the path
  }
  const m = /^#!\S*env -S node((?: --?[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  return m?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/** Run `<script> ...args` in `cwd` as its shebang would (node with its flags) and collect its output. */
export function runNode(script: string, args: readonly string[], cwd: string): Promise<ChildRun> {
  const flags = shebangFlags(script);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...flags, script, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: performance.now() - started,
      });
    });
  });
}

/** The last few non-empty lines of a child's stderr, for error messages. */
export function stderrTail(run: ChildRun, lines = 5): string {
  return run.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join('\n');
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
