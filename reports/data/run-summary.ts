import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../sim/core/errors.ts';
import { parseJson } from '../../scenarios/json-fields.ts';
import type { Priority } from '../specs/theme.ts';
import { JsonReader } from './json-reader.ts';

/** What the reports use of one class in summary.json. */
export interface ClassResult {
  readonly count: number;
  readonly met: number;
  readonly late: number;
  readonly dropped: number;
  readonly rejected: number;
  readonly unserved: number;
  /** Fraction, 0..1. */
  readonly violationRate: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly goodputPerSec: number;
  readonly meanSlowdown: number;
}

export interface ErrorResult {
  readonly samples: number;
  readonly mape: number;
  readonly p95AbsPctError: number;
  readonly p95AbsErrorMs: number;
}

export interface PredictorResult {
  readonly name: string;
  readonly execution: ErrorResult;
  readonly transfer: ErrorResult;
  readonly executionOverTime: readonly { readonly startMs: number; readonly endMs: number; readonly samples: number; readonly mape: number }[];
}

/** One run directory, as the reports see it: its summary.json, checked and typed. */
export interface RunResult {
  /** The directory's name (a sweep point's name under runs/). */
  readonly name: string;
  readonly dir: string;
  readonly scenario: string;
  readonly policy: string;
  readonly predictor: string;
  readonly seed: number;
  readonly load: number;
  readonly requests: number;
  readonly classes: Readonly<Record<Priority, ClassResult>>;
  readonly violationRate: number;
  readonly gpuUtilization: number;
  readonly fairness: number;
  /** The policy's own predictor first, then any shadow predictors. */
  readonly predictors: readonly PredictorResult[];
  readonly gpus: readonly { readonly id: string; readonly utilization: number }[];
  readonly simulatedMs: number;
  readonly events: number;
}

function classResult(r: JsonReader, json: Record<string, unknown>, path: string): ClassResult {
  const c = r.object(json, path);
  const latency = r.object(c.latencyMs, `${path}.latencyMs`);
  return {
    count: r.number(c.count, `${path}.count`),
    met: r.number(c.met, `${path}.met`),
    late: r.number(c.late, `${path}.late`),
    dropped: r.number(c.dropped, `${path}.dropped`),
    rejected: r.number(c.rejected, `${path}.rejected`),
    unserved: r.number(c.unserved, `${path}.unserved`),
    violationRate: r.number(c.violationRate, `${path}.violationRate`),
    p50Ms: r.number(latency.p50, `${path}.latencyMs.p50`),
    p95Ms: r.number(latency.p95, `${path}.latencyMs.p95`),
    p99Ms: r.number(latency.p99, `${path}.latencyMs.p99`),
    goodputPerSec: r.number(c.goodputPerSec, `${path}.goodputPerSec`),
    meanSlowdown: r.number(c.meanSlowdown, `${path}.meanSlowdown`),
  };
}

function errorResult(r: JsonReader, json: unknown, path: string): ErrorResult {
  const e = r.object(json, path);
  return {
    samples: r.number(e.samples, `${path}.samples`),
    mape: r.number(e.mape, `${path}.mape`),
    p95AbsPctError: r.number(e.p95AbsPctError, `${path}.p95AbsPctError`),
    p95AbsErrorMs: r.number(e.p95AbsErrorMs, `${path}.p95AbsErrorMs`),
  };
}

/** Parses a summary.json document (as `strait run` writes it). */
export function parseRunSummary(json: unknown, file: string, dir: string): RunResult {
  const r = new JsonReader(file, 'is this a strait run directory?');
  const doc = r.object(json, '(top level)');
  const classes = r.object(doc.classes, 'classes');
  const overall = r.object(doc.overall, 'overall');
  // Run directories written before per-predictor errors existed have only predictorError.
  const predictorsJson =
    doc.predictors === undefined && doc.predictorError !== undefined
      ? { [r.string(doc.predictor, 'predictor')]: { ...r.object(doc.predictorError, 'predictorError'), executionOverTime: [] } }
      : r.object(doc.predictors, 'predictors');
  const predictors = Object.entries(predictorsJson).map(([name, value]): PredictorResult => {
    const path = `predictors.${name}`;
    const p = r.object(value, path);
    return {
      name,
      execution: errorResult(r, p.execution, `${path}.execution`),
      transfer: errorResult(r, p.transfer, `${path}.transfer`),
      executionOverTime: r.array(p.executionOverTime, `${path}.executionOverTime`).map((w, i) => {
        const wp = `${path}.executionOverTime[${i}]`;
        const o = r.object(w, wp);
        return {
          startMs: r.number(o.startMs, `${wp}.startMs`),
          endMs: r.number(o.endMs, `${wp}.endMs`),
          samples: r.number(o.samples, `${wp}.samples`),
          mape: r.number(o.mape, `${wp}.mape`),
        };
      }),
    };
  });
  if (predictors.length === 0) r.fail('predictors', 'at least one predictor');
  return {
    name: basename(dir),
    dir,
    scenario: typeof doc.scenario === 'string' ? doc.scenario : basename(dir),
    policy: r.string(doc.policy, 'policy'),
    predictor: r.string(doc.predictor, 'predictor'),
    seed: r.number(doc.seed, 'seed'),
    load: r.number(doc.load, 'load'),
    requests: r.number(doc.requests, 'requests'),
    classes: { high: classResult(r, r.object(classes.high, 'classes.high'), 'classes.high'), low: classResult(r, r.object(classes.low, 'classes.low'), 'classes.low') },
    violationRate: r.number(overall.violationRate, 'overall.violationRate'),
    gpuUtilization: r.number(overall.gpuUtilization, 'overall.gpuUtilization'),
    fairness: r.number(overall.fairness, 'overall.fairness'),
    predictors,
    gpus: r.array(doc.gpus, 'gpus').map((g, i) => {
      const o = r.object(g, `gpus[${i}]`);
      return { id: r.string(o.id, `gpus[${i}].id`), utilization: r.number(o.utilization, `gpus[${i}].utilization`) };
    }),
    simulatedMs: r.number(doc.simulatedMs, 'simulatedMs'),
    events: r.number(doc.events, 'events'),
  };
}

export const SUMMARY_FILE = 'summary.json';
export const REQUESTS_FILE = 'requests.arrow';

/** Reads and checks a run directory's summary.json. */
export function readRunSummary(dir: string): RunResult {
  const file = join(dir, SUMMARY_FILE);
  return parseRunSummary(parseJson(readFileSync(file, 'utf8'), file), file, dir);
}

/** The run's requests.arrow; an InputError when the run directory lacks it. */
export function requestsFile(run: RunResult): string {
  const file = join(run.dir, REQUESTS_FILE);
  if (!existsSync(file)) throw new InputError(`${file}: no such file; a run directory holds summary.json and requests.arrow`);
  return file;
}
