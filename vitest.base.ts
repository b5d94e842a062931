/** The one vitest configuration every workspace uses (`export { default } from '../vitest.base.js'`). */
import { defineConfig } from 'vitest/config';

// Each test variant (PARKING_TEST_VARIANT: the engines a suite runs on) leaves a report of its own.
const variant = process.env.PARKING_TEST_VARIANT;
const report = variant && variant !== 'sqlite' ? `vitest-${variant}.json` : 'vitest.json';

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, so tests need no build first.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The JSON report is what `npm test` (scripts/test-report.mjs) sums into one closing line.
    reporters: ['default', ['json', { outputFile: `.test-results/${report}` }]],
  },
});
