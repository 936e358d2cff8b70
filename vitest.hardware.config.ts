/**
 * `npm run test:hardware`: the checks that depend on this machine's speed (real replays
 * whose timings are fitted, a time bound on reloading a backend). Run them on a quiet
 * machine; `npm test` (vitest.config.ts) leaves them out.
 */
import { defineConfig } from 'vitest/config';
import { HOOK_LIMIT_MS, TEST_LIMIT_MS } from './test/time-limits.ts';

export default defineConfig({
  test: {
    include: ['test/hardware/**/*.test.ts'],
    testTimeout: TEST_LIMIT_MS,
    hookTimeout: HOOK_LIMIT_MS,
  },
});
