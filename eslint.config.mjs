// eslint (flat config): typescript-eslint's recommended rules with type information, no floating promises, and
// imports only of declared packages (application code: dependencies; tests and tools: devDependencies too).
// Formatting is prettier's (npm run format); eslint-config-prettier turns off the rules it would fight.
// The layout holds by rule (docs/architecture.md): no import circles, and dependencies point one way, entry points
// (bin/) -> pipeline/ -> lib/stages -> lib/constructs -> lib/config, the layer build and the configuration never
// importing constructs; only bin/ reads the CDK context.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** What each folder must not import: its own layer and those below it only (docs/architecture.md). */
const ABOVE_CONFIG = [
  'lib/layer-content',
  'lib/layer-build',
  'lib/policy',
  'lib/constructs',
  'lib/stages',
  'lib/local',
];
const TOOLS = ['lib/doctor', 'lib/layer-lifecycle', 'lib/services', 'pipeline', 'bin'];
const LAYERS = [
  { target: 'lib/config', from: [...ABOVE_CONFIG, 'lib/service.ts', ...TOOLS] },
  { target: 'lib/layer-content', from: [...ABOVE_CONFIG.slice(1), 'lib/service.ts', ...TOOLS] },
  {
    target: 'lib/layer-build',
    from: ['lib/policy', 'lib/constructs', 'lib/stages', 'lib/local', 'lib/service.ts', ...TOOLS],
  },
  { target: 'lib/policy', from: [...ABOVE_CONFIG.filter((f) => f !== 'lib/policy'), 'lib/service.ts', ...TOOLS] },
  { target: 'lib/constructs', from: ['lib/layer-build', 'lib/stages', 'lib/local', ...TOOLS] },
  { target: 'lib/service.ts', from: ['lib/layer-build', 'lib/stages', 'lib/local', ...TOOLS] },
  { target: 'lib/stages', from: ['lib/layer-build', 'lib/local', ...TOOLS] },
  { target: 'lib/local', from: ['lib/layer-build', 'lib/stages', ...TOOLS] },
  {
    target: 'lib/layer-lifecycle',
    from: [
      'lib/policy',
      'lib/constructs',
      'lib/stages',
      'lib/local',
      'lib/layer-build',
      'lib/service.ts',
      'lib/doctor',
      'lib/services',
      'pipeline',
      'bin',
    ],
  },
  { target: 'lib/doctor', from: ['lib/services', 'pipeline', 'bin'] },
  { target: 'pipeline', from: ['lib/doctor', 'lib/services', 'bin'] },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'build/', '.bench/', '**/*.d.ts', 'layers/', 'lambda/', 'tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
      // Without it the plugin cannot read a TypeScript module it follows, and no-cycle would see no circle.
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      'import/no-extraneous-dependencies': [
        'error',
        {
          devDependencies: [
            'test/**',
            'bench/**',
            'bin/doctor.ts',
            'bin/layers.ts',
            'lib/doctor/**',
            'lib/layer-lifecycle/**',
          ],
          optionalDependencies: false,
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': ['error', { ignoreExternal: true }],
      'import/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: LAYERS.map(({ target, from }) => ({
            target,
            from,
            message: `${target} must not import this: dependencies point one way (docs/architecture.md)`,
          })),
        },
      ],
    },
  },
  {
    // Configuration is typed data read in one place: bin/ (STYLE.md); below it, everything receives typed props.
    files: ['lib/**/*.ts', 'pipeline/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='tryGetContext']",
          message: 'Only bin/ reads the CDK context: take the value as a typed prop.',
        },
      ],
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
