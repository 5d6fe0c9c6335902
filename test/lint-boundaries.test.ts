/**
 * The stage boundaries are lint rules (eslint.config.js): these fixtures must fail lint, and the
 * control must pass, so loosening a boundary fails this test.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// Fixtures are linted as if they stood at the given path; they are not in the TS project, so the
// type-aware rules are off for them (import restrictions need no types).
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [
    {
      files: ['**/lint-fixture-*.ts'],
      ...tseslint.configs.disableTypeChecked,
      languageOptions: { parserOptions: { projectService: false, project: false } },
    },
  ],
});

async function restricted(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const FIXTURES: readonly (readonly [string, string, string, RegExp])[] = [
  [
    'a rule imports normalize/',
    'src/detect/rules/lint-fixture-a.ts',
    "import { normalizeRecord } from '../../normalize/index.js';\nexport const a = normalizeRecord;\n",
    /must not import stage normalize/,
  ],
  [
    'a rule does I/O',
    'src/detect/rules/lint-fixture-b.ts',
    "import { readFileSync } from 'node:fs';\nexport const b = readFileSync;\n",
    /rules are pure/,
  ],
  [
    'a stage imports the store',
    'src/normalize/lint-fixture-c.ts',
    "import { openSqliteStore } from '../store/sqlite.js';\nexport const c = openSqliteStore;\n",
    /only app.ts constructs/,
  ],
  [
    'a stage imports another stage',
    'src/tokens/lint-fixture-d.ts',
    "import { rules } from '../detect/index.js';\nexport const d = rules;\n",
    /must not import stage detect/,
  ],
  [
    'a stage imports the AWS SDK',
    'src/sources/lint-fixture-e.ts',
    "import { IAMClient } from '@aws-sdk/client-iam';\nexport const e = IAMClient;\n",
    /only src\/aws\/ imports the AWS SDK/,
  ],
  [
    'the pipeline imports the composition root',
    'src/pipeline/lint-fixture-f.ts',
    "import { openWorkspace } from '../app.js';\nexport const f = openWorkspace;\n",
    /only app.ts constructs/,
  ],
  [
    'a root module opens the store itself',
    'src/lint-fixture-g.ts',
    "import { openSqliteStore } from './store/sqlite.js';\nexport const g = openSqliteStore;\n",
    /only app.ts constructs/,
  ],
];

describe('lint boundaries', () => {
  for (const [name, path, code, why] of FIXTURES) {
    it(`fails lint when ${name}`, async () => {
      const messages = await restricted(path, code);
      expect(messages.some((m) => m.startsWith('no-restricted-imports') && why.test(m))).toBe(true);
    });
  }

  it('passes a rule that imports only core/ and its own stage', async () => {
    const code =
      "import { describePlacement } from '../../core/index.js';\nimport { distinct } from '../grouping.js';\nexport const ok = [describePlacement, distinct];\n";
    expect(await restricted('src/detect/rules/lint-fixture-ok.ts', code)).toEqual([]);
  });
});
