/** Jest runs TypeScript through ts-jest in transpile-only mode; `tsc --noEmit` in `npm test` does the type checking. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // Integration tests start real servers; two cores do not gain from many workers.
  maxWorkers: 2,
  globalSetup: '<rootDir>/tests/globalSetup.ts',
  globalTeardown: '<rootDir>/tests/globalTeardown.ts',
  setupFiles: ['<rootDir>/tests/setupRuntime.ts'],
  testTimeout: 120000,
};
