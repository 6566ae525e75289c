/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // ts before js: a stray compiled .js file must never shadow its source.
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  // Type-checking is `npm run build`'s job (it runs first in `npm test`); ts-jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  testTimeout: 120000,
};
