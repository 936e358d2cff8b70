/**
 * The event engine alone: a fixed set of recurring events (one per GPU and link
 * direction in a mid-sized cluster), each handler rescheduling its own event and one
 * other, as the GPU and link models do. No model code runs, so the figure moves with
 * the queue and the engine's loop only, and is steadier on a noisy machine than the
 * full benchmark. Usage:
 *   npm run bench:engine -- [--events N] [--handles N] [--repeats N]
 */
import { benchArgs } from './bench-args.ts';
import { Engine } from '../sim/core/engine.ts';
import type { EventHandle } from '../sim/core/event-queue.ts';

const { values } = benchArgs('bench:engine', {
  options: {
    events: { type: 'string', default: '9000000' },
    handles: { type: 'string', default: '13' },
    repeats: { type: 'string', default: '3' },
  },
});
const events = Number(values.events);
const count = Number(values.handles);

function once(): { ms: number; fired: number } {
  const engine = new Engine();
  let state = 12345; // a small LCG: the engine, not the random stream, is what is timed
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const handles: (EventHandle | undefined)[] = new Array(count).fill(undefined);
  let fired = 0;
  const actions = Array.from({ length: count }, (_, i) => () => {
    fired++;
    if (fired >= events) return;
    handles[i] = handles[i] === undefined ? engine.at(engine.now + next() * 10, actions[i]) : engine.move(handles[i]!, engine.now + next() * 10);
    const j = (i + 5) % count;
    if (handles[j]!.pending) handles[j] = engine.move(handles[j]!, engine.now + next() * 10);
  });
  for (let i = 0; i < count; i++) handles[i] = engine.at(next(), actions[i]);
  const started = performance.now();
  engine.run();
  return { ms: performance.now() - started, fired };
}

const results = Array.from({ length: Number(values.repeats) }, once);
for (const [k, r] of results.entries()) {
  console.log(`run ${k + 1}: ${r.fired.toLocaleString('en-US')} events in ${r.ms.toFixed(0)} ms, ${((r.ms * 1000) / r.fired).toFixed(3)} us per event`);
}
const best = Math.min(...results.map((r) => (r.ms * 1000) / r.fired));
console.log(`best: ${best.toFixed(3)} us per event (${count} recurring events, two reschedules per event)`);
