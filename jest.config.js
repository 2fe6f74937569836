/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // After the framework is installed: the setup registers an afterAll per test file.
  setupFilesAfterEnv: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 20000,
};
