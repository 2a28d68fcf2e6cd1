/** Jest: swc transform (types are checked separately by `tsc --noEmit`). */
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      // fauxqs is ESM-only: keep `import()` so Node loads it natively.
      module: { type: 'commonjs', ignoreDynamic: true },
    },
  ],
};
const base = {
  testEnvironment: 'node',
  transform,
  // @middy/core is ESM; let swc transform it.
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  rootDir: __dirname,
};
module.exports = {
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '<rootDir>/test/lib/', '<rootDir>/test/browser/'],
    },
    {
      ...base,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/lib/**/*.test.ts'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
