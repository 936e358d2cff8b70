import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { InputError } from '../sim/core/errors.ts';
import type { Priority } from '../sim/model/request.ts';
import { parseScenario } from '../scenarios/parse-scenario.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import type { ReplayMeta } from './run-replay.ts';

/** One request of a replay directory, as calibration and validation read it. */
export interface ReplayRecord {
  readonly id: number;
  readonly arrival: number;
  readonly model: string;
  readonly batch: number;
  readonly priority: Priority;
  readonly deadline: number;
  readonly outcome: string;
  readonly gpu: number;
  readonly transferInStart: number;
  readonly transferInEnd: number;
  readonly executionStart: number;
  readonly executionEnd: number;
  readonly transferOutStart: number;
  readonly completed: number;
  readonly latency: number;
  /** Execution time at 1, 2, ... requests executing on the device. */
  readonly timeAtConcurrency: readonly number[];
  readonly maxCoRunners: number;
  /** Requests that executed beside it, with the overlap. */
  readonly coRunners: readonly { readonly id: number; readonly overlapMs: number }[];
  readonly phaseMs: readonly number[];
}

export interface ReplayDirectory {
  readonly dir: string;
  readonly scenario: Scenario;
  readonly meta: ReplayMeta;
  /** In arrival order. */
  readonly records: readonly ReplayRecord[];
}

const NEEDED = ['id', 'arrival_ms', 'model', 'batch', 'priority', 'deadline_ms', 'outcome', 'gpu', 'transfer_in_start_ms', 'transfer_in_end_ms',
  'execution_start_ms', 'execution_end_ms', 'transfer_out_start_ms', 'completed_ms', 'latency_ms', 'time_at_concurrency_ms', 'max_co_runners', 'co_runners', 'phase_ms'];

function numbers(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number);
}

/** "12:3.250,17:0.500" -> [{id: 12, overlapMs: 3.25}, {id: 17, overlapMs: 0.5}] */
function coRunnerList(text: string): { id: number; overlapMs: number }[] {
  if (text === '') return [];
  return text.split(',').map((pair) => {
    const [id, ms] = pair.split(':');
    return { id: Number(id), overlapMs: Number(ms) };
  });
}

/** Reads a directory written by `strait replay`; a clear error if it is not one. */
export function readReplayDirectory(dir: string): ReplayDirectory {
  for (const file of ['replay.json', 'scenario.json', 'requests.arrow']) {
    if (!existsSync(join(dir, file))) throw new InputError(`${dir}: not a replay directory (no ${file}; write one with \`strait replay\`)`);
  }
  const meta = JSON.parse(readFileSync(join(dir, 'replay.json'), 'utf8')) as ReplayMeta;
  if (meta.kind !== 'strait-replay') throw new InputError(`${dir}/replay.json: kind is ${JSON.stringify(meta.kind)}, expected "strait-replay"`);
  const scenarioFile = join(dir, 'scenario.json');
  const scenario = parseScenario(JSON.parse(readFileSync(scenarioFile, 'utf8')), scenarioFile, 'replay');
  const table = tableFromIPC(readFileSync(join(dir, 'requests.arrow')));
  const missing = NEEDED.filter((name) => table.getChild(name) === null);
  if (missing.length > 0) throw new InputError(`${dir}/requests.arrow: missing replay column(s) ${missing.join(', ')}`);
  const col = (name: string) => table.getChild(name)!;
  const c = Object.fromEntries(NEEDED.map((n) => [n, col(n)]));
  const records: ReplayRecord[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const get = (name: string) => c[name].get(i);
    records.push({
      id: get('id'),
      arrival: get('arrival_ms'),
      model: get('model'),
      batch: get('batch'),
      priority: get('priority'),
      deadline: get('deadline_ms'),
      outcome: get('outcome'),
      gpu: get('gpu'),
      transferInStart: get('transfer_in_start_ms'),
      transferInEnd: get('transfer_in_end_ms'),
      executionStart: get('execution_start_ms'),
      executionEnd: get('execution_end_ms'),
      transferOutStart: get('transfer_out_start_ms'),
      completed: get('completed_ms'),
      latency: get('latency_ms'),
      timeAtConcurrency: numbers(get('time_at_concurrency_ms')),
      maxCoRunners: get('max_co_runners'),
      coRunners: coRunnerList(get('co_runners')),
      phaseMs: numbers(get('phase_ms')),
    });
  }
  records.sort((a, b) => a.arrival - b.arrival || a.id - b.id);
  return { dir, scenario, meta, records };
}

/** Served requests (they have execution times). */
export function servedRecords(records: readonly ReplayRecord[]): ReplayRecord[] {
  return records.filter((r) => !Number.isNaN(r.executionStart) && !Number.isNaN(r.completed));
}
