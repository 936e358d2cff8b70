/**
 * Time limits for tests, sized for a busy machine (CI shares its cores with other jobs).
 * A limit catches a hang; it never measures speed. On the 2-core development VM under
 * `stress-ng --cpu 2` beside other jobs (load average 9-14), the slowest suite,
 * test/replay.test.ts, took 37-63 s in all and test/cli.test.ts 15-33 s; before the
 * timing checks moved out, the replay suite's beforeAll alone took 140 s against its
 * 240 s limit. The limits below are several times those.
 */

/** A test that computes in this process (vitest's default is 5 s). */
export const TEST_LIMIT_MS = 120_000;

/** A beforeAll/afterAll hook (vitest's default is 10 s). */
export const HOOK_LIMIT_MS = 300_000;

/** A test or hook that waits on `strait` child processes (CLI, sweeps, replays) or a browser. */
export const CHILD_LIMIT_MS = 600_000;

/** Kill a single child process after this long: it hangs (e.g. spins on corrupt input). */
export const HUNG_CHILD_MS = 300_000;
