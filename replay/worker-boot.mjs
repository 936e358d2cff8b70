// Entry of a TensorFlow.js replay worker process: tsx is registered, then the TypeScript
// worker (replay/replay-worker.ts) serves the replay protocol on stdin and stdout
// (newline-delimited JSON, replay/PROTOCOL.md).
import { registerTsx } from '../register-tsx.mjs';

registerTsx();
const worker = await import(new URL('./replay-worker.ts', import.meta.url).href);
await worker.serveStdio();
