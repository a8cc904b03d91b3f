import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['schema/src/**/*.test.ts', 'scripts/**/*.test.mjs', 'sync-server/{src,test}/**/*.test.ts', 'media-server/{src,test}/**/*.test.ts', 'client/{src,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Server tests bind ports and own a database each; files run in parallel, tests within a file in order.
    fileParallelism: true,
    pool: 'forks',
  },
});
