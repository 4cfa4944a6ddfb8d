import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Source tests see the SDK's source, as the bundle does.
    // Exact matches: a plain 'tosh/plugin-sdk' key would also rewrite 'tosh/plugin-sdk/testing' to '.../index.ts/testing'.
    alias: [
      { find: /^tosh\/plugin-sdk$/, replacement: fileURLToPath(new URL('./plugin-sdk/index.ts', import.meta.url)) },
      { find: /^tosh\/plugin-sdk\/testing$/, replacement: fileURLToPath(new URL('./plugin-sdk/testing.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'docs/examples/**/*.test.ts'],
    // Fixture plugins may carry their own tests: they are data here, run only by tests that copy them.
    exclude: ['test/fixtures/**', '**/node_modules/**', 'dist/**'],
    // The tests run the built shell: rebuild dist/ first when a source is newer.
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 20000,
    hookTimeout: 30000,
    pool: 'forks',
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
});
