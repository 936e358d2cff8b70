import { describe, expect, it } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { BACKEND_CHOICES, BackendError, loadBackend, parseBackendChoice, type ModuleLoader, type Tf } from '../replay/backends.ts';
import { buildRealModel, hasRealModel, REAL_MODEL_NAMES, realModelIo } from '../replay/real-models.ts';
import { BUILTIN_MODEL_NAMES, SIMULATION_ONLY_MODELS, builtinModel } from '../sim/model/builtin-models.ts';

/** Real modules through import(), except the native tfjs-node packages, which fail as when absent. */
function withoutNative(): ModuleLoader {
  return (specifier) =>
    specifier.startsWith('@tensorflow/tfjs-node')
      ? Promise.reject(new Error(`Cannot find package '${specifier}' imported from /somewhere/replay/backends.ts\n    at stack line`))
      : import(specifier);
}

/** A minimal tf namespace as tfjs-node-gpu would give: just what loadBackend touches. */
function fakeTf(options: { setBackendResult?: boolean } = {}) {
  let current: string | null = null;
  const calls: string[] = [];
  const tf = {
    version_core: '4.22.0-fake',
    setBackend: async (name: string) => {
      calls.push(name);
      if (options.setBackendResult === false) return false;
      current = name;
      return true;
    },
    ready: async () => {},
    getBackend: () => current,
    backend: () => ({ binding: { TF_Version: '2.9.1' } }),
  };
  return { tf, calls };
}

function fakeLoader(modules: Record<string, unknown>): ModuleLoader {
  const fallback = withoutNative();
  return (specifier) => (specifier in modules ? Promise.resolve(modules[specifier]) : fallback(specifier));
}

function sampleInput(name: string, batch: number): Float32Array {
  const n = batch * realModelIo(name).inputElementsPerItem;
  const input = new Float32Array(n);
  for (let i = 0; i < n; i++) input[i] = name === 'bert_base' ? (i * 7919) % 30522 : Math.sin(i * 0.37);
  return input;
}

describe('parseBackendChoice', () => {
  it('accepts every listed choice', () => {
    expect(BACKEND_CHOICES).toEqual(['auto', 'node-gpu', 'node', 'wasm', 'cpu']);
    for (const choice of BACKEND_CHOICES) expect(parseBackendChoice(choice)).toBe(choice);
  });

  it('rejects an unknown name, listing the choices', () => {
    expect(() => parseBackendChoice('metal')).toThrow(InputError);
    expect(() => parseBackendChoice('metal')).toThrow('--backend: expected one of auto, node-gpu, node, wasm, cpu, got "metal"');
  });
});

describe('loadBackend', () => {
  it('auto falls back past the missing native backends to wasm, saying why each failed', async () => {
    const backend = await loadBackend('auto', withoutNative());
    expect(backend.name).toBe('wasm');
    expect(backend.attempts).toHaveLength(2);
    expect(backend.attempts[0]).toMatch(/^node-gpu: Cannot find package '@tensorflow\/tfjs-node-gpu'/);
    expect(backend.attempts[1]).toMatch(/^node: Cannot find package '@tensorflow\/tfjs-node'/);
    for (const line of backend.attempts) expect(line).not.toContain('\n');
    expect(backend.tf.getBackend()).toBe('wasm');
    expect(backend.device).toMatch(/^CPU: .+ \(wasm, 1 thread, (SIMD|no SIMD)\)$/);
    expect(backend.version).toBe(backend.tf.version_core);
  });

  it('a named backend that cannot load fails with one line: package, reason, and what it needs', async () => {
    const error = await loadBackend('node-gpu', withoutNative()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('@tensorflow/tfjs-node-gpu');
    expect(message).toMatch(/^backend node-gpu: could not load @tensorflow\/tfjs-node-gpu: Cannot find package '@tensorflow\/tfjs-node-gpu'/);
    expect(message).toContain('CUDA 11.2');
    expect(message).toContain('cuDNN 8.1');
    expect(message).toContain('npm install @tensorflow/tfjs-node-gpu');

    const node = await loadBackend('node', withoutNative()).catch((e: unknown) => e);
    expect(node).toBeInstanceOf(BackendError);
    expect((node as Error).message).toMatch(/^backend node: could not load @tensorflow\/tfjs-node: .*libtensorflow.*npm install @tensorflow\/tfjs-node$/);
  });

  it('auto takes node-gpu first when it loads, using the tf namespace it brings', async () => {
    const { tf, calls } = fakeTf();
    // CommonJS packages arrive as a namespace whose `default` is module.exports.
    const backend = await loadBackend('auto', fakeLoader({ '@tensorflow/tfjs-node-gpu': { default: tf } }));
    expect(backend.name).toBe('node-gpu');
    expect(backend.tf).toBe(tf);
    expect(backend.attempts).toEqual([]);
    expect(calls).toEqual(['tensorflow']);
    expect(backend.version).toBe('4.22.0-fake');
    expect(backend.device).toMatch(/^CUDA GPU through libtensorflow 2\.9\.1 \(/);
  });

  it('a native backend whose setBackend fails is reported, and auto moves on', async () => {
    const { tf } = fakeTf({ setBackendResult: false });
    const load = fakeLoader({ '@tensorflow/tfjs-node-gpu': tf });
    const error = await loadBackend('node-gpu', load).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain("tf.setBackend('tensorflow') returned false");
    const auto = await loadBackend('auto', load);
    expect(auto.name).toBe('wasm');
    expect(auto.attempts[0]).toMatch(/^node-gpu: tf\.setBackend\('tensorflow'\) returned false/);
  });

  it('loads each backend once per process and re-selects it on later calls', async () => {
    // Counted imports, not a time bound (that one is in test/hardware/).
    const imports: string[] = [];
    const counting: ModuleLoader = (specifier) => (imports.push(specifier), import(specifier));
    const wasm = await loadBackend('wasm', counting);
    const cpu = await loadBackend('cpu', counting);
    expect(cpu.tf).toBe(wasm.tf);
    expect(cpu.tf.getBackend()).toBe('cpu');
    expect(cpu.device).toContain('cpu backend');
    const loadedOnce = [...imports];
    expect(loadedOnce).toContain('@tensorflow/tfjs-backend-wasm');
    const again = await loadBackend('wasm', counting);
    expect(imports).toEqual(loadedOnce);
    expect(again.tf).toBe(wasm.tf);
    expect(again.tf.getBackend()).toBe('wasm');
    expect(again.device).toBe(wasm.device);
  });
});

describe('real models', () => {
  it('have the simulator built-in names (but the simulation-only ones) and phase names', () => {
    const replayable = BUILTIN_MODEL_NAMES.filter((name) => !SIMULATION_ONLY_MODELS.includes(name));
    expect([...REAL_MODEL_NAMES].sort()).toEqual([...replayable].sort());
    for (const name of REAL_MODEL_NAMES) {
      expect(hasRealModel(name)).toBe(true);
      expect(realModelIo(name).phases).toEqual(builtinModel(name)!.phases.map((p) => p.name));
    }
    expect(hasRealModel('alexnet')).toBe(false);
    expect(hasRealModel('toString')).toBe(false);
  });

  it('unknown names give a clear error naming the known models', async () => {
    const { tf } = await loadBackend('wasm');
    expect(() => realModelIo('alexnet')).toThrow(InputError);
    expect(() => buildRealModel(tf, 'alexnet')).toThrow('unknown real model "alexnet": replay has mobilenet_v2, resnet152, bert_base, mlp');
  });

  for (const name of ['mlp', 'mobilenet_v2', 'resnet152', 'bert_base']) {
    it(`${name} runs batch 1 and 2 on wasm: finite outputs of the right length, one time per phase, no leaks`, async () => {
      const { tf } = await loadBackend('wasm');
      const before = tf.memory().numTensors;
      const model = buildRealModel(tf, name, 7);
      const io = realModelIo(name);
      expect(model.name).toBe(name);
      expect(model.phases).toEqual(io.phases);
      expect(model.inputElementsPerItem).toBe(io.inputElementsPerItem);
      expect(model.outputElementsPerItem).toBe(io.outputElementsPerItem);
      const during = tf.memory().numTensors;
      for (const batch of [1, 2]) {
        const { output, phaseMs } = model.run(sampleInput(name, batch), batch);
        expect(output).toBeInstanceOf(Float32Array);
        expect(output.length).toBe(batch * io.outputElementsPerItem);
        expect(output.every(Number.isFinite)).toBe(true);
        expect(output.some((v) => v !== 0)).toBe(true);
        expect(phaseMs).toHaveLength(io.phases.length);
        for (const ms of phaseMs) expect(ms).toBeGreaterThanOrEqual(0);
        expect(tf.memory().numTensors).toBe(during);
      }
      expect(() => model.run(new Float32Array(3), 1)).toThrow(InputError);
      expect(tf.memory().numTensors).toBe(during);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('weights follow the seed, and a batch item does not depend on its neighbours', async () => {
    const { tf } = await loadBackend('wasm');
    const [a, b, c] = [3, 3, 4].map((seed) => buildRealModel(tf, 'mlp', seed));
    const one = sampleInput('mlp', 1);
    const outA = a.run(one, 1).output;
    expect(b.run(one, 1).output).toEqual(outA);
    expect(c.run(one, 1).output).not.toEqual(outA);
    const two = new Float32Array(2 * a.inputElementsPerItem);
    two.set(one, a.inputElementsPerItem);
    const second = a.run(two, 2).output.subarray(a.outputElementsPerItem);
    for (let i = 0; i < outA.length; i++) expect(second[i]).toBeCloseTo(outA[i], 4);
    for (const m of [a, b, c]) m.dispose();
  });

  it('bert_base clips out-of-range token ids; the cpu backend gives the same outputs as wasm', async () => {
    const wasm = await loadBackend('wasm');
    const model = buildRealModel(wasm.tf, 'bert_base', 1);
    const ids = new Float32Array(model.inputElementsPerItem).map((_, i) => (i % 2 === 0 ? 1e9 : -5));
    expect(model.run(ids, 1).output.every(Number.isFinite)).toBe(true);
    const input = sampleInput('bert_base', 1);
    const onWasm = model.run(input, 1).output;
    model.dispose();
    const cpu = await loadBackend('cpu');
    const onCpuModel = buildRealModel(cpu.tf, 'bert_base', 1);
    const onCpu = onCpuModel.run(input, 1).output;
    onCpuModel.dispose();
    for (let i = 0; i < onWasm.length; i++) expect(onCpu[i]).toBeCloseTo(onWasm[i], 3);
    await loadBackend('wasm');
  });
});

// Type-level check: the Tf alias is the tfjs namespace.
export type _TfHasSetBackend = Tf['setBackend'];
