import { gbpsToBytesPerMs, type ClusterSpec, type GpuSpec, type HostSpec, type LinkSpec } from '../sim/cluster/cluster-spec.ts';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../sim/core/errors.ts';
import { traceFormatOf } from '../traces/trace-schema.ts';
import type { SharingMode } from '../sim/gpu/sharing.ts';
import { BUILTIN_MODEL_NAMES, builtinModel } from '../sim/model/builtin-models.ts';
import type { BatchTable, ModelProfile, PhaseProfile, ServiceVariability, TokenScaling } from '../sim/model/profile.ts';
import { PRIORITIES } from '../sim/model/request.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import {
  ARRIVAL_PROCESS_KINDS,
  ARRIVAL_PROCESS_PARAMS,
  MAX_GAMMA_CV,
  POISSON,
  type ArrivalProcessSpec,
} from '../traces/arrival-processes.ts';
import { Field, parseJson } from './json-fields.ts';
import type { ArrivalScope, DeadlineRule, LoadBasis, PolicyChoice, Scenario, StopRule, StreamSpec, WorkloadSpec } from './scenario.ts';

const SCENARIO_KEYS = ['name', 'description', 'seed', 'load', 'loadBasis', 'models', 'calibration', 'cluster', 'workload', 'policy', 'predictor', 'predictorParams'];
const GPU_KEYS = ['id', 'models', 'maxConcurrency', 'sharing', 'interferenceAlpha', 'timeSliceMs', 'contextSwitchMs', 'link'];

/** GPU settings a scenario need not spell out. */
const GPU_DEFAULTS = {
  maxConcurrency: 4,
  sharing: 'spatial' as SharingMode,
  interferenceAlpha: 0.3,
  timeSliceMs: 2,
  contextSwitchMs: 0.05,
  link: { h2dGBps: 12, d2hGBps: 12, setupMs: 0.01 },
};

/**
 * Validates parsed scenario JSON and resolves it: built-in model names become
 * profiles, GPU counts become GPUs with defaults filled in. The first problem found
 * is thrown as an InputError naming the file and field.
 */
export function parseScenario(json: unknown, file: string, defaultName: string, baseDir: string = dirname(file)): Scenario {
  const root = new Field(file, '', json).object(SCENARIO_KEYS);
  const calibration = root.child('calibration').optional((f) => readCalibration(resolve(baseDir, f.string())), undefined);
  const parsedModels = parseModels(root.child('models'));
  const parsedCluster = parseCluster(root.child('cluster'), parsedModels.map((m) => m.name));
  const { models, cluster } =
    calibration !== undefined ? applyCalibration(parsedModels, parsedCluster, calibration) : { models: parsedModels, cluster: parsedCluster };
  const workload = parseWorkload(root.child('workload'), models, cluster, baseDir);
  return {
    name: root.child('name').optional((f) => f.string(), defaultName),
    description: root.child('description').optional((f) => f.string(), ''),
    seed: root.child('seed').optional((f) => f.number({ integer: true, min: 0 }), 1),
    load: root.child('load').optional((f) => f.number({ above: 0 }), 1),
    ...loadBasisField(root.child('loadBasis')),
    models,
    cluster,
    workload,
    policy: parsePolicy(root.child('policy')),
    predictor: root.child('predictor').optional((f) => f.oneOf([...PREDICTORS.keys()]), 'solo'),
    predictorParams: root.child('predictorParams').optional((f) => parsePredictorParams(f, cluster), {}),
  };
}

/** "loadBasis": present only when the file gives it, so scenarios without it resolve as before. */
function loadBasisField(field: Field): { loadBasis?: LoadBasis } {
  return field.present ? { loadBasis: field.oneOf(['nominal', 'measured']) as LoadBasis } : {};
}

/** {"static": {...}, "adaptive": {...}}: each key a predictor, each value its parameters. */
function parsePredictorParams(field: Field, cluster: ClusterSpec): Record<string, Record<string, unknown>> {
  const names = [...PREDICTORS.keys()];
  field.object(names);
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, params] of field.entries()) {
    params.object(PREDICTORS.get(name)!.params);
    out[name] = params.value as Record<string, unknown>;
    withFile(field.file, () => PREDICTORS.get(name)!.create({ cluster, params: out[name] }));
  }
  return out;
}

function parsePolicy(field: Field): PolicyChoice {
  if (!field.present) return { name: 'fifo', params: {} };
  if (typeof field.value === 'string') return { name: field.oneOf([...POLICIES.keys()]), params: {} };
  field.object(['name', 'params']);
  const name = field.child('name').oneOf([...POLICIES.keys()]);
  const params = field.child('params');
  if (!params.present) return { name, params: {} };
  params.object(POLICIES.get(name)!.params);
  // Values are the policy's to judge: build it once now, so a bad value is reported
  // here, with the file, rather than when the run starts.
  withFile(field.file, () => POLICIES.get(name)!.create(params.value as Record<string, unknown>));
  return { name, params: params.value as Record<string, unknown> };
}

/** Runs a check whose InputError names a field but not the file, adding the file. */
function withFile<T>(file: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof InputError && !error.message.startsWith(`${file}: `)) throw new InputError(`${file}: ${error.message}`);
    throw error;
  }
}

// ---- calibration profiles -------------------------------------------------------------

/** What a calibration profile (written by `strait calibrate`) sets in a scenario. */
export interface Calibration {
  readonly models: ReadonlyMap<string, ModelProfile>;
  readonly sharing: GpuSpec['sharing'];
  readonly link: LinkSpec;
  /** Median clean solo execution per "model/batch" in the calibration replays (empty if absent). */
  readonly aloneReference: Readonly<Record<string, { readonly medianMs: number; readonly samples: number }>>;
}

const CALIBRATION_KEYS = ['kind', 'version', 'sources', 'backend', 'device', 'sharing', 'link', 'models', 'speedProbe', 'aloneReference', 'fit'];

/**
 * Reads a calibration profile: its models replace the scenario's models of the same
 * name, and its sharing and link settings apply to every GPU of the scenario.
 */
export function readCalibration(path: string): Calibration {
  if (!existsSync(path)) throw new InputError(`${path}: calibration profile not found`);
  return parseCalibration(parseJson(readFileSync(path, 'utf8'), path), path);
}

/** The profile's models replace those of the same name; its sharing and link apply to every GPU. */
export function applyCalibration(
  models: readonly ModelProfile[],
  cluster: ClusterSpec,
  calibration: Calibration,
): { models: ModelProfile[]; cluster: ClusterSpec } {
  return {
    models: models.map((m) => calibration.models.get(m.name) ?? m),
    cluster: { ...cluster, gpus: cluster.gpus.map((gpu) => ({ ...gpu, sharing: calibration.sharing, link: calibration.link })) },
  };
}

/** A calibration profile already parsed from JSON (`file` names it in errors). */
export function parseCalibration(json: unknown, file: string): Calibration {
  const root = new Field(file, '', json).object(CALIBRATION_KEYS);
  if (root.child('kind').string() !== 'strait-calibration') root.child('kind').fail('"strait-calibration" (a file written by `strait calibrate`)');
  const sharingField = root.child('sharing');
  sharingField.object(['mode', 'timeSliceMs', 'contextSwitchMs', 'interferenceAlpha']);
  const sharing = {
    mode: sharingField.child('mode').oneOf(['spatial', 'time-sliced']) as SharingMode,
    interferenceAlpha: sharingField.child('interferenceAlpha').optional((f) => f.number({ min: 0 }), GPU_DEFAULTS.interferenceAlpha),
    timeSliceMs: sharingField.child('timeSliceMs').optional((f) => f.number({ above: 0 }), GPU_DEFAULTS.timeSliceMs),
    contextSwitchMs: sharingField.child('contextSwitchMs').optional((f) => f.number({ min: 0 }), GPU_DEFAULTS.contextSwitchMs),
  };
  const models = parseModels(root.child('models'));
  // The warm-up probe is kept in profiles for the record; nothing reads it (a device's
  // speed is measured from clean solo executions), but a malformed one is still an error.
  root.child('speedProbe').optional((f) => {
    if (f.value === null || typeof f.value !== 'object' || Array.isArray(f.value)) f.fail('an object from "model/batch" to solo ms');
    for (const [, value] of f.entries()) value.number({ above: 0 });
  }, undefined);
  const aloneReference = root.child('aloneReference').optional((f) => {
    if (f.value === null || typeof f.value !== 'object' || Array.isArray(f.value)) f.fail('an object from "model/batch" to {medianMs, samples}');
    return Object.fromEntries(
      f.entries().map(([key, value]) => {
        value.object(['medianMs', 'samples']);
        return [key, { medianMs: value.child('medianMs').number({ above: 0 }), samples: value.child('samples').number({ integer: true, min: 1 }) }];
      }),
    );
  }, {});
  return { models: new Map(models.map((m) => [m.name, m])), sharing, link: parseLink(root.child('link')), aloneReference };
}

// ---- models ------------------------------------------------------------------------

function parseModels(field: Field): ModelProfile[] {
  const models = field.items(1).map((item) => {
    if (typeof item.value === 'string') {
      const model = builtinModel(item.value);
      if (model === undefined) return item.fail(`a built-in model (${BUILTIN_MODEL_NAMES.join(', ')}) or a model profile object`);
      return model;
    }
    return parseModel(item);
  });
  const seen = new Set<string>();
  models.forEach((model, i) => {
    if (seen.has(model.name)) throw new InputError(`${field.file}: ${field.path}[${i}]: model "${model.name}" is listed twice`);
    seen.add(model.name);
  });
  return models;
}

function parseModel(field: Field): ModelProfile {
  field.object(['name', 'description', 'inputBytesPerItem', 'outputBytesPerItem', 'inputBytesPerToken', 'outputBytesPerToken', 'variability', 'maxBatch', 'phases']);
  const phases = field.child('phases').items(1).map(parsePhase);
  const profiled = Math.max(...phases.flatMap((p) => p.soloMs.batchSizes));
  const perToken = (name: 'inputBytesPerToken' | 'outputBytesPerToken') => {
    const child = field.child(name);
    return child.present ? { [name]: child.number({ min: 0 }) } : {};
  };
  return {
    ...perToken('inputBytesPerToken'),
    ...perToken('outputBytesPerToken'),
    name: field.child('name').string(),
    description: field.child('description').optional((f) => f.string(), ''),
    inputBytesPerItem: field.child('inputBytesPerItem').number({ min: 0 }),
    outputBytesPerItem: field.child('outputBytesPerItem').number({ min: 0 }),
    variability: field.child('variability').optional(parseVariability, { kind: 'deterministic' }),
    maxBatch: field.child('maxBatch').optional((f) => f.number({ integer: true, min: 1 }), profiled),
    phases,
  };
}

function parseVariability(field: Field): ServiceVariability {
  field.object(['kind', 'cv']);
  const kind = field.child('kind').oneOf(['deterministic', 'exponential', 'lognormal']);
  if (kind === 'lognormal') return { kind, cv: field.child('cv').number({ min: 0 }) };
  if (field.child('cv').present) throw new InputError(`${field.file}: ${field.path}.cv: only a lognormal variability takes a cv`);
  return { kind };
}

function parsePhase(field: Field): PhaseProfile {
  field.object(['name', 'soloMs', 'compute', 'memory', 'sensitivity', 'tokens']);
  const sensitivity = field.child('sensitivity');
  const tokens = field.child('tokens');
  return {
    ...(tokens.present ? { tokens: parseTokenScaling(tokens) } : {}),
    name: field.child('name').string(),
    soloMs: parseBatchTable(field.child('soloMs'), { above: 0 }),
    compute: parseBatchTable(field.child('compute'), { above: 0, max: 1 }),
    memory: parseBatchTable(field.child('memory'), { min: 0, max: 1 }),
    ...(sensitivity.present ? { sensitivity: parseBatchTable(sensitivity, { min: 0 }) } : {}),
  };
}

/** A phase's token scaling: {"per": "input" | "output", "referenceTokens": N > 0, "fixedShare": 0..1}. */
function parseTokenScaling(field: Field): TokenScaling {
  field.object(['per', 'referenceTokens', 'fixedShare']);
  return {
    per: field.child('per').oneOf(['input', 'output']),
    referenceTokens: field.child('referenceTokens').number({ above: 0 }),
    fixedShare: field.child('fixedShare').number({ min: 0, max: 1 }),
  };
}

/** A number (the same at every batch size) or an object from batch size to value. */
function parseBatchTable(field: Field, rule: { above?: number; min?: number; max?: number }): BatchTable {
  if (typeof field.value === 'number') return { batchSizes: [1], values: [field.number(rule)] };
  if (field.value === null || typeof field.value !== 'object' || Array.isArray(field.value)) {
    field.fail('a number or an object from batch size to number, e.g. {"1": 0.5, "8": 2.1}');
  }
  const rows = field.entries().map(([key, value]) => {
    if (!/^[1-9]\d*$/.test(key)) throw new InputError(`${field.file}: ${value.path}: a batch size must be a positive integer`);
    return [Number(key), value.number(rule)] as const;
  });
  if (rows.length === 0) field.fail('at least one batch size');
  rows.sort((a, b) => a[0] - b[0]);
  return { batchSizes: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
}

// ---- cluster -----------------------------------------------------------------------

function parseCluster(field: Field, modelNames: readonly string[]): ClusterSpec {
  field.object(['hosts', 'gpu']);
  const defaults = field.child('gpu');
  if (defaults.present) defaults.object(GPU_KEYS.filter((k) => k !== 'id'));
  const hosts: HostSpec[] = [];
  const gpus: GpuSpec[] = [];
  field.child('hosts').items(1).forEach((hostField, h) => {
    hostField.object(['name', 'uplink', 'gpus']);
    const uplink = hostField.child('uplink').object(['h2dGBps', 'd2hGBps']);
    hosts.push({
      name: hostField.child('name').optional((f) => f.string(), `host${h}`),
      uplinkH2dBytesPerMs: gbpsToBytesPerMs(uplink.child('h2dGBps').number({ above: 0 })),
      uplinkD2hBytesPerMs: gbpsToBytesPerMs(uplink.child('d2hGBps').number({ above: 0 })),
    });
    const gpusField = hostField.child('gpus');
    const overrides =
      typeof gpusField.value === 'number'
        ? Array.from({ length: gpusField.number({ integer: true, min: 1, max: 1024 }) }, () => undefined)
        : gpusField.items(1);
    for (const override of overrides) {
      gpus.push(parseGpu(override, defaults, h, gpus.length, modelNames));
    }
  });
  const ids = new Set<string>();
  for (const gpu of gpus) {
    if (ids.has(gpu.id)) throw new InputError(`${field.file}: ${field.path}.hosts: GPU id "${gpu.id}" is used twice`);
    ids.add(gpu.id);
  }
  return { hosts, gpus };
}

/** A GPU setting: the GPU's own value, else the cluster default, else the built-in default. */
function setting<T>(key: string, override: Field | undefined, defaults: Field, fallback: T, read: (f: Field) => T): T {
  const own = override?.child(key);
  if (own?.present) return read(own);
  const shared = defaults.child(key);
  return shared.present ? read(shared) : fallback;
}

function parseGpu(override: Field | undefined, defaults: Field, host: number, index: number, modelNames: readonly string[]): GpuSpec {
  override?.object(GPU_KEYS);
  const sharing = setting('sharing', override, defaults, GPU_DEFAULTS.sharing, (f) => f.oneOf(['spatial', 'time-sliced']));
  const models = setting('models', override, defaults, modelNames, (f) =>
    f.items(1).map((m) => m.oneOf(modelNames)),
  );
  return {
    id: override?.child('id').optional((f) => f.string(), `gpu${index}`) ?? `gpu${index}`,
    host,
    models,
    maxConcurrency: setting('maxConcurrency', override, defaults, GPU_DEFAULTS.maxConcurrency, (f) =>
      f.number({ integer: true, min: 1 }),
    ),
    sharing: {
      mode: sharing,
      interferenceAlpha: setting('interferenceAlpha', override, defaults, GPU_DEFAULTS.interferenceAlpha, (f) => f.number({ min: 0 })),
      timeSliceMs: setting('timeSliceMs', override, defaults, GPU_DEFAULTS.timeSliceMs, (f) => f.number({ above: 0 })),
      contextSwitchMs: setting('contextSwitchMs', override, defaults, GPU_DEFAULTS.contextSwitchMs, (f) => f.number({ min: 0 })),
    },
    link: setting('link', override, defaults, linkFrom(GPU_DEFAULTS.link), parseLink),
  };
}

function parseLink(field: Field): LinkSpec {
  field.object(['h2dGBps', 'd2hGBps', 'setupMs', 'd2hSetupMs', 'busySetupMs', 'd2hBusySetupMs']);
  const d2hSetup = field.child('d2hSetupMs');
  const optionalMs = (name: 'busySetupMs' | 'd2hBusySetupMs') => {
    const f = field.child(name);
    return f.present ? { [name]: f.number({ min: 0 }) } : {};
  };
  return linkFrom({
    h2dGBps: field.child('h2dGBps').number({ above: 0 }),
    d2hGBps: field.child('d2hGBps').number({ above: 0 }),
    setupMs: field.child('setupMs').optional((f) => f.number({ min: 0 }), GPU_DEFAULTS.link.setupMs),
    ...(d2hSetup.present ? { d2hSetupMs: d2hSetup.number({ min: 0 }) } : {}),
    ...optionalMs('busySetupMs'),
    ...optionalMs('d2hBusySetupMs'),
  });
}

function linkFrom(link: { h2dGBps: number; d2hGBps: number; setupMs: number; d2hSetupMs?: number; busySetupMs?: number; d2hBusySetupMs?: number }): LinkSpec {
  const { h2dGBps, d2hGBps, ...setups } = link;
  return { h2dBytesPerMs: gbpsToBytesPerMs(h2dGBps), d2hBytesPerMs: gbpsToBytesPerMs(d2hGBps), ...setups };
}

// ---- workload ----------------------------------------------------------------------

function parseStop(field: Field, optional: boolean): StopRule {
  const keys = ['requests', 'durationMs'];
  if (optional && keys.every((k) => !field.child(k).present)) return { kind: 'end' };
  const stopKey = field.exactlyOne(keys);
  return stopKey === 'requests'
    ? { kind: 'requests', count: field.child('requests').number({ integer: true, min: 1 }) }
    : { kind: 'duration', ms: field.child('durationMs').number({ above: 0 }) };
}

/** A trace workload: the file (relative to the scenario file), optionally cut short. */
function parseTraceWorkload(field: Field, baseDir: string): WorkloadSpec {
  field.object(['trace', 'requests', 'durationMs']);
  const traceField = field.child('trace');
  const path = resolve(baseDir, traceField.string());
  try {
    traceFormatOf(path);
  } catch (error) {
    throw new InputError(`${field.file}: ${traceField.path}: ${(error as Error).message}`);
  }
  if (!existsSync(path)) throw new InputError(`${field.file}: ${traceField.path}: no such file ${path}`);
  return { arrivals: POISSON, arrivalScope: 'stream', streams: [], trace: path, stop: parseStop(field, true) };
}

/** Phases: generated workloads one after another, each lasting its durationMs. */
function parsePhasedWorkload(field: Field, models: readonly ModelProfile[], cluster: ClusterSpec): WorkloadSpec {
  field.object(['phases', 'requests']);
  const phases = field.child('phases').items(1).map((phase) => {
    if (phase.value !== null && typeof phase.value === 'object' && !('durationMs' in phase.value)) {
      throw new InputError(`${phase.file}: ${phase.path}.durationMs: expected how long this phase lasts (a number > 0), got nothing (the field is missing)`);
    }
    if (phase.value !== null && typeof phase.value === 'object' && 'requests' in phase.value) {
      throw new InputError(`${phase.file}: ${phase.path}.requests: a phase ends by durationMs; give a request cap on the workload instead`);
    }
    return parseWorkload(phase, models, cluster, '');
  });
  const total = phases.reduce((sum, p) => sum + (p.stop.kind === 'duration' ? p.stop.ms : 0), 0);
  const requests = field.child('requests');
  return {
    arrivals: POISSON,
    arrivalScope: 'stream',
    streams: [],
    phases,
    stop: requests.present ? { kind: 'requests', count: requests.number({ integer: true, min: 1 }) } : { kind: 'duration', ms: total },
  };
}

function parseWorkload(field: Field, models: readonly ModelProfile[], cluster: ClusterSpec, baseDir: string): WorkloadSpec {
  if (field.value !== null && typeof field.value === 'object' && 'trace' in field.value) return parseTraceWorkload(field, baseDir);
  if (field.value !== null && typeof field.value === 'object' && 'phases' in field.value) return parsePhasedWorkload(field, models, cluster);
  field.object(['arrivals', 'ratePerSec', 'streams', 'requests', 'durationMs', 'trace', 'phases']);
  const modelNames = models.map((m) => m.name);
  const streams = field.child('streams').items(1).map((s) => parseStream(s, models, cluster, modelNames));
  const stop = parseStop(field, false);
  const ratePerSec = field.child('ratePerSec');
  const arrivals = field.child('arrivals');
  return {
    arrivals: arrivals.optional((f) => parseArrivalProcess(f, true), POISSON),
    // Only the object form has a scope ("poisson" alone is scope "stream").
    arrivalScope: typeof arrivals.value === 'object' ? arrivals.child('scope').optional((f) => f.oneOf(ARRIVAL_SCOPES), 'stream') : 'stream',
    ...(ratePerSec.present ? { ratePerSec: ratePerSec.number({ above: 0 }) } : {}),
    streams,
    stop,
  };
}

function parseStream(field: Field, models: readonly ModelProfile[], cluster: ClusterSpec, modelNames: string[]): StreamSpec {
  field.object(['model', 'priority', 'weight', 'batchSizes', 'sloFactor', 'deadlineMs', 'arrivals']);
  const modelField = field.child('model');
  const modelName = modelField.oneOf(modelNames);
  if (!cluster.gpus.some((g) => g.models.includes(modelName))) {
    throw new InputError(`${field.file}: ${modelField.path}: no GPU in the cluster hosts model "${modelName}"`);
  }
  const model = models.find((m) => m.name === modelName)!;
  const batchSizes = field
    .child('batchSizes')
    .optional((f) => f.items(1).map((b) => b.number({ integer: true, min: 1, max: model.maxBatch })), [1]);
  const deadlineKey = field.exactlyOne(['sloFactor', 'deadlineMs']);
  const deadline: DeadlineRule =
    deadlineKey === 'sloFactor'
      ? { kind: 'slo-factor', factor: field.child('sloFactor').number({ above: 0 }) }
      : { kind: 'budget', ms: field.child('deadlineMs').number({ above: 0 }) };
  return {
    model: modelName,
    priority: field.child('priority').oneOf(PRIORITIES),
    weight: field.child('weight').optional((f) => f.number({ above: 0 }), 1),
    batchSizes,
    deadline,
    ...(field.child('arrivals').present ? { arrivals: parseArrivalProcess(field.child('arrivals'), false) } : {}),
  };
}

const ARRIVAL_SCOPES: readonly ArrivalScope[] = ['stream', 'workload'];

/**
 * An arrival process: "poisson", or an object naming its kind and parameters, e.g.
 * {"kind": "gamma", "cv": 3}, {"kind": "mmpp", "burstRatio": 8, "burstShare": 0.1,
 * "meanBurstMs": 200}, {"kind": "diurnal", "periodMs": 60000, "amplitude": 0.5}.
 * The workload's may also carry "scope" ("stream" or "workload"; see ArrivalScope).
 */
function parseArrivalProcess(field: Field, scoped: boolean): ArrivalProcessSpec {
  const example = '"poisson" or an object such as {"kind": "gamma", "cv": 2}';
  if (typeof field.value === 'string') {
    if (field.value === 'poisson') return POISSON;
    field.fail(example);
  }
  if (field.value === null || typeof field.value !== 'object' || Array.isArray(field.value)) field.fail(example);
  const kind = field.child('kind').oneOf(ARRIVAL_PROCESS_KINDS);
  field.object(['kind', ...ARRIVAL_PROCESS_PARAMS[kind], ...(scoped ? ['scope'] : [])]);
  switch (kind) {
    case 'poisson':
      return POISSON;
    case 'gamma':
      return { kind, cv: field.child('cv').number({ min: 0, max: MAX_GAMMA_CV }) };
    case 'mmpp': {
      const burstRatio = field.child('burstRatio').number({ min: 1 });
      const share = field.child('burstShare');
      const burstShare = share.value;
      if (typeof burstShare !== 'number' || !(burstShare > 0 && burstShare < 1)) return share.fail('a number > 0 < 1');
      return { kind, burstRatio, burstShare, meanBurstMs: field.child('meanBurstMs').number({ above: 0 }) };
    }
    case 'diurnal':
      return {
        kind,
        periodMs: field.child('periodMs').number({ above: 0 }),
        amplitude: field.child('amplitude').number({ min: 0, max: 1 }),
        phase: field.child('phase').optional((f) => f.number(), 0),
      };
  }
}
