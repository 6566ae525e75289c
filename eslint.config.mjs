// eslint (flat config): typescript-eslint's recommended rules with type information, no floating promises, and
// imports only of declared packages (application code: dependencies; tests and tools: devDependencies too).
// Formatting is prettier's (npm run format); eslint-config-prettier turns off the rules it would fight.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'build/', '.bench/', '**/*.d.ts', 'layers/', 'lambda/', 'tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      'import/no-extraneous-dependencies': [
        'error',
        { devDependencies: ['test/**', 'bench/**', 'bin/doctor.ts', 'lib/doctor/**'], optionalDependencies: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read synthesized CloudFormation, which is untyped JSON.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs', '**/*.mjs', '*.js'],
    languageOptions: { globals: globals.node },
    plugins: { import: importPlugin },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      'import/no-extraneous-dependencies': ['error', { devDependencies: true }],
    },
  },
  prettier,
);
