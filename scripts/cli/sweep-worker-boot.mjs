// Entry of a `strait sweep` worker process (forked with an IPC channel). Its first
// message is the pool's setup; tsx is registered here, then the TypeScript worker
// module named by the setup (scripts/cli/sweep-worker.ts) takes over the channel.
//
// The packages the simulator uses are imported first, before tsx is registered: Node
// loads them natively, and the TypeScript modules' imports of them later find them
// already loaded. Through tsx's hooks every file of apache-arrow (some hundreds) would
// be one round trip to the hooks thread: about a second per worker. csv-parse is not
// among them: only a CSV trace with quoted fields loads it (traces/csv-records.ts).
import 'apache-arrow';
import 'seedrandom';
import { registerTsx } from '../../register-tsx.mjs';

const setup = await new Promise((resolve) => process.once('message', resolve));
registerTsx();
const worker = await import(setup.module);
worker.serve(setup);
