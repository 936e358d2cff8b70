// Entry of a `strait sweep` worker thread. Worker threads do not inherit the main
// thread's tsx hooks (Node 20), so register them here, then load the TypeScript
// worker module named by the pool (scripts/cli/sweep-worker.ts).
//
// The packages the simulator uses are imported first, before tsx is registered: Node
// loads them natively, and the TypeScript modules' imports of them later find them
// already loaded. Through tsx's hooks every file of apache-arrow (some hundreds) would
// be one round trip to the hooks thread: about a second per worker.
import { workerData } from 'node:worker_threads';
import 'apache-arrow';
import 'seedrandom';
import 'csv-parse/sync';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
