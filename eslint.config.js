// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const STAGES = [
  'sources',
  'normalize',
  'detect',
  'incidents',
  'alert',
  'respond',
  'scan',
  'tokens',
];
const NO_SDK = { group: ['@aws-sdk/*'], message: 'only src/aws/ imports the AWS SDK' };
const NO_WIRING = {
  group: ['**/store/*', '**/config/*', '**/cli/*', '**/server/*', '**/pipeline*', '**/app.js'],
  message: 'stages receive ports; only app.ts constructs and pipeline.ts wires',
};

/** Patterns a stage may not import: another stage, the wiring, the SDK. */
const stagePatterns = (stage) => [
  ...STAGES.filter((s) => s !== stage).map((other) => ({
    group: [`**/${other}/*`],
    message: `stage ${stage}/ must not import stage ${other}/; go through core/ types and the pipeline`,
  })),
  NO_WIRING,
  NO_SDK,
];

/**
 * A stage imports only core/, aws/ and its own files — never another stage or the wiring. Tests
 * beside a stage's files may build their inputs with other stages.
 */
const stageBoundaries = STAGES.map((stage) => ({
  files: [`src/${stage}/**/*.ts`],
  ignores: ['**/*.test.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: stagePatterns(stage) }] },
}));

/**
 * Root modules (pipeline, ingest, Safety Net pass) wire stages; only app.ts constructs, and only
 * cli/ (and later server/) calls app.ts.
 */
const rootModules = {
  files: ['src/*.ts', 'src/pipeline/**/*.ts'],
  ignores: ['src/app.ts', '**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['**/app.js', '**/cli/*', '**/server/*', '**/store/*', '**/config/*'],
            message: 'the pipeline receives ports and config values; only app.ts constructs them',
          },
          NO_SDK,
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      'bin/**',
      // Plain Node build step over dist/ (no types to check against before dist/ exists).
      'scripts/*.mjs',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.keysnare/**',
      'bench/.data/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    // The dashboard's browser script: plain JavaScript, no TypeScript project to type-check against.
    files: ['src/server/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', JSON: 'readonly' },
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', '!./*'], message: 'core/ imports nothing else from src/' },
            { group: ['@aws-sdk/*', 'better-sqlite3'], message: 'core/ stays dependency-free' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/aws/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_SDK] }] },
  },
  ...stageBoundaries,
  rootModules,
  {
    // Rules are pure, and still a part of the detect stage: both sets of patterns apply.
    files: ['src/detect/rules/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', '**/aws/*'], message: 'rules are pure: no I/O' },
            ...stagePatterns('detect'),
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
