// Entry of a `strait sweep` worker process (forked with an IPC channel). Its first
// message is the pool's setup; tsx is registered here, then the TypeScript worker
// module named by the setup (scripts/cli/sweep-worker.ts) takes over the channel.
//
// The packages the simulator uses are imported first, before tsx is registered: Node
// loads them natively, and the TypeScript modules' imports of them later find them
// already loaded. Through tsx's hooks every file of apache-arrow (some hundreds) would
// be one round trip to the hooks thread: about a second per worker.
import 'apache-arrow';
import 'seedrandom';
import 'csv-parse/sync';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const setup = await new Promise((resolve) => process.once('message', resolve));
// The project's tsconfig whatever the working directory (its class-field setting matters for speed).
register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
const worker = await import(setup.module);
worker.serve(setup);
