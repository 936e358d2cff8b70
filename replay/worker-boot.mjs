// Entry of a replay worker process (forked with an IPC channel). Its first message is
// the setup; tsx is registered, then the TypeScript worker module named by the setup
// (replay/replay-worker.ts) takes over the channel.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const setup = await new Promise((resolve) => process.once('message', resolve));
// The project's tsconfig whatever the working directory (its class-field setting matters for speed).
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const worker = await import(setup.module);
await worker.serve(setup);
