#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm install` via `prepare`).
import { setFlagsFromString } from 'node:v8';

// The main thread reads files too, but keeps little: small young semi-spaces keep its memory
// down at no measurable cost (docs/performance.md).
setFlagsFromString('--max-semi-space-size=4');
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
