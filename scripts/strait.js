#!/usr/bin/env node
// The `strait` command: runs the CLI compiled ahead of use (compiled-cli.mjs), or the
// TypeScript sources through tsx where no build can be made.
import { compiledEntry } from '../compiled-cli.mjs';

const compiled = await compiledEntry('strait');
if (compiled !== undefined) {
  await import(compiled);
} else {
  const { registerTsx } = await import('../register-tsx.mjs');
  registerTsx();
  await import('./cli/main.ts');
}
