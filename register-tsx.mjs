// Registers tsx for this process with the project's tsconfig, named by path so the
// working directory does not matter: its class-field setting is part of the
// simulator's speed (see the comment there). Used by every entry that runs the
// TypeScript sources: the `strait` command and the sweep and replay worker boots. It
// lives beside the tsconfig.json it names, outside every layer, so that replay/ can use
// it without importing the CLI (scripts/).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

export function registerTsx() {
  register({ tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) });
}
