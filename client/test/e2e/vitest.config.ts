import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../../vitest.config.ts';

// `npm run test:e2e`: the browser tests, apart from `npm test` (which excludes *.e2e.test.ts).
export default defineConfig({
  ...sourceConditions,
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    include: ['client/test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    // Starting the system may build the web app first.
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
