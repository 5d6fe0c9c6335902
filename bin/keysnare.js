#!/usr/bin/env -S node --max-semi-space-size=8 --no-parallel-scavenge --heap-growing-percent=150
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm install` via `prepare`).
// The flags on the first line (honoured when run as `keysnare` / `npx keysnare`, which use the
// shebang): half the main thread's default young generation (it reads files too, and the default
// 16 MB semi-spaces cost about 30 MB of peak memory for no measurable speed); young-generation
// collections on the thread that needs them: with every core reading files, V8's parallel
// scavenge only takes a core from another thread; and a full collection once the old generation
// has grown by 150% since the last one, where V8 lets a fast-allocating heap grow up to fourfold
// first (−40 to −50 MB of peak memory for a few more full collections; docs/performance.md).
// V8 sizes the heap and reads these when it starts, so they cannot be set from here.
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
