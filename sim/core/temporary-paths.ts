import { rmSync } from 'node:fs';

/**
 * Outputs being written (temporary siblings renamed into place when complete) and the
 * locks held on output places. An interrupt (Ctrl-C, SIGTERM from a scheduler) removes
 * them before the process exits, so a stopped command leaves nothing half-written
 * behind. Paths are dropped from the set once renamed, discarded or released. (What a
 * SIGKILL leaves, the next writer to the place removes: see stale-temporaries.ts.)
 */
const pending = new Set<string>();
let installed = false;

export function trackTemporary(path: string): void {
  if (!installed) {
    installed = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        for (const p of pending) rmSync(p, { recursive: true, force: true });
        process.stderr.write(`strait: interrupted (${signal}); partial output removed\n`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    }
  }
  pending.add(path);
}

export function untrackTemporary(path: string): void {
  pending.delete(path);
}
