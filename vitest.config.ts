/**
 * `npm test`: every test in test/ except test/hardware/, whose checks depend on how fast
 * this machine is (a fit of real timings, a speed bound): `npm run test:hardware` runs
 * those (vitest.hardware.config.ts). What stays here is deterministic, so a busy
 * machine can slow it down but not fail it.
 */
import { configDefaults, defineConfig } from 'vitest/config';
import { HOOK_LIMIT_MS, TEST_LIMIT_MS } from './test/time-limits.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/hardware/**'],
    // Generous defaults (vitest's are 5 s and 10 s): a limit here catches a hang, never
    // measures speed. Suites that wait on child processes set their own, longer ones.
    testTimeout: TEST_LIMIT_MS,
    hookTimeout: HOOK_LIMIT_MS,
  },
});
