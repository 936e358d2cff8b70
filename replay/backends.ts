/**
 * Choosing and loading a TensorFlow.js backend for replay.
 *
 * Four backends, fastest first:
 * - node-gpu: @tensorflow/tfjs-node-gpu, libtensorflow with CUDA (backend id 'tensorflow');
 * - node:     @tensorflow/tfjs-node, libtensorflow on the CPU (backend id 'tensorflow');
 * - wasm:     @tensorflow/tfjs + @tensorflow/tfjs-backend-wasm (single-threaded in Node);
 * - cpu:      @tensorflow/tfjs's pure-JavaScript kernels.
 * 'auto' takes the first that loads. Nothing is imported statically: the native packages
 * are optional dependencies whose install downloads libtensorflow, so they are often absent.
 *
 * Each loaded backend brings the tf namespace to use with it: tfjs-node ships its own
 * tfjs-core instance, so code must use `LoadedBackend.tf`, never a tf imported elsewhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { InputError, ReplayError } from '../sim/core/errors.ts';

export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'];
/** The order 'auto' tries. */
const AUTO_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** The tf namespace (tfjs-node re-exports the same API). */
export type Tf = typeof import('@tensorflow/tfjs');

export interface LoadedBackend {
  readonly name: BackendName;
  /** The tf namespace to use everywhere with this backend. */
  readonly tf: Tf;
  /** Human-readable: what runs the kernels (CPU model or GPU, threads, SIMD). */
  readonly device: string;
  /** tfjs-core version. */
  readonly version: string;
  /** For 'auto': one line per backend tried before the chosen one, and why it failed. */
  readonly attempts: readonly string[];
}

/** Loads a module by specifier (dynamic import by default); injectable so tests can fake modules. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

/** A backend asked for by name could not be loaded: one line naming the package, the reason and the need. */
export class BackendError extends InputError {}

const defaultLoader: ModuleLoader = (specifier) => import(specifier);

interface BackendSpec {
  /** The package whose failure to load is reported. */
  readonly pkg: string;
  /** Modules to import, in order; the first gives the tf namespace. */
  readonly modules: readonly string[];
  /** The id passed to tf.setBackend. */
  readonly id: string;
  /** What the backend needs, for the error message. */
  readonly needs: string;
}

/**
 * What node-gpu needs. tfjs-node-gpu 4.x bundles libtensorflow 2.9.1 (tensorflow/tfjs PR
 * #6786, "[tfjs-node]: upgrade TF to 2.9.1"), whose GPU build is tested with CUDA 11.2 and
 * cuDNN 8.1; the tfjs maintainers state the same for tfjs-node-gpu: NVIDIA driver >450.x,
 * CUDA Toolkit 11.2, cuDNN SDK 8.1.0 (tensorflow/tfjs issue #8362, citing tfjs-node's README).
 */
const NODE_GPU_NEEDS =
  'it needs Linux x86-64, an NVIDIA GPU with its driver (>450.x), CUDA 11.2 and cuDNN 8.1 (what the libtensorflow 2.9.1 bundled by tfjs-node-gpu 4.x is built against; their libraries on LD_LIBRARY_PATH), ' +
  'and the package installed with network access so its install script can download libtensorflow: npm install @tensorflow/tfjs-node-gpu';

const SPECS: Readonly<Record<BackendName, BackendSpec>> = {
  'node-gpu': { pkg: '@tensorflow/tfjs-node-gpu', modules: ['@tensorflow/tfjs-node-gpu'], id: 'tensorflow', needs: NODE_GPU_NEEDS },
  node: {
    pkg: '@tensorflow/tfjs-node',
    modules: ['@tensorflow/tfjs-node'],
    id: 'tensorflow',
    needs: 'it needs the package installed with network access so its install script can download libtensorflow (CPU build): npm install @tensorflow/tfjs-node',
  },
  wasm: {
    pkg: '@tensorflow/tfjs-backend-wasm',
    modules: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
    id: 'wasm',
    needs: 'it needs the @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm packages (npm ci)',
  },
  cpu: { pkg: '@tensorflow/tfjs', modules: ['@tensorflow/tfjs'], id: 'cpu', needs: 'it needs the @tensorflow/tfjs package (npm ci)' },
};

export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new InputError(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got "${value}"`);
}

/** Why one backend failed: which step, and the first line of the underlying message. */
class LoadFailure extends ReplayError {}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim() || (error instanceof Error ? error.name : 'unknown error');
}

/** The tf namespace in a loaded module: CommonJS packages put the full object under `default`. */
function asTf(mod: unknown): Tf | undefined {
  const m = mod as { default?: unknown; setBackend?: unknown } | null;
  if (m === null || typeof m !== 'object') return undefined;
  const viaDefault = m.default as { setBackend?: unknown } | undefined;
  if (viaDefault !== null && typeof viaDefault === 'object' && typeof viaDefault.setBackend === 'function') return viaDefault as unknown as Tf;
  if (typeof m.setBackend === 'function') return m as unknown as Tf;
  return undefined;
}

interface Loaded {
  readonly name: BackendName;
  readonly tf: Tf;
  readonly device: string;
  readonly version: string;
}

/**
 * Loaded (or failed) backends per loader: the backend registry is process-wide, so a
 * backend is imported and initialised once; later calls only re-select it.
 */
const cache = new WeakMap<ModuleLoader, Map<BackendName, Promise<Loaded>>>();

async function select(tf: Tf, id: string): Promise<void> {
  let ok: boolean;
  try {
    if (typeof tf.getBackend === 'function' && tf.getBackend() === id) return;
    ok = await tf.setBackend(id);
    await tf.ready();
  } catch (error) {
    throw new LoadFailure(`tf.setBackend('${id}') failed: ${firstLine(error)}`);
  }
  if (!ok) throw new LoadFailure(`tf.setBackend('${id}') returned false (the backend did not initialise)`);
}

async function importAndInit(name: BackendName, load: ModuleLoader, loaded: Map<BackendName, Promise<Loaded>>): Promise<Loaded> {
  const spec = SPECS[name];
  // node and node-gpu both register libtensorflow as 'tensorflow': one per process.
  const other = name === 'node' ? 'node-gpu' : name === 'node-gpu' ? 'node' : undefined;
  if (other !== undefined && loaded.has(other)) {
    const first = await loaded.get(other)!.then(
      () => true,
      () => false,
    );
    if (first) throw new LoadFailure(`${SPECS[other].pkg} is already loaded in this process, and libtensorflow can be loaded only once`);
  }
  const modules: unknown[] = [];
  for (const specifier of spec.modules) {
    try {
      modules.push(await load(specifier));
    } catch (error) {
      const reason = firstLine(error);
      throw new LoadFailure(specifier === spec.pkg ? reason : `cannot load ${specifier}: ${reason}`);
    }
  }
  const tf = asTf(modules[0]);
  if (tf === undefined) throw new LoadFailure(`${spec.modules[0]} did not export a tf namespace (no setBackend)`);
  await select(tf, spec.id);
  return { name, tf, device: await describeDevice(name, tf, modules), version: versionOf(tf) };
}

function loadOne(name: BackendName, load: ModuleLoader): Promise<Loaded> {
  let loaded = cache.get(load);
  if (loaded === undefined) cache.set(load, (loaded = new Map()));
  let pending = loaded.get(name);
  if (pending === undefined) {
    pending = importAndInit(name, load, loaded);
    loaded.set(name, pending);
  }
  return pending.then(async (b) => {
    await select(b.tf, SPECS[name].id); // another backend may have been selected since
    return b;
  });
}

/**
 * Loads and selects a backend. By name: throws BackendError (one line: package, reason,
 * what it needs) when it cannot load. 'auto': the first of node-gpu, node, wasm, cpu that
 * loads; `attempts` says why each one before it failed.
 */
export async function loadBackend(choice: BackendChoice, load: ModuleLoader = defaultLoader): Promise<LoadedBackend> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) parseBackendChoice(choice);
  if (choice !== 'auto') {
    try {
      return { ...(await loadOne(choice, load)), attempts: [] };
    } catch (error) {
      const spec = SPECS[choice];
      throw new BackendError(`backend ${choice}: could not load ${spec.pkg}: ${firstLine(error)}; ${spec.needs}`);
    }
  }
  const attempts: string[] = [];
  for (const name of AUTO_ORDER) {
    try {
      return { ...(await loadOne(name, load)), attempts };
    } catch (error) {
      attempts.push(`${name}: ${firstLine(error)}`);
    }
  }
  throw new BackendError(`backend auto: no TensorFlow.js backend could be loaded (${attempts.join('; ')}); the wasm and cpu backends need npm ci`);
}

function versionOf(tf: Tf): string {
  const t = tf as unknown as { version_core?: unknown; version?: Record<string, unknown> };
  if (typeof t.version_core === 'string') return t.version_core;
  const core = t.version?.['tfjs-core'];
  return typeof core === 'string' ? core : 'unknown';
}

function cpuModel(): string {
  const model = os.cpus()[0]?.model?.trim();
  return `${model || 'unknown CPU'}, ${os.cpus().length} cores`;
}

/** libtensorflow's version, where the tfjs-node binding exposes it. */
function libtensorflowVersion(tf: Tf): string | undefined {
  try {
    const backend = (tf as unknown as { backend?: () => { binding?: { TF_Version?: unknown } } }).backend?.();
    const v = backend?.binding?.TF_Version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** NVIDIA GPU models from the driver's /proc entries (Linux), without spawning nvidia-smi. */
function nvidiaGpus(): string[] {
  const root = '/proc/driver/nvidia/gpus';
  try {
    if (!existsSync(root)) return [];
    return readdirSync(root).flatMap((bus) => {
      const info = readFileSync(`${root}/${bus}/information`, 'utf8');
      const model = /^Model:\s*(.+)$/m.exec(info)?.[1]?.trim();
      return model ? [model] : [];
    });
  } catch {
    return [];
  }
}

async function describeDevice(name: BackendName, tf: Tf, modules: readonly unknown[]): Promise<string> {
  switch (name) {
    case 'node-gpu': {
      const lib = libtensorflowVersion(tf);
      const gpus = nvidiaGpus();
      const where = gpus.length > 0 ? gpus.join(', ') : 'no NVIDIA GPU listed by the driver: libtensorflow may fall back to the CPU';
      return `CUDA GPU through libtensorflow${lib ? ` ${lib}` : ''} (${where})`;
    }
    case 'node': {
      const lib = libtensorflowVersion(tf);
      return `CPU: ${cpuModel()} (libtensorflow${lib ? ` ${lib}` : ''})`;
    }
    case 'wasm': {
      const wasm = (modules[1] ?? {}) as { getThreadsCount?: () => number; default?: { getThreadsCount?: () => number } };
      const getThreads = wasm.getThreadsCount ?? wasm.default?.getThreadsCount;
      let threads = 1;
      try {
        threads = getThreads?.() ?? 1;
      } catch {
        threads = 1;
      }
      let simd = false;
      try {
        simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      } catch {
        simd = false;
      }
      return `CPU: ${cpuModel()} (wasm, ${threads} thread${threads === 1 ? '' : 's'}, ${simd ? 'SIMD' : 'no SIMD'})`;
    }
    case 'cpu':
      return `CPU: ${cpuModel()} (pure-JavaScript cpu backend, 1 thread)`;
  }
}
