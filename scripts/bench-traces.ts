/**
 * Trace I/O benchmark. Times reading a one-million-row trace as CSV and as Arrow
 * (every row parsed and checked, best of three), then writes a large Arrow trace
 * (ten million rows by default) and runs it through `strait run` in a child
 * process, reporting that process's peak RSS: the trace streams, so memory does not
 * grow with its length. Usage:
 *   npm run bench:traces -- [--rows 1000000] [--big 10000000] [--gpus 8] [--keep DIR]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.ts';
import { buildArrivals } from '../scenarios/workload-plan.ts';
import { readTrace } from '../traces/trace-reader.ts';
import { writeTrace } from '../traces/trace-writer.ts';
import { benchScenario, benchScenarioJson } from './bench-scenario.ts';
import { bug } from '../sim/core/errors.ts';

const { values } = benchArgs('bench:traces', {
  options: {
    rows: { type: 'string', default: '1000000' },
    big: { type: 'string', default: '10000000' },
    gpus: { type: 'string', default: '8' },
  },
});
const rows = Number(values.rows);
const big = Number(values.big);
const gpus = Number(values.gpus);
const dir = mkdtempSync(join(tmpdir(), 'strait-bench-traces-'));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

try {
  const small = benchScenario({ requests: rows, gpus });
  for (const ext of ['csv', 'arrow']) {
    const file = join(dir, `trace.${ext}`);
    await writeTrace(file, buildArrivals(small));
    let best = Infinity;
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = performance.now();
      let count = 0;
      for await (const chunk of readTrace(file)) count += chunk.length;
      best = Math.min(best, performance.now() - started);
      if (count !== rows) bug(`trace read-back: expected ${rows} rows, got ${count}`);
    }
    console.log(`read ${rows.toLocaleString('en-US')} rows of ${ext.toUpperCase()} (${mib(statSync(file).size)}): ${(best / 1000).toFixed(2)} s (best of 3), ${Math.round(rows / (best / 1000)).toLocaleString('en-US')} rows/s`);
  }

  if (big > 0) {
    const bigScenario = benchScenario({ requests: big, gpus });
    const traceFile = join(dir, 'big.arrow');
    let started = performance.now();
    await writeTrace(traceFile, buildArrivals(bigScenario));
    console.log(`wrote ${big.toLocaleString('en-US')} rows of Arrow (${mib(statSync(traceFile).size)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const scenarioJson = { ...benchScenarioJson({ requests: big, gpus }), workload: { trace: traceFile }, load: 1 };
    const scenarioFile = join(dir, 'big-scenario.json');
    writeFileSync(scenarioFile, JSON.stringify(scenarioJson));
    started = performance.now();
    const out = join(dir, 'run');
    const child = spawnSync(process.execPath, ['scripts/strait.js', 'run', scenarioFile, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (child.status !== 0) bug(`strait run: expected exit 0, got ${child.status}`);
    const timing = JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8'));
    console.log(
      `strait run over it: ${((performance.now() - started) / 1000).toFixed(1)} s wall, ${Math.round(timing.eventsPerSec).toLocaleString('en-US')} events/s, ` +
        `peak RSS ${timing.peakRssMiB.toFixed(0)} MiB, requests.arrow ${mib(statSync(join(out, 'requests.arrow')).size)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
