/**
 * PATH arguments → the files under them: files named directly are always taken; folders are
 * walked recursively for the names `wanted` accepts, in sorted order, skipping hidden entries and
 * following each real folder once (symlink loops are harmless). What cannot be read is named, once
 * each, and the rest goes on. Used for CloudTrail inputs (pipeline/files.ts) and rule folders
 * (detect/sigma/load.ts).
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from './errors.js';
import type { RecordRejection } from './event.js';

/** The files found (path → size on disk, in walk order) and the paths that could not be used. */
export interface WalkedFiles {
  readonly files: Map<string, number>;
  readonly problems: RecordRejection[];
  /** Files named in `paths` themselves (not found by walking a folder). */
  readonly explicit: Set<string>;
}

export function walkFiles(
  paths: readonly string[],
  wanted: (name: string) => boolean,
): WalkedFiles {
  const files = new Map<string, number>();
  const problems: RecordRejection[] = [];
  const visited = new Set<string>();
  const explicit = new Set<string>();
  const walk = (dir: string): void => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch (err) {
      problems.push({ file: dir, reason: `cannot read folder: ${describeError(err)}` });
      return;
    }
    if (visited.has(real)) return;
    visited.add(real);
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch (err) {
      problems.push({ file: dir, reason: `cannot read folder: ${describeError(err)}` });
      return;
    }
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      const full = join(dir, name);
      try {
        const st = statSync(full);
        if (st.isDirectory()) walk(full);
        else if (st.isFile() && wanted(name)) files.set(full, st.size);
      } catch (err) {
        problems.push({ file: full, reason: `cannot read: ${describeError(err)}` });
      }
    }
  };
  for (const p of paths) {
    try {
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else {
        files.set(p, st.size);
        explicit.add(p);
      }
    } catch (err) {
      problems.push({ file: p, reason: `cannot read: ${describeError(err)}` });
    }
  }
  return { files, problems, explicit };
}
