/** Jest 30 in ESM mode: NestJS 12 is ESM-only. Run with NODE_OPTIONS=--experimental-vm-modules (npm test does). */
export default {
  testEnvironment: 'node',
  // Suites that start the built demo as a process wait for it; on a loaded 2-core machine that takes over 5 s.
  testTimeout: 30_000,
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  moduleNameMapper: {
    '^nestjs-token-auth$': '<rootDir>/libs/token-auth/src/index.ts',
    '^nestjs-token-auth/aws$': '<rootDir>/libs/token-auth/src/keys/aws/index.ts',
    '^nestjs-token-auth/redis$': '<rootDir>/libs/token-auth/src/revocation/redis/index.ts',
    '^nestjs-token-auth/terminus$': '<rootDir>/libs/token-auth/src/terminus/index.ts',
    '^nestjs-token-auth/client$': '<rootDir>/libs/token-auth/src/client/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  // The consumer apps under test/consumers run their own Jest, against the packed tarball (scripts/test-consumers.mjs).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/'],
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/libs/token-auth/dist', '<rootDir>/test/consumers/'],
};
