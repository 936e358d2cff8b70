/**
 * Time limits for tests, sized for a busy machine (CI shares its cores with other jobs;
 * `stress-ng --cpu 2` on 2 cores roughly halves the CPU a test gets). A limit catches a
 * hang; it never measures speed, so each is several times the slowest run seen under
 * stress (README, Tests).
 */

/** A test that computes in this process (vitest's default is 5 s). */
export const TEST_LIMIT_MS = 120_000;

/** A beforeAll/afterAll hook (vitest's default is 10 s). */
export const HOOK_LIMIT_MS = 300_000;

/** A test or hook that waits on `strait` child processes (CLI, sweeps, replays) or a browser. */
export const CHILD_LIMIT_MS = 600_000;

/** Kill a single child process after this long: it hangs (e.g. spins on corrupt input). */
export const HUNG_CHILD_MS = 300_000;
