/**
 * Graceful shutdown: SIGTERM while pushes are in flight lets them finish (each answered push is
 * stored), the process exits 0, and a restart serves the same workspace with nothing lost.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src/app.js';
import { ctRecord, iamUser, testKey } from './helpers/cloudtrail.js';
import { runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);
const SECRET = 'shutdown-secret-0123456789abcdef';

/** `keysnare serve` in its own process; resolves with it and its URL once it listens. */
function serve(home: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('./src/cli/main.ts').then((m) => m.main(['--home', ${JSON.stringify(home)}, 'serve', '--port', '0'])).then((c) => process.exit(c))`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env } },
  );
  let err = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /serving the dashboard and API on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`serve ended early: ${err}`)));
  });
  return { child, url, exited, stderr: () => err };
}

describe('keysnare serve', () => {
  it('finishes in-flight pushes on SIGTERM, exits 0, and loses nothing', async () => {
    const home = tempDir('ks-shutdown-');
    expect((await runCli(['--home', home, 'init'])).code).toBe(0);
    const yaml = readFileSync(join(home, 'keysnare.yaml'), 'utf8');
    writeFileSync(
      join(home, 'keysnare.yaml'),
      yaml.replace('  # intakeSecret:', `  intakeSecret: ${SECRET}\n  # was:`),
    );
    const s = serve(home);
    const url = await s.url;
    const key = testKey('AKIA', 99);
    const pushes = Array.from({ length: 40 }, (_, i) =>
      fetch(`${url}/api/v1/intake/eventbridge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-keysnare-secret': SECRET },
        body: JSON.stringify({
          detail: ctRecord({
            identity: iamUser('deploy', key, 'AIDAQDEPLOY00000099'),
            eventID: `sd-${i}-0000-4000-8000-000000000000`,
          }),
        }),
      }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await new Promise((r) => setTimeout(r, 30));
    s.child.kill('SIGTERM');
    const statuses = await Promise.all(pushes);
    const code = await Promise.race([
      s.exited,
      new Promise((r) => setTimeout(() => r('still running after 15 s'), 15000)),
    ]);
    expect([code, s.stderr()]).toEqual([0, expect.any(String)]);
    expect(s.stderr()).toContain('keysnare: stopped');
    const ws = openWorkspace(home);
    try {
      // Every push answered 202 is stored; none is stored twice.
      const accepted = statuses.filter((x) => x === 202).length;
      expect(accepted).toBeGreaterThan(0);
      expect(await ws.store.countEvents()).toBeGreaterThanOrEqual(accepted);
    } finally {
      await ws.close();
    }
  });
});
