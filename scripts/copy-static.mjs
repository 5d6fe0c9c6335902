// Build step: the dashboard's static files (src/server/static/) beside the compiled server in dist/.
import { cpSync } from 'node:fs';

cpSync(
  new URL('../src/server/static/', import.meta.url),
  new URL('../dist/server/static/', import.meta.url),
  {
    recursive: true,
  },
);
