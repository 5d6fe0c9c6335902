#!/usr/bin/env -S node --max-semi-space-size=8
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm install` via `prepare`).
// The flag on the first line (honoured when run as `keysnare` / `npx keysnare`, which use the
// shebang) halves the main thread's young generation: it reads files too, and the default 16 MB
// semi-spaces cost about 30 MB of peak memory for no measurable speed (docs/performance.md).
// V8 sizes the heap when it starts, so the flag cannot be set from here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import('../dist/cli/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli')) {
      process.stderr.write(
        'keysnare: not built yet; run `npm install` (or `npm run build`) first\n',
      );
    } else {
      process.stderr.write(`keysnare: ${err && err.stack ? err.stack : String(err)}\n`);
    }
    process.exitCode = 1;
  });
