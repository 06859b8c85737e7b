import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', '.data', '.tools', 'coverage'] },
  ...tseslint.configs.recommended,
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
