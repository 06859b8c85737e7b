/** Unit tests need nothing; integration tests start a real Temporal dev server (see test/helpers/global-setup.ts). */
// ts-jest only transpiles (tsc checks types), since tsconfig.json sets isolatedModules.
const transform = { '^.+\\.tsx?$': 'ts-jest' };

module.exports = {
  // Opening an in-memory store takes a few seconds on a busy 2-core CI machine; the default 5 s is too tight.
  testTimeout: 30_000,
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform, testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/helpers/integration-setup.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
  ],
};
