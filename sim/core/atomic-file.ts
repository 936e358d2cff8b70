import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { writingTo } from './output-errors.ts';
import { removeStaleTemporariesOf, temporaryPathOf } from './stale-temporaries.ts';
import { trackTemporary, untrackTemporary } from './temporary-paths.ts';

/**
 * Writes a whole file under a temporary name, then renames it into place, so no
 * reader ever sees half of it. Temporaries of the same file left by writers that
 * died are removed first. A place that cannot be written is an input error naming
 * `place` (the path as the user gave it).
 */
export function writeFileAtomically(path: string, contents: string | Uint8Array, place: string = path): void {
  removeStaleTemporariesOf(path);
  const temporary = temporaryPathOf(path);
  trackTemporary(temporary);
  try {
    writingTo(place, () => {
      writeFileSync(temporary, contents);
      renameSync(temporary, path);
    });
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    untrackTemporary(temporary);
  }
}
