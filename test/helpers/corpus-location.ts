/**
 * Where the third-party corpus is (Sigma rules, Stratus Red Team detonation logs, TrailDiscover
 * examples): `KEYSNARE_CORPUS` when set (relative to the repository), else `../shared/corpus`
 * beside the repository, else `.corpus/` inside it (what `npm run fetch-corpus` fills). No vitest
 * import here: the reporter in vitest.config.ts reads it too.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Corpus suites' names start with this, so the reporter can count them. */
export const CORPUS_SUITE_PREFIX = '[corpus] ';

/** How to get the corpus, for messages. */
export const CORPUS_HOWTO =
  'run `npm run fetch-corpus` (fetches the pinned upstream corpora into .corpus/), or set KEYSNARE_CORPUS=DIR to a copy';

/** The folders looked at, in order. */
export function corpusCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const given = env['KEYSNARE_CORPUS'];
  if (given) return [path.resolve(REPO_ROOT, given)];
  return [path.resolve(REPO_ROOT, '../shared/corpus'), path.resolve(REPO_ROOT, '.corpus')];
}

/** The first candidate that exists, or undefined. */
export function findCorpus(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return corpusCandidates(env).find((dir) => existsSync(dir));
}

/** True under CI (where a missing corpus must fail, not skip). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}
