#!/usr/bin/env node
// `npm run bundle:gpu [-- --out FILE]`: the offline GPU bundle, one .tar.xz of at most
// 60 MiB that runs `strait replay --backend torch`, `calibrate` and `validate` (and the GPU
// campaign) on a Linux x86-64 host with python3 and torch and nothing else: no node, no npm,
// no network. Inside, strait-gpu/:
//   strait            the command (a shell launcher)
//   gpu-campaign.sh   scripts/gpu-campaign.sh
//   bin/node          this Node binary (process.execPath)
//   lib/strait.mjs    the CLI and dispatcher bundled into plain JavaScript by esbuild, with
//                     its chunks; no TensorFlow.js (the torch backend only), no tsx, no dev
//                     dependencies, and no report renderer (vega, resvg)
//   lib/torch/        the Python worker and probe (replay/torch)
//   lib/builtin/, lib/calibration/   the built-in scenarios and their profiles
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIMIT_MIB = 60;
/** Loaded only by `strait report` (and TensorFlow.js by its backends, at run time): left out. */
const LEFT_OUT = ['@tensorflow/*', '@resvg/resvg-js', 'vega', 'vega-lite', 'tsx', 'tsx/*', 'playwright-core'];

function fail(message) {
  process.stderr.write(`bundle:gpu: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(ROOT, 'dist', `strait-gpu-linux-${process.arch}.tar.xz`));
if (process.platform !== 'linux') fail(`the bundle carries this Node binary, so it must be built on Linux (this is ${process.platform})`);

const work = mkdtempSync(join(tmpdir(), 'strait-bundle-'));
const stage = join(work, 'strait-gpu');
try {
  const lib = join(stage, 'lib');
  const { build } = await import('esbuild');
  await build({
    entryPoints: { strait: join(ROOT, 'scripts/cli/main.ts') },
    outdir: lib,
    bundle: true,
    // Commands load their modules on use (main.ts): with splitting, each stays its own
    // chunk, so what `report` imports is needed only when `report` runs.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    external: LEFT_OUT,
    // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __straitCreateRequire } from 'node:module'; const require = __straitCreateRequire(import.meta.url);" },
    // main.ts reads the version from package.json, which the bundle does not carry.
    define: { 'process.env.STRAIT_BUNDLED_VERSION': JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version) },
    logLevel: 'warning',
  });
  // Files the code finds next to itself (import.meta.url): every chunk lives in lib/.
  cpSync(join(ROOT, 'replay/torch'), join(lib, 'torch'), { recursive: true, filter: (p) => !p.includes('__pycache__') });
  cpSync(join(ROOT, 'scenarios/builtin'), join(lib, 'builtin'), { recursive: true });
  cpSync(join(ROOT, 'scenarios/calibration'), join(lib, 'calibration'), { recursive: true });
  mkdirSync(join(stage, 'bin'));
  copyFileSync(process.execPath, join(stage, 'bin/node'));
  chmodSync(join(stage, 'bin/node'), 0o755);
  writeFileSync(
    join(stage, 'strait'),
    '#!/bin/sh\n# strait from the offline GPU bundle: its own Node runs the bundled CLI.\nhere=$(cd "$(dirname "$0")" && pwd)\nexec "$here/bin/node" "$here/lib/strait.mjs" "$@"\n',
    { mode: 0o755 },
  );
  copyFileSync(join(ROOT, 'scripts/gpu-campaign.sh'), join(stage, 'gpu-campaign.sh'));
  chmodSync(join(stage, 'gpu-campaign.sh'), 0o755);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a checkout
  }
  writeFileSync(
    join(stage, 'README.txt'),
    [
      `strait ${version} (${commit}), offline GPU bundle for Linux ${process.arch}, Node ${process.version}`,
      '',
      'Needs only python3 with torch (CUDA build for --device cuda). Nothing to install.',
      '  ./strait replay replay-cpu --backend torch --device cuda --sharing processes|mps|streams',
      '  ./strait calibrate REPLAY_DIRS... --out profile.json',
      '  ./strait validate --replay DIR --profile profile.json',
      '  ./gpu-campaign.sh --device cuda --out campaign     (about 8 minutes; then read campaign/summary.md)',
      'Python: --python PATH or STRAIT_PYTHON, else python3 on PATH, /usr/bin/python3, /usr/local/bin/python3.',
      'Also here: run, compare, list, regress, trace gen/convert/inspect, sweep (in one process: no worker processes).',
      'Not here: report (needs vega and resvg) and the TensorFlow.js replay backends: use the repository for those.',
      '',
    ].join('\n'),
  );

  mkdirSync(dirname(out), { recursive: true });
  const temporary = `${out}.tmp-${process.pid}`;
  // -T0: xz on every core (the Node binary is most of the bytes).
  execFileSync('tar', ['-cJf', temporary, '-C', work, 'strait-gpu'], { env: { ...process.env, XZ_OPT: '-6 -T0' }, stdio: 'inherit' });
  const bytes = statSync(temporary).size;
  if (bytes > LIMIT_MIB * 2 ** 20) {
    rmSync(temporary);
    fail(`the archive is ${(bytes / 2 ** 20).toFixed(1)} MiB, over the ${LIMIT_MIB} MiB limit`);
  }
  renameSync(temporary, out);
  const files = readdirSync(lib).length;
  process.stdout.write(`wrote ${out} (${(bytes / 2 ** 20).toFixed(1)} MiB; ${files} entries in lib/)\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
