import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'var/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Async methods here implement Promise-returning interfaces (the defender's store, the SFTP
      // handlers, close()): an async without await is deliberate there, and keeps throws as rejections.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The doors are handed services (src/gateway/services.ts) by the composition root: they never reach
    // for the daemon or the root itself.
    files: ['src/gateway/http/**', 'src/gateway/folders/**', 'src/gateway/sftp/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/daemon.ts', '**/root.ts'],
              message: 'a transport or route takes the services it is handed (services.ts), not the daemon',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benchmarks read JSON answers, logs and untyped fixtures field by field: typing each one
    // would add casts, not safety. The no-unsafe-* family stays on for src/.
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
