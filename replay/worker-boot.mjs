// Entry of a replay worker process (forked with an IPC channel). Its first message is
// the setup; tsx is registered, then the TypeScript worker module named by the setup
// (replay/replay-worker.ts) takes over the channel.
import { registerTsx } from '../register-tsx.mjs';

const setup = await new Promise((resolve) => process.once('message', resolve));
registerTsx();
const worker = await import(setup.module);
await worker.serve(setup);
