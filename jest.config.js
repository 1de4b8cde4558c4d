/**
 * Jest runs TypeScript through ts-jest in transpile-only mode; `tsc --noEmit` in `npm test` does the type checking.
 *
 * Two projects. `unit` (tests/unit) needs neither a Temporal server nor Python: tests/setupUnit.ts makes any
 * attempt to start or reach one fail the test. `integration` (tests/integration, tests/e2e) starts one real
 * Temporal dev server for the run. Its globalSetup sits in the project, not at the top level: Jest 29 runs a
 * project's globalSetup/globalTeardown only when at least one selected test file belongs to that project, so
 * `jest --selectProjects unit` (npm run test:unit) or `jest tests/unit/...` starts no server, and `jest`
 * (npm test) starts it once for everything.
 */
const base = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};

module.exports = {
  projects: [
    {
      ...base,
      displayName: 'unit',
      roots: ['<rootDir>/tests/unit'],
      setupFiles: ['<rootDir>/tests/setupUnit.ts'],
    },
    {
      ...base,
      displayName: 'integration',
      roots: ['<rootDir>/tests/integration', '<rootDir>/tests/e2e'],
      globalSetup: '<rootDir>/tests/globalSetup.ts',
      globalTeardown: '<rootDir>/tests/globalTeardown.ts',
      setupFiles: ['<rootDir>/tests/setupRuntime.ts'],
    },
  ],
  // The default summary, then every skipped test with its reason (tests/helpers/skip.ts).
  reporters: ['default', '<rootDir>/tests/skippedReporter.js'],
  // Integration tests start real servers; two cores do not gain from many workers.
  maxWorkers: 2,
  testTimeout: 120000,
};
