#!/usr/bin/env node
// The `strait` command: registers tsx so the TypeScript sources run as they are.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project's tsconfig, from whatever directory `strait` runs in: its class-field
// setting matters for speed (see the comment there).
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('./cli/main.ts');
