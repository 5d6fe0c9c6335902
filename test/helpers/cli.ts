import { main } from '../../src/cli/main.js';

/** Run the CLI in-process with captured output. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
) {
  let out = '';
  let err = '';
  const code = await main(
    args,
    { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false },
    env,
    process.cwd(),
  );
  return { code, out, err };
}

/** Parse JSON lines. */
export function jsonl<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** `keysnare token add` with a key, its IAM user name and a placement; returns the CLI result. */
export function addToken(home: string, accessKeyId: string, userName: string, placement: string) {
  return runCli([
    '--home',
    home,
    'token',
    'add',
    '--access-key-id',
    accessKeyId,
    '--user-name',
    userName,
    '--placement',
    placement,
  ]);
}
