/**
 * Finding a Python interpreter that imports torch, for the torch replay worker.
 *
 * The python3 first on PATH is often not the one with torch (a pyenv shim that does not
 * see Debian's python3-torch, a virtualenv without it), so: the interpreter named by
 * --python, else by STRAIT_PYTHON (either one is used or refused, never passed over),
 * else the first of python3 on PATH, /usr/bin/python3 and /usr/local/bin/python3 that
 * imports torch. Which one ran, with its torch version, goes into replay.json.
 */
import { spawnSync } from 'node:child_process';
import { InputError } from '../sim/core/errors.ts';

export interface PythonTorch {
  /** The interpreter as named or found (what is spawned). */
  readonly path: string;
  /** How it was chosen: "--python", "STRAIT_PYTHON", "python3 on PATH", or the probed path. */
  readonly chosenBy: string;
  /** sys.executable: the interpreter that really ran. */
  readonly executable: string;
  readonly pythonVersion: string;
  readonly torch: string;
  /** CUDA version torch was built with, or null (a CPU build). */
  readonly cuda: string | null;
  /** GPUs torch can use (torch.cuda.is_available() false: none). */
  readonly gpus: readonly string[];
}

/** Prints what the dispatcher needs to know, as one JSON line; fails (exit 1) without torch. */
const PROBE = `
import json, platform, sys
import torch
gpus = []
try:
    if torch.cuda.is_available():
        gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
except Exception:
    gpus = []
print(json.dumps({"executable": sys.executable, "pythonVersion": platform.python_version(), "torch": torch.__version__, "cuda": torch.version.cuda, "gpus": gpus}))
`;

/** Importing torch takes seconds on a cold, busy machine. */
const PROBE_TIMEOUT_MS = 180_000;

type ProbeResult = { readonly ok: true; readonly found: Omit<PythonTorch, 'path' | 'chosenBy'> } | { readonly ok: false; readonly why: string };

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .at(-1) ?? ''
  );
}

/** Runs the probe with one interpreter: what it found, or why it cannot serve. */
export function probePython(path: string): ProbeResult {
  const run = spawnSync(path, ['-c', PROBE], { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (run.error !== undefined) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return { ok: false, why: code === 'ENOENT' ? 'not found' : code === 'ETIMEDOUT' ? `no answer in ${PROBE_TIMEOUT_MS / 1000} s` : run.error.message };
  }
  if (run.status !== 0) {
    const why = lastLine(run.stderr) || `exit ${run.status ?? run.signal}`;
    return { ok: false, why: /No module named '?torch'?/.test(why) ? 'no torch (No module named torch)' : why };
  }
  try {
    return { ok: true, found: JSON.parse(lastLine(run.stdout)) };
  } catch {
    return { ok: false, why: `unexpected probe output: ${lastLine(run.stdout).slice(0, 120)}` };
  }
}

const INSTALL_HINT = 'install torch for it (pip install torch, or Debian/Ubuntu: apt install python3-torch)';

/**
 * The Python that runs torch workers: `explicit` (--python) or STRAIT_PYTHON if set
 * (refused with one line if it cannot import torch), else the first usual place that can.
 * `probe` is injectable for tests.
 */
export function findPythonWithTorch(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, probe = probePython): PythonTorch {
  const named = explicit !== undefined ? { path: explicit, chosenBy: '--python' } : env.STRAIT_PYTHON ? { path: env.STRAIT_PYTHON, chosenBy: 'STRAIT_PYTHON' } : undefined;
  if (named !== undefined) {
    const result = probe(named.path);
    if (!result.ok) throw new InputError(`${named.chosenBy} ${named.path}: cannot run torch workers: ${result.why}; ${INSTALL_HINT}, or name another interpreter`);
    return { path: named.path, chosenBy: named.chosenBy, ...result.found };
  }
  const candidates = [
    { path: 'python3', chosenBy: 'python3 on PATH' },
    { path: '/usr/bin/python3', chosenBy: '/usr/bin/python3' },
    { path: '/usr/local/bin/python3', chosenBy: '/usr/local/bin/python3' },
  ];
  const tried: string[] = [];
  for (const candidate of candidates) {
    const result = probe(candidate.path);
    if (result.ok) return { ...candidate, ...result.found };
    tried.push(`${candidate.chosenBy}: ${result.why}`);
  }
  throw new InputError(`--backend torch: no Python that imports torch (${tried.join('; ')}); ${INSTALL_HINT}, or name the interpreter with --python or STRAIT_PYTHON`);
}
