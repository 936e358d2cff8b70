import { BACKLOG_SHARE, RESOLUTION, type CapacityResult } from '../../scenarios/capacity.ts';
import { fixed, table } from './format.ts';

/** The measurement as text: how it was measured, one row per concurrency, exclusive and best. */
export function formatCapacity(result: CapacityResult): string {
  const nominal = result.nominalPerSec;
  const ofNominal = (perSec: number) => (Number.isFinite(nominal) ? fixed(perSec / nominal, 3) : '-');
  const head =
    `scenario ${result.scenario}: measured capacity, by bisection on the load under fifo\n` +
    `sustained = at most ${100 * BACKLOG_SHARE}% of the requests unfinished when the last one arrives, on each of seeds ${result.seeds.join(', ')}; ` +
    `resolution ${100 * RESOLUTION}%; capacity = the throughput at the highest load sustained\n` +
    (Number.isFinite(nominal)
      ? `nominal capacity ${fixed(nominal, 1)} req/s (mean solo execution time of the mix, every slot of every GPU busy, no interference)\n`
      : `nominal capacity: none (a trace; load compresses its time axis; its rate at load 1 is ${fixed(result.ratePerSecAtLoad1, 2)} req/s)\n`);
  const rows = result.byConcurrency.map((c) => [String(c.concurrency), fixed(c.sustainedLoad, 4), fixed(c.load, 4), fixed(c.perSec, 1), ofNominal(c.perSec), String(c.probes.length)]);
  const line = (label: string, c: CapacityResult['best']) =>
    `${label} (concurrency ${c.concurrency}): load ${fixed(c.load, 4)}, ${fixed(c.perSec, 1)} req/s${Number.isFinite(nominal) ? `, ${ofNominal(c.perSec)} x nominal` : ''}`;
  return (
    head +
    '\n' +
    table(['concurrency', 'highest load sustained', 'capacity (load)', 'capacity req/s', 'x nominal', 'loads probed'], rows) +
    '\n\n' +
    (result.exclusive === undefined ? '' : line('exclusive', result.exclusive) + '\n') +
    line('best', result.best) +
    '\n'
  );
}
