/**
 * `npm run test:cluster`: tests on the production topology (scripts/cluster/: a real Temporal server on
 * PostgreSQL, the store on PostgreSQL, the API and worker processes). Not part of `npm test`: the
 * first run builds the Temporal server (about 10 minutes on 2 cores; `tsx scripts/cluster/install.ts`
 * runs before jest, outside any timeout), and each test runs exports at Autopilot's real rate.
 */
const transform = { '^.+\\.tsx?$': 'ts-jest' };

module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform,
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  // Starting the cluster (two PostgreSQL servers, Temporal, bundling, four processes) and a run at 5 requests/s.
  testTimeout: 300_000,
};
