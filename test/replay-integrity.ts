/**
 * What a replay directory must hold whatever the machine's speed: every request
 * accounted for, each served request's stages in order, each worker's timeline
 * monotone, and co-location sets that agree with the execution intervals and with each
 * other. Tests check a real replay with it instead of its timings; `replayProblems`
 * lists what is wrong (empty when nothing is), so a failure names the request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { OUTCOMES } from '../sim/metrics/request-records.ts';
import type { ReplayRecord } from '../replay/replay-records.ts';

/**
 * Transfer and execution times are stamped by the worker process, arrival and
 * completion by the dispatcher: both read the monotonic clock, but its readings in two
 * processes may disagree by a few microseconds.
 */
const CLOCK_SLACK_MS = 0.05;
/** Overlaps and per-concurrency times are written with 3 decimals. */
const ROUNDING_MS = 0.0015;

/**
 * A request as read from requests.arrow: a replay record's fields but the batch (the
 * priority as written, not yet checked to be a class), plus its worker and co-run time.
 */
export interface ReplayRow extends Omit<ReplayRecord, 'batch' | 'priority'> {
  readonly priority: string;
  readonly worker: number;
  readonly coRunMs: number;
}

interface ClassCounts {
  readonly count: number;
  readonly [outcome: string]: number;
}

export interface ReplayContents {
  readonly meta: { readonly status: string; readonly requests: number; readonly workersPerDevice: readonly number[] };
  readonly summary: { readonly requests: number; readonly classes: Readonly<Record<string, ClassCounts>> };
  /** Phases per model, from the replay's scenario.json. */
  readonly phases: Readonly<Record<string, number>>;
  readonly rows: readonly ReplayRow[];
}

const numbers = (text: string): number[] => (text === '' ? [] : text.split(',').map(Number));

export function readReplayContents(dir: string): ReplayContents {
  const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
  const scenario = json('scenario.json') as { models: { name: string; phases: unknown[] }[] };
  const table = tableFromIPC(readFileSync(join(dir, 'requests.arrow')));
  const column = (name: string) => {
    const c = table.getChild(name);
    if (c === null) throw new Error(`${dir}/requests.arrow: no column ${name}`);
    return c;
  };
  const names = {
    id: 'id', arrival: 'arrival_ms', model: 'model', priority: 'priority', deadline: 'deadline_ms', outcome: 'outcome', gpu: 'gpu', worker: 'worker',
    transferInStart: 'transfer_in_start_ms', transferInEnd: 'transfer_in_end_ms', executionStart: 'execution_start_ms', executionEnd: 'execution_end_ms',
    transferOutStart: 'transfer_out_start_ms', completed: 'completed_ms', latency: 'latency_ms', coRunners: 'co_runners', coRunMs: 'co_run_ms',
    maxCoRunners: 'max_co_runners', timeAtConcurrency: 'time_at_concurrency_ms', phaseMs: 'phase_ms',
  } as const;
  const columns = Object.fromEntries(Object.entries(names).map(([key, name]) => [key, column(name)]));
  const rows: ReplayRow[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const get = (key: keyof typeof names) => columns[key].get(i);
    rows.push({
      id: Number(get('id')),
      arrival: get('arrival'),
      model: String(get('model')),
      priority: String(get('priority')),
      deadline: get('deadline'),
      outcome: String(get('outcome')),
      gpu: get('gpu'),
      worker: get('worker'),
      transferInStart: get('transferInStart'),
      transferInEnd: get('transferInEnd'),
      executionStart: get('executionStart'),
      executionEnd: get('executionEnd'),
      transferOutStart: get('transferOutStart'),
      completed: get('completed'),
      latency: get('latency'),
      coRunners: String(get('coRunners')) === '' ? [] : String(get('coRunners')).split(',').map((pair) => {
        const [id, ms] = pair.split(':');
        return { id: Number(id), overlapMs: Number(ms) };
      }),
      coRunMs: get('coRunMs'),
      maxCoRunners: get('maxCoRunners'),
      timeAtConcurrency: numbers(String(get('timeAtConcurrency'))),
      phaseMs: numbers(String(get('phaseMs'))),
    });
  }
  return {
    meta: json('replay.json'),
    summary: json('summary.json'),
    phases: Object.fromEntries(scenario.models.map((m) => [m.name, m.phases.length])),
    rows,
  };
}

const isServed = (row: ReplayRow) => row.outcome === 'met' || row.outcome === 'late';

/** Everything wrong with a replay's records, one line each (empty when nothing is). */
export function replayProblems(replay: ReplayContents): string[] {
  return [...accountingProblems(replay), ...stageProblems(replay), ...timelineProblems(replay), ...coLocationProblems(replay)];
}

/** Every request of the trace is in the records once, with an outcome the summary counts. */
function accountingProblems({ meta, summary, rows }: ReplayContents): string[] {
  const problems: string[] = [];
  if (meta.status !== 'complete') problems.push(`replay.json: status ${meta.status}, expected complete`);
  if (rows.length !== meta.requests) problems.push(`requests.arrow: ${rows.length} records, replay.json says ${meta.requests} requests`);
  if (summary.requests !== rows.length) problems.push(`summary.json: ${summary.requests} requests, requests.arrow has ${rows.length}`);
  const ids = new Set(rows.map((r) => r.id));
  if (ids.size !== rows.length) problems.push(`requests.arrow: ${rows.length - ids.size} duplicate ids`);
  const counted: Record<string, Record<string, number>> = {};
  for (const row of rows) {
    if (!(OUTCOMES as readonly string[]).includes(row.outcome)) problems.push(`request ${row.id}: outcome "${row.outcome}", expected one of ${OUTCOMES.join(', ')}`);
    const perClass = (counted[row.priority] ??= {});
    perClass[row.outcome] = (perClass[row.outcome] ?? 0) + 1;
    perClass.count = (perClass.count ?? 0) + 1;
    const times = [row.transferInStart, row.transferInEnd, row.executionStart, row.executionEnd, row.transferOutStart, row.completed];
    if (isServed(row)) {
      if (!times.every(Number.isFinite) || row.worker < 0) problems.push(`request ${row.id}: ${row.outcome} but without every stage time and a worker`);
      else if ((row.outcome === 'met') !== (row.completed <= row.deadline)) problems.push(`request ${row.id}: ${row.outcome}, completed ${row.completed} against deadline ${row.deadline}`);
    } else if (row.worker >= 0 || Number.isFinite(row.executionStart) || row.coRunners.length > 0) {
      problems.push(`request ${row.id}: ${row.outcome} but with a worker, an execution or co-runners`);
    }
  }
  for (const [priority, counts] of Object.entries(summary.classes)) {
    for (const key of ['count', ...OUTCOMES]) {
      const got = counted[priority]?.[key] ?? 0;
      if (counts[key] !== got) problems.push(`summary.json: ${priority} ${key} ${counts[key]}, requests.arrow has ${got}`);
    }
  }
  return problems;
}

/** A served request's stages follow one another, and its latency is completion minus arrival. */
function stageProblems({ rows }: ReplayContents): string[] {
  const problems: string[] = [];
  const stages = ['arrival', 'transferInStart', 'transferInEnd', 'executionStart', 'executionEnd', 'transferOutStart', 'completed'] as const;
  for (const row of rows.filter(isServed)) {
    for (let k = 1; k < stages.length; k++) {
      if (row[stages[k]] < row[stages[k - 1]] - CLOCK_SLACK_MS) problems.push(`request ${row.id}: ${stages[k]} ${row[stages[k]]} before ${stages[k - 1]} ${row[stages[k - 1]]}`);
    }
    if (Math.abs(row.latency - (row.completed - row.arrival)) > 1e-6) problems.push(`request ${row.id}: latency ${row.latency} is not completed - arrival`);
  }
  return problems;
}

/**
 * Arrivals come in trace order; a worker runs one request at a time on one device: its
 * executions do not overlap (one clock, the worker's) and the dispatcher sends it the
 * next request only after the last one came back (one clock, the dispatcher's).
 */
function timelineProblems({ rows }: ReplayContents): string[] {
  const problems: string[] = [];
  const byId = [...rows].sort((a, b) => a.id - b.id);
  for (let i = 1; i < byId.length; i++) {
    if (byId[i].arrival < byId[i - 1].arrival) problems.push(`request ${byId[i].id} arrived at ${byId[i].arrival}, before request ${byId[i - 1].id} (${byId[i - 1].arrival})`);
  }
  const byWorker = new Map<number, ReplayRow[]>();
  for (const row of rows.filter(isServed)) byWorker.set(row.worker, [...(byWorker.get(row.worker) ?? []), row]);
  for (const [worker, runs] of byWorker) {
    runs.sort((a, b) => a.executionStart - b.executionStart);
    if (new Set(runs.map((r) => r.gpu)).size > 1) problems.push(`worker ${worker}: served more than one device`);
    for (let i = 1; i < runs.length; i++) {
      const [before, after] = [runs[i - 1], runs[i]];
      if (after.executionStart < before.executionEnd) problems.push(`worker ${worker}: request ${after.id} started executing before request ${before.id} ended`);
      if (after.transferInStart < before.completed) problems.push(`worker ${worker}: request ${after.id} was sent before request ${before.id} came back`);
    }
  }
  return problems;
}

/**
 * Co-runners are exactly the served requests whose executions overlapped on the same
 * device, each listed on both sides with the same overlap; the time at each concurrency
 * adds up to the execution time and never exceeds the device's workers.
 */
function coLocationProblems({ meta, phases, rows }: ReplayContents): string[] {
  const problems: string[] = [];
  const served = rows.filter(isServed);
  const byId = new Map(served.map((r) => [r.id, r]));
  for (const row of served) {
    const expected = served
      .filter((o) => o.id !== row.id && o.gpu === row.gpu && Math.min(o.executionEnd, row.executionEnd) > Math.max(o.executionStart, row.executionStart))
      .map((o) => o.id)
      .sort((a, b) => a - b);
    const listed = row.coRunners.map((c) => c.id);
    if (listed.join() !== expected.join()) problems.push(`request ${row.id}: co-runners [${listed.join(', ')}], its execution overlapped [${expected.join(', ')}]`);
    for (const { id, overlapMs } of row.coRunners) {
      const other = byId.get(id);
      if (other === undefined) continue;
      const overlap = Math.min(other.executionEnd, row.executionEnd) - Math.max(other.executionStart, row.executionStart);
      if (Math.abs(overlapMs - overlap) > ROUNDING_MS) problems.push(`request ${row.id}: overlap with ${id} given as ${overlapMs} ms, the intervals overlap ${overlap} ms`);
      const back = other.coRunners.find((c) => c.id === row.id);
      if (back === undefined || back.overlapMs !== overlapMs) problems.push(`request ${row.id}: co-runner ${id} does not list it back with the same overlap`);
    }
    const executed = row.executionEnd - row.executionStart;
    const total = row.timeAtConcurrency.reduce((a, b) => a + b, 0);
    if (Math.abs(total - executed) > ROUNDING_MS * row.timeAtConcurrency.length) problems.push(`request ${row.id}: time at each concurrency adds up to ${total} ms, it executed ${executed} ms`);
    const shared = row.timeAtConcurrency.slice(1).reduce((a, b) => a + b, 0);
    if (Math.abs(row.coRunMs - shared) > ROUNDING_MS * row.timeAtConcurrency.length) problems.push(`request ${row.id}: co_run_ms ${row.coRunMs}, time beside others ${shared}`);
    if (row.maxCoRunners !== row.timeAtConcurrency.length - 1 || row.maxCoRunners > row.coRunners.length) {
      problems.push(`request ${row.id}: max_co_runners ${row.maxCoRunners} with ${row.coRunners.length} co-runners and ${row.timeAtConcurrency.length} concurrency levels`);
    }
    const workers = meta.workersPerDevice[row.gpu];
    if (row.maxCoRunners > workers - 1) problems.push(`request ${row.id}: ${row.maxCoRunners} co-runners at once on a device of ${workers} workers`);
    if (row.phaseMs.length !== phases[row.model]) problems.push(`request ${row.id}: ${row.phaseMs.length} phase times, ${row.model} has ${phases[row.model]} phases`);
  }
  return problems;
}
