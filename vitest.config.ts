import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Tests run the workspace packages from their TypeScript sources: the
 * `@parley/source` export condition (package.json `exports`) points at src/,
 * where the default one points at the compiled dist/ (docs/operations.md).
 */
export const sourceConditions = {
  resolve: { conditions: ['@parley/source', ...defaultClientConditions] },
  // Without vite's `module`: vitest hands these conditions to Node for the packages it leaves
  // external, and `module` points Node at bundler-only builds (@aws-sdk's dist-es, which
  // imports without file extensions).
  ssr: { resolve: { conditions: ['@parley/source', ...defaultServerConditions.filter((c) => c !== 'module')] } },
};

export default defineConfig({
  ...sourceConditions,
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
