/**
 * Runs one of scripts/ through tsx in its own node, as `npm run bench:...` would, and
 * returns what it printed: the bench-script tests check their output lines and exit
 * codes, never their timings.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HUNG_CHILD_MS } from './time-limits.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `script`: a file name under scripts/ (bench-floor.ts); `env` replaces the child's environment when given. */
export function runBenchScript(script: string, args: readonly string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}`, ...args], { cwd: ROOT, encoding: 'utf8', timeout: HUNG_CHILD_MS, env });
}
