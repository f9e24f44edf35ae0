// @ts-check
import eslint from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The layers of src/, top to bottom. Imports run downwards only: the edge (index, http, graphql,
// the wiring) uses features; features use the data layer and leaf utilities; nothing imports up.
const EDGE = [
  './src/index.ts',
  './src/config.ts',
  './src/services.ts',
  './src/http',
  './src/graphql',
];
const FEATURES = [
  './src/auth',
  './src/users',
  './src/sessions',
  './src/audit',
  './src/throttling',
  './src/account-tokens',
];
const LEAVES = [
  './src/passwords',
  './src/db',
  './src/errors.ts',
  './src/logger.ts',
  './src/cache.ts',
  './src/text.ts',
  './src/mail',
];
const layer = (target, from, message) => ({ target, from, message });
const IMPORT_ZONES = [
  layer('./src', './src/index.ts', 'Nothing imports the entry file.'),
  layer('./src/graphql', './src/http', 'The GraphQL layer never imports the HTTP edge.'),
  layer(
    [...FEATURES, ...LEAVES, './src/context.ts', './src/caller.ts'],
    EDGE,
    'Features and leaves never import the edge, the wiring or config.ts: features own their settings types.',
  ),
  layer(
    LEAVES,
    [...FEATURES, './src/context.ts', './src/caller.ts'],
    'Leaf modules import no feature.',
  ),
  layer('./src/users', './src/auth', 'users/ never imports auth/: auth builds on users.'),
  layer(
    './src/sessions',
    ['./src/auth', './src/users'],
    'sessions/ takes what it needs from auth/ and users/ as ports (see TokenVersions).',
  ),
  layer(
    ['./src/audit', './src/throttling', './src/account-tokens'],
    ['./src/auth', './src/users', './src/sessions'],
    'The audit trail and the throttle sit below every feature that uses them.',
  ),
];

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      '**/__generated__/',
      'bench/results/',
      'bench/.venv/',
      // The example app is a frontend with its own tsconfig; test/e2e type-checks it strictly
      // after codegen (its generated code does not exist before).
      'examples/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    // Dependencies run one way and never in a circle (the generated types file is exempt: codegen
    // binds it to the context type, which names the services).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/ignore': ['__generated__'],
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: IMPORT_ZONES }],
    },
  },
  {
    // Jest's asymmetric matchers (expect.any, expect.stringContaining) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Tools that load these through a default export.
    files: ['eslint.config.mjs', 'test/helpers/global-setup.ts', 'test/helpers/global-teardown.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
