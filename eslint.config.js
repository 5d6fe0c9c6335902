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

/** A stage imports only core/, aws/ and its own files — never another stage or the wiring. */
const stageBoundaries = STAGES.map((stage) => ({
  files: [`src/${stage}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...STAGES.filter((s) => s !== stage).map((other) => ({
            group: [`**/${other}/*`],
            message: `stage ${stage}/ must not import stage ${other}/; go through core/ types and pipeline.ts`,
          })),
          NO_WIRING,
          NO_SDK,
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'bin/**',
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
  {
    files: ['src/detect/rules/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', '**/aws/*'], message: 'rules are pure: no I/O' },
            NO_SDK,
            NO_WIRING,
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
