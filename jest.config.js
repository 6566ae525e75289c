/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // ts before js: a stray compiled .js file must never shadow its source.
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  // Type-checking is `npm run build`'s job (it runs first in `npm test`); ts-jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // CloudFormation's default rules are checked once, by test/cfn-rules.test.ts, not at every synth (see the file).
  setupFiles: ['<rootDir>/test/jest-environment.ts'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  testTimeout: 120000,
  // A worker per core: much of the suite waits on pip, podman and the CLIs it runs, and jest's default (one core
  // fewer) runs it in a single worker on a 2-core machine, at twice the time (npm run bench).
  maxWorkers: '100%',
};
