import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test/fixtures/lint holds deliberate violations; test/unit/lint lints them to prove the rules below fire.
  { ignores: ['node_modules', 'dist', '.data', '.tools', 'coverage', 'test/fixtures/lint'] },
  ...tseslint.configs.recommended,
  {
    // What reviews kept finding: a promise nobody awaits, and modules that import each other.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] })],
    },
    rules: {
      // A deliberate fire-and-forget is written `void promise`, with a comment saying why.
      '@typescript-eslint/no-floating-promises': 'error',
      // Type-only imports are not followed: a cycle is one that runs.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A handler made before the value it closes over (a shutdown hook set up before start-up ends) needs `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // The determinism boundary: workflow code is replayed in a sandbox.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'axios', 'pg', '@electric-sql/*'], message: 'No I/O in workflow or domain code.' },
            { group: ['../activities', '../activities/*', '../store/*', '../autopilot', '../autopilot/*', '../config/*', '../api/*'], allowTypeImports: true, message: 'Workflows see activities and adapters only as types.' },
          ],
        },
      ],
    },
  },
);
