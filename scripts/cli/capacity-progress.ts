// Apart from capacity-command.ts, so that `strait run` can name it without loading the capacity search.

/** Progress of a capacity measurement ("loadBasis": "measured") on stderr, only when it is a terminal. */
export function capacityProgress(): ((concurrency: number, probe: { load: number }) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let probes = 0;
  return (concurrency, probe) => process.stderr.write(`\rmeasuring capacity: ${++probes} probes; concurrency ${concurrency}, load ${probe.load.toFixed(4)} \x1b[K`);
}
