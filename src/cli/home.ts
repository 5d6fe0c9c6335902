import { resolve } from 'node:path';

/** The workspace folder: `--home`, else `KEYSNARE_HOME`, else `./.keysnare` (kept light for start-up). */
export function resolveHomePath(
  flag: string | undefined,
  envHome: string | undefined,
  cwd: string,
): string {
  return resolve(cwd, flag ?? (envHome || undefined) ?? '.keysnare');
}
