#!/usr/bin/env node
// The `strait` command: registers tsx so the TypeScript sources run as they are.
import { registerTsx } from '../register-tsx.mjs';

registerTsx();
await import('./cli/main.ts');
