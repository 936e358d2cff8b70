import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { soloExecutionMs } from '../sim/model/profile.ts';
import type { ArrivalSpec } from '../sim/simulator.ts';
import { builtinScenarioNames, loadScenario, parseScenarioText } from '../scenarios/load-scenario.ts';
import { parseScenario } from '../scenarios/parse-scenario.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import { buildArrivals, planRates, soloLatencyMs } from '../scenarios/workload-plan.ts';

/** Scenario JSON under edit: tests reach into it freely. */
type Json = any;

/**
 * A small scenario that uses every resolved feature: inline model profiles (batch
 * tables given as objects and as numbers), a built-in model by name, cluster-wide GPU
 * defaults with per-GPU overrides (one GPU time-sliced, one with its own link), a
 * policy object, an slo-factor stream and a fixed-budget stream.
 *
 * By hand: model a solo execution is (1 + 0.5) ms at batch 1 and (4 + 0.5) ms at batch
 * 4, mean 3 ms over its stream's batch sizes; model b at batch 2 is 16 ms. With
 * weights 1 and 3 the mean solo work per request is (1 * 3 + 3 * 16) / 4 = 12.75 ms.
 */
function custom(): Json {
  return {
    name: 'custom',
    description: 'three GPUs, two inline models and a built-in one',
    seed: 11,
    load: 0.5,
    policy: { name: 'edf' },
    predictor: 'solo',
    models: [
      {
        name: 'a',
        inputBytesPerItem: 1e6,
        outputBytesPerItem: 2e5,
        variability: { kind: 'lognormal', cv: 0.1 },
        maxBatch: 4,
        phases: [
          { name: 'p1', soloMs: { '4': 4, '1': 1 }, compute: { '1': 0.5, '4': 0.9 }, memory: 0.2 },
          { name: 'p2', soloMs: 0.5, compute: 0.3, memory: 0.6 },
        ],
      },
      {
        name: 'b',
        inputBytesPerItem: 5e5,
        outputBytesPerItem: 1000,
        phases: [{ name: 'only', soloMs: { '1': 10, '2': 16 }, compute: 1, memory: 0 }],
      },
      'mlp',
    ],
    cluster: {
      gpu: { maxConcurrency: 2, link: { h2dGBps: 20, d2hGBps: 20, setupMs: 0.5 } },
      hosts: [
        {
          name: 'h',
          uplink: { h2dGBps: 8, d2hGBps: 16 },
          gpus: [
            { id: 'g0', models: ['b'] },
            {
              id: 'g1',
              models: ['a', 'mlp'],
              sharing: 'time-sliced',
              timeSliceMs: 1.5,
              contextSwitchMs: 0.1,
              link: { h2dGBps: 10, d2hGBps: 4, setupMs: 0.01 },
            },
            { id: 'g2', interferenceAlpha: 0.2, maxConcurrency: 3 },
          ],
        },
      ],
    },
    workload: {
      streams: [
        { model: 'a', priority: 'high', weight: 1, batchSizes: [1, 4], sloFactor: 3 },
        { model: 'b', priority: 'low', weight: 3, batchSizes: [2], deadlineMs: 40 },
      ],
      requests: 5000,
    },
  };
}

/** Mean solo work per request of custom(), ms (see its comment). */
const CUSTOM_MEAN_SOLO_MS = 12.75;

function parse(json: Json): Scenario {
  return parseScenario(json, 'custom.json', 'custom');
}

function edited(edit: (json: Json) => void): Scenario {
  const json = custom();
  edit(json);
  return parse(json);
}

/** Runs `fn`, which must throw an InputError with a one-line message; returns the message. */
function inputError(fn: () => unknown): string {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected an InputError').toBeInstanceOf(InputError);
  const message = (thrown as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

/** The message of the InputError that custom() with `edit` applied gives, from file bad.json. */
function badScenario(edit: (json: Json) => void): string {
  const json = custom();
  edit(json);
  const message = inputError(() => parseScenario(json, 'bad.json', 'bad'));
  expect(message.startsWith('bad.json: ')).toBe(true);
  return message;
}

function pull(scenario: Scenario, max = Infinity): ArrivalSpec[] {
  const source = buildArrivals(scenario);
  const out: ArrivalSpec[] = [];
  for (let a = source.next(); a !== undefined && out.length < max; a = source.next()) out.push(a);
  return out;
}

describe('the built-in default scenario', () => {
  const scenario = loadScenario();

  it('is what loadScenario() gives with no argument', () => {
    expect(loadScenario('default')).toStrictEqual(scenario);
    expect(scenario.name).toBe('default');
  });

  it('has two or more GPUs, the three models and both priorities', () => {
    expect(scenario.cluster.gpus.length).toBeGreaterThanOrEqual(2);
    expect(scenario.models.map((m) => m.name)).toEqual(['mobilenet_v2', 'resnet152', 'bert_base']);
    expect(new Set(scenario.workload.streams.map((s) => s.model))).toEqual(new Set(['mobilenet_v2', 'resnet152', 'bert_base']));
    expect(new Set(scenario.workload.streams.map((s) => s.priority))).toEqual(new Set(['high', 'low']));
    for (const gpu of scenario.cluster.gpus) expect(gpu.models).toEqual(['mobilenet_v2', 'resnet152', 'bert_base']);
  });

  it('offers 85% of capacity', () => {
    expect(scenario.load).toBe(0.85);
    expect(scenario.workload.ratePerSec).toBeUndefined();
    expect(planRates(scenario).offeredLoad).toBeCloseTo(0.85, 12);
  });
});

describe('scenarioToJson', () => {
  const roundTrip = (scenario: Scenario) => parseScenario(scenarioToJson(scenario), 'scenario.json', 'other-name');

  it('feeds back to the same resolved default scenario', () => {
    const scenario = loadScenario();
    expect(roundTrip(scenario)).toStrictEqual(scenario);
  });

  it('feeds back to the same scenario with inline models, GPU overrides, time slicing and budgets', () => {
    const scenario = parse(custom());
    // The features the round trip must carry are really there.
    expect(scenario.models[0].phases[0].soloMs).toEqual({ batchSizes: [1, 4], values: [1, 4] });
    expect(scenario.models[1].maxBatch).toBe(2);
    expect(scenario.cluster.gpus.map((g) => g.sharing.mode)).toEqual(['spatial', 'time-sliced', 'spatial']);
    expect(scenario.cluster.gpus.map((g) => g.maxConcurrency)).toEqual([2, 2, 3]);
    expect(scenario.cluster.gpus[2].models).toEqual(['a', 'b', 'mlp']);
    expect(scenario.workload.streams[1].deadline).toEqual({ kind: 'budget', ms: 40 });
    expect(roundTrip(scenario)).toStrictEqual(scenario);
  });

  it('feeds back a scenario with ratePerSec and durationMs', () => {
    const scenario = edited((j) => {
      j.workload.ratePerSec = 123.5;
      delete j.workload.requests;
      j.workload.durationMs = 2500;
    });
    expect(scenario.workload.ratePerSec).toBe(123.5);
    expect(scenario.workload.stop).toEqual({ kind: 'duration', ms: 2500 });
    expect(roundTrip(scenario)).toStrictEqual(scenario);
  });

  it('is a fixed point: serializing the fed-back scenario gives the same JSON', () => {
    for (const scenario of [loadScenario(), parse(custom())]) {
      const json = JSON.stringify(scenarioToJson(scenario));
      expect(JSON.stringify(scenarioToJson(roundTrip(scenario)))).toBe(json);
    }
  });
});

describe('bad scenario input', () => {
  it('names a missing field', () => {
    expect(badScenario((j) => delete j.workload.streams)).toMatch(
      /^bad\.json: workload\.streams: expected an array with at least 1 element, got nothing \(the field is missing\)$/,
    );
    expect(badScenario((j) => delete j.workload.streams[0].priority)).toMatch(
      /^bad\.json: workload\.streams\[0\]\.priority: expected one of "high", "low", got nothing \(the field is missing\)$/,
    );
  });

  it('names an unknown field and lists the known ones', () => {
    expect(
      badScenario((j) => {
        j.workload.streams[0].sloFactr = j.workload.streams[0].sloFactor;
        delete j.workload.streams[0].sloFactor;
      }),
    ).toMatch(/^bad\.json: workload\.streams\[0\]\.sloFactr: unknown field; expected one of model, priority, weight, batchSizes, sloFactor, deadlineMs\b/);
    expect(badScenario((j) => (j.polcy = 'fifo'))).toMatch(/^bad\.json: polcy: unknown field; expected one of name, description, seed, load,/);
    expect(badScenario((j) => (j.policy.params = { window: 3 }))).toMatch(
      /^bad\.json: policy\.params\.window: unknown field; expected one of reserveSlots$/,
    );
  });

  it('names an unknown model, in models and in a stream', () => {
    expect(badScenario((j) => (j.models[2] = 'resnet999'))).toMatch(
      /^bad\.json: models\[2\]: expected a built-in model \(mobilenet_v2, resnet152, bert_base, mlp, llama2_7b\) or a model profile object, got "resnet999"$/,
    );
    expect(badScenario((j) => (j.workload.streams[1].model = 'c'))).toMatch(
      /^bad\.json: workload\.streams\[1\]\.model: expected one of "a", "b", "mlp", got "c"$/,
    );
  });

  it('names an unknown policy or predictor and lists the known ones', () => {
    expect(badScenario((j) => (j.policy = 'nope'))).toMatch(/^bad\.json: policy: expected one of "fifo", "edf", "priority", "clockwork", "preempt", "strait", got "nope"$/);
    expect(badScenario((j) => (j.policy = { name: 'nope' }))).toMatch(/^bad\.json: policy\.name: expected one of "fifo", .*got "nope"$/);
    expect(badScenario((j) => (j.predictor = 'oracle'))).toMatch(/^bad\.json: predictor: expected one of "solo"(, "[a-z]+")*, got "oracle"$/);
  });

  it('rejects a negative rate and other out-of-range numbers', () => {
    expect(badScenario((j) => (j.workload.ratePerSec = -5))).toMatch(/^bad\.json: workload\.ratePerSec: expected a number > 0, got -5$/);
    expect(badScenario((j) => (j.load = 0))).toMatch(/^bad\.json: load: expected a number > 0, got 0$/);
    expect(badScenario((j) => (j.seed = 1.5))).toMatch(/^bad\.json: seed: expected an integer >= 0, got 1\.5$/);
    expect(badScenario((j) => (j.workload.streams[0].weight = '2'))).toMatch(
      /^bad\.json: workload\.streams\[0\]\.weight: expected a number > 0, got "2"$/,
    );
  });

  it('rejects a non-integer batch size and one above the model maxBatch', () => {
    expect(badScenario((j) => (j.workload.streams[0].batchSizes = [1, 2.5]))).toMatch(
      /^bad\.json: workload\.streams\[0\]\.batchSizes\[1\]: expected an integer >= 1 <= 4, got 2\.5$/,
    );
    expect(badScenario((j) => (j.workload.streams[0].batchSizes = [1, 8]))).toMatch(
      /^bad\.json: workload\.streams\[0\]\.batchSizes\[1\]: expected an integer >= 1 <= 4, got 8$/,
    );
    // b's maxBatch defaults to its largest profiled batch size, 2.
    expect(badScenario((j) => (j.workload.streams[1].batchSizes = [4]))).toMatch(
      /^bad\.json: workload\.streams\[1\]\.batchSizes\[0\]: expected an integer >= 1 <= 2, got 4$/,
    );
  });

  it('wants exactly one of requests and durationMs', () => {
    expect(badScenario((j) => (j.workload.durationMs = 1000))).toMatch(
      /^bad\.json: workload: expected exactly one of requests, durationMs, got requests and durationMs$/,
    );
    expect(badScenario((j) => delete j.workload.requests)).toMatch(
      /^bad\.json: workload: expected exactly one of requests, durationMs, got none$/,
    );
  });

  it('wants exactly one of sloFactor and deadlineMs', () => {
    expect(badScenario((j) => (j.workload.streams[1].sloFactor = 2))).toMatch(
      /^bad\.json: workload\.streams\[1\]: expected exactly one of sloFactor, deadlineMs, got sloFactor and deadlineMs$/,
    );
    expect(badScenario((j) => delete j.workload.streams[0].sloFactor)).toMatch(
      /^bad\.json: workload\.streams\[0\]: expected exactly one of sloFactor, deadlineMs, got none$/,
    );
  });

  it('rejects a GPU listing a model not in models', () => {
    expect(badScenario((j) => (j.cluster.hosts[0].gpus[1].models = ['a', 'zzz']))).toMatch(
      /^bad\.json: cluster\.hosts\[0\]\.gpus\[1\]\.models\[1\]: expected one of "a", "b", "mlp", got "zzz"$/,
    );
    expect(badScenario((j) => (j.cluster.gpu.models = ['resnet152']))).toMatch(
      /^bad\.json: cluster\.gpu\.models\[0\]: expected one of "a", "b", "mlp", got "resnet152"$/,
    );
  });

  it('rejects a stream whose model no GPU hosts', () => {
    expect(
      badScenario((j) => {
        j.cluster.hosts[0].gpus[1].models = ['a'];
        j.cluster.hosts[0].gpus[2].models = ['b'];
        j.workload.streams.push({ model: 'mlp', priority: 'low', sloFactor: 2 });
      }),
    ).toMatch(/^bad\.json: workload\.streams\[2\]\.model: no GPU in the cluster hosts model "mlp"$/);
  });

  it('says an empty list is empty (not just "an array")', () => {
    expect(badScenario((j) => (j.cluster.hosts = []))).toBe('bad.json: cluster.hosts: expected an array with at least 1 element, got an empty array');
    expect(badScenario((j) => (j.cluster.hosts = {}))).toBe('bad.json: cluster.hosts: expected an array with at least 1 element, got an object');
  });

  it('rejects a duplicate GPU id', () => {
    expect(badScenario((j) => (j.cluster.hosts[0].gpus[2].id = 'g0'))).toMatch(/^bad\.json: cluster\.hosts: GPU id "g0" is used twice$/);
  });

  it('rejects a duplicate model', () => {
    expect(badScenario((j) => (j.models[2] = j.models[0]))).toMatch(/^bad\.json: models\[2\]: model "a" is listed twice$/);
  });

  it('rejects a top level that is not an object', () => {
    expect(inputError(() => parseScenario([], 'bad.json', 'bad'))).toBe('bad.json: (top level): expected an object, got an empty array');
  });

  it('reports invalid JSON with its line and column', () => {
    const text = '{\n  "name": "x",\n  "seed": nope\n}\n';
    expect(inputError(() => parseScenarioText(text, 'bad.json', 'bad'))).toBe(
      "bad.json: invalid JSON at line 3, column 12: Unexpected token 'o'",
    );
    expect(inputError(() => parseScenarioText('{\n  "name": "x",\n}', 'bad.json', 'bad'))).toMatch(
      /^bad\.json: invalid JSON at line 3, column 1: Expected double-quoted property name$/,
    );
    expect(inputError(() => parseScenarioText('{"name": "x"', 'bad.json', 'bad'))).toMatch(
      /^bad\.json: invalid JSON at line 1, column 13: Expected ',' or '}' after property value$/,
    );
    expect(inputError(() => parseScenarioText('{\n  "name": ', 'bad.json', 'bad'))).toMatch(
      /^bad\.json: invalid JSON at line 2, column 11: Unexpected end of JSON input$/,
    );
    expect(inputError(() => parseScenarioText('{} x', 'bad.json', 'bad'))).toMatch(
      /^bad\.json: invalid JSON at line 1, column 4: Unexpected non-whitespace character after JSON$/,
    );
  });

  it('reports an empty file', () => {
    expect(inputError(() => parseScenarioText('', 'bad.json', 'bad'))).toBe('bad.json: invalid JSON: the file is empty');
    expect(inputError(() => parseScenarioText(' \n', 'bad.json', 'bad'))).toBe('bad.json: invalid JSON: the file is empty');
  });

  describe('from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strait-scenario-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names the file path in the message', () => {
      const file = join(dir, 'broken.json');
      writeFileSync(file, JSON.stringify({ ...custom(), workload: { ...custom().workload, ratePerSec: -5 } }, null, 2));
      expect(inputError(() => loadScenario(file))).toBe(`${file}: workload.ratePerSec: expected a number > 0, got -5`);
    });

    it('takes the default name from the file name', () => {
      const file = join(dir, 'nameless.json');
      const json = custom();
      delete json.name;
      writeFileSync(file, JSON.stringify(json));
      expect(loadScenario(file).name).toBe('nameless');
    });

    it('reports a missing file and lists the built-ins', () => {
      const file = join(dir, 'missing.json');
      expect(inputError(() => loadScenario(file))).toBe(
        `${file}: no such file; expected a scenario file or a built-in scenario (${builtinScenarioNames().join(', ')})`,
      );
      expect(inputError(() => loadScenario(dir))).toMatch(/: is a directory; expected a scenario file/);
    });
  });
});

describe('batch tables', () => {
  it('sort an object by batch size', () => {
    const scenario = edited((j) => (j.models[0].phases[0].soloMs = { '16': 3, '1': 1, '4': 2 }));
    expect(scenario.models[0].phases[0].soloMs).toStrictEqual({ batchSizes: [1, 4, 16], values: [1, 2, 3] });
    // A bare number is the same at every batch size.
    expect(scenario.models[0].phases[1].soloMs).toStrictEqual({ batchSizes: [1], values: [0.5] });
  });

  it('reject a batch size key that is not a positive integer', () => {
    for (const key of ['1.5', '0', '-2', 'x']) {
      expect(badScenario((j) => (j.models[0].phases[0].soloMs = { '1': 1, [key]: 2 }))).toBe(
        `bad.json: models[0].phases[0].soloMs.${key}: a batch size must be a positive integer`,
      );
    }
  });

  it('reject an empty table and values out of range', () => {
    expect(badScenario((j) => (j.models[0].phases[0].soloMs = {}))).toMatch(
      /^bad\.json: models\[0\]\.phases\[0\]\.soloMs: expected at least one batch size, got an object$/,
    );
    expect(badScenario((j) => (j.models[0].phases[0].compute = { '1': 1.5 }))).toMatch(
      /^bad\.json: models\[0\]\.phases\[0\]\.compute\.1: expected a number > 0 <= 1, got 1\.5$/,
    );
  });
});

describe('workload plan', () => {
  it('sets the capacity rate so the mix offers one unit of solo work per GPU at load 1', () => {
    const scenario = parse(custom());
    const expectedMean =
      (1 * ((soloExecutionMs(scenario.models[0], 1) + soloExecutionMs(scenario.models[0], 4)) / 2) +
        3 * soloExecutionMs(scenario.models[1], 2)) /
      4;
    expect(expectedMean).toBeCloseTo(CUSTOM_MEAN_SOLO_MS, 12);
    const rates = planRates(scenario);
    expect(rates.capacityPerSec).toBeCloseTo((3 * 1000) / CUSTOM_MEAN_SOLO_MS, 9);
    // Solo work offered per ms at load 1, in GPUs: exactly the three GPUs.
    expect((rates.capacityPerSec / 1000) * CUSTOM_MEAN_SOLO_MS).toBeCloseTo(3, 12);
    expect(rates.totalPerSec).toBeCloseTo(0.5 * rates.capacityPerSec, 9);
    expect(rates.offeredLoad).toBeCloseTo(0.5, 12);
    expect(rates.perStreamPerSec[0]).toBeCloseTo(rates.totalPerSec / 4, 9);
    expect(rates.perStreamPerSec[1]).toBeCloseTo((3 * rates.totalPerSec) / 4, 9);
  });

  it('with ratePerSec, totals ratePerSec times load', () => {
    const scenario = edited((j) => (j.workload.ratePerSec = 200));
    const rates = planRates(scenario);
    expect(rates.totalPerSec).toBeCloseTo(100, 12);
    expect(rates.perStreamPerSec).toEqual([25, 75]);
    expect(rates.offeredLoad).toBeCloseTo(100 / ((3 * 1000) / CUSTOM_MEAN_SOLO_MS), 12);
    expect(planRates({ ...scenario, load: 2 }).totalPerSec).toBeCloseTo(400, 12);
  });

  it('computes solo latency over the first GPU hosting the model', () => {
    const scenario = parse(custom());
    // Model a is first hosted on g1: setup 0.01 ms each way, input over min(10, 8) GB/s,
    // output over min(4, 16) GB/s.
    expect(soloLatencyMs(scenario.models[0], 1, scenario.cluster)).toBeCloseTo(0.02 + 1e6 / 8e6 + 2e5 / 4e6 + 1.5, 12);
    expect(soloLatencyMs(scenario.models[0], 4, scenario.cluster)).toBeCloseTo(0.02 + 4e6 / 8e6 + 8e5 / 4e6 + 4.5, 12);
    // Model b on g0: cluster default link (20 GB/s, setup 0.5 ms), uplink 8 GB/s in.
    expect(soloLatencyMs(scenario.models[1], 2, scenario.cluster)).toBeCloseTo(1 + 1e6 / 8e6 + 2000 / 16e6 + 16, 12);
  });

  describe('arrivals', () => {
    const scenario = edited((j) => (j.workload.requests = 40000));
    const arrivals = pull(scenario, 50000);
    const rates = planRates(scenario);

    it('stop after exactly the requested count', () => {
      expect(arrivals.length).toBe(40000);
      expect(pull(parse(custom())).length).toBe(5000);
    });

    it('come in non-decreasing time order at positive times', () => {
      expect(arrivals[0].arrival).toBeGreaterThan(0);
      for (let i = 1; i < arrivals.length; i++) {
        if (!(arrivals[i].arrival >= arrivals[i - 1].arrival)) expect.fail(`arrival ${i} before arrival ${i - 1}`);
      }
    });

    it('carry only the streams’ models, priorities and batch sizes', () => {
      const pairs = new Set(arrivals.map((a) => `${a.model}/${a.priority}`));
      expect(pairs).toEqual(new Set(['a/high', 'b/low']));
      expect(new Set(arrivals.filter((a) => a.model === 'a').map((a) => a.batch))).toEqual(new Set([1, 4]));
      expect(new Set(arrivals.filter((a) => a.model === 'b').map((a) => a.batch))).toEqual(new Set([2]));
      // Uniform over the list: about half of a's requests at each size.
      const a = arrivals.filter((r) => r.model === 'a');
      expect(a.filter((r) => r.batch === 1).length / a.length).toBeCloseTo(0.5, 1);
    });

    it('draw each stream at its planned rate', () => {
      const horizonSec = arrivals[arrivals.length - 1].arrival / 1000;
      const a = arrivals.filter((r) => r.model === 'a').length;
      const b = arrivals.filter((r) => r.model === 'b').length;
      expect(Math.abs(a / horizonSec / rates.perStreamPerSec[0] - 1)).toBeLessThan(0.04);
      expect(Math.abs(b / horizonSec / rates.perStreamPerSec[1] - 1)).toBeLessThan(0.04);
    });

    it('set slo-factor deadlines to factor times solo latency and budgets to the fixed budget', () => {
      const soloA1 = 0.02 + 1e6 / 8e6 + 2e5 / 4e6 + 1.5;
      const soloA4 = 0.02 + 4e6 / 8e6 + 8e5 / 4e6 + 4.5;
      for (const r of arrivals.slice(0, 2000)) {
        if (r.model === 'a') expect(r.relativeDeadline).toBeCloseTo(3 * (r.batch === 1 ? soloA1 : soloA4), 12);
        else expect(r.relativeDeadline).toBe(40);
      }
    });

    it('are reproducible from the seed and change with it', () => {
      const again = pull(scenario, 1000);
      expect(again).toEqual(arrivals.slice(0, 1000));
      const other = pull({ ...scenario, seed: scenario.seed + 1 }, 1000);
      expect(other.map((r) => r.arrival)).not.toEqual(again.map((r) => r.arrival));
    });

    it('with durationMs, stop before the duration', () => {
      const timed = edited((j) => {
        delete j.workload.requests;
        j.workload.durationMs = 60_000;
      });
      const got = pull(timed);
      const expected = (planRates(timed).totalPerSec * 60_000) / 1000;
      expect(got.every((r) => r.arrival < 60_000)).toBe(true);
      expect(got[got.length - 1].arrival).toBeGreaterThan(60_000 - 200);
      expect(Math.abs(got.length / expected - 1)).toBeLessThan(0.05);
    });
  });
});
