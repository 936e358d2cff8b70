// The `strait` command's compiled JavaScript: built by esbuild on first use into
// dist/cli-<id>/, and rebuilt whenever a source file it was built from has changed, so
// a command never pays tsx's compile (about 1.2 s of CPU per process) and never runs
// stale code. Why at first use and not at install (`prepare`): an install-time build
// goes stale at the first edit of a source, so the check below is needed anyway, and
// with it the first run after `npm ci` or after an edit builds (about a second)
// instead of every run compiling.
//
// dist/cli.json names the current build and every source it was built from with its
// modification time and size (esbuild's metafile); a command checks them (a stat per
// source, about a millisecond). A build is written under a fresh name and then named in
// dist/cli.json by a rename, so concurrent commands never see half a build. Builds
// sit two levels below the root, as the sources do, so paths the code finds from
// import.meta.url (../../package.json) hold; the folders found beside the code
// (builtin, calibration, torch) are links to the sources.
//
// STRAIT_TSX=1 skips all of this and runs the TypeScript sources through tsx.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const DIST = join(ROOT, 'dist');
const POINTER = join(DIST, 'cli.json');
const ENTRIES = {
  strait: 'scripts/cli/main.ts',
  'sweep-worker': 'scripts/cli/sweep-worker.ts',
  'replay-worker': 'replay/replay-worker.ts',
};
/** Folders the code finds next to itself: link name in the build -> source folder. */
const BESIDE = { builtin: 'scenarios/builtin', calibration: 'scenarios/calibration', torch: 'replay/torch' };
/** Worker entries forked by path (scripts/cli/sweep-pool.ts, replay/worker-launch.ts): no tsx here. */
const BOOTS = {
  'sweep-worker-boot.mjs':
    "// Compiled sweep worker boot (compiled-cli.mjs).\nconst setup = await new Promise((resolve) => process.once('message', resolve));\nconst worker = await import('./sweep-worker.mjs');\nworker.serve(setup);\n",
  'worker-boot.mjs': "// Compiled replay worker boot (compiled-cli.mjs).\nconst worker = await import('./replay-worker.mjs');\nawait worker.serveStdio();\n",
};
/** Builds no longer current are removed this long after they were replaced (a sweep may still be using one). */
const KEEP_OLD_MS = 24 * 3600 * 1000;

/** The URL of the compiled entry (strait, sweep-worker, replay-worker), building it if needed; undefined to use tsx. */
export async function compiledEntry(name) {
  if (process.env.STRAIT_TSX) return undefined;
  const current = freshBuild();
  const dir = current ?? (await build());
  return dir === undefined ? undefined : pathToFileURL(join(dir, `${name}.mjs`)).href;
}

/** The current build's folder when every source it was built from is unchanged. */
function freshBuild() {
  let pointer;
  try {
    pointer = JSON.parse(readFileSync(POINTER, 'utf8'));
  } catch {
    return undefined;
  }
  // Every command pays this loop: plain concatenation (ROOT ends in a separator) and no
  // exception for a missing file keep it near a millisecond for some 170 sources (path.join
  // made it about 2.5x slower).
  for (const path in pointer.inputs) {
    const [mtimeMs, size] = pointer.inputs[path];
    const stat = statSync(ROOT + path, { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs !== mtimeMs || stat.size !== size) return undefined;
  }
  const dir = join(DIST, pointer.build);
  return existsSync(dir) ? dir : undefined;
}

async function build() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined; // not installed: tsx runs the sources
  }
  const name = `cli-${Date.now().toString(36)}-${process.pid}`;
  const dir = join(DIST, name);
  // Sources are stat'ed before they are read, so an edit during the build makes the
  // next command build again rather than trust this one.
  const before = new Map();
  try {
    mkdirSync(DIST, { recursive: true });
    const result = await esbuild.build({
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([entry, path]) => [entry, join(ROOT, path)])),
      outdir: dir,
      bundle: true,
      splitting: true, // commands load their modules on use (main.ts): each stays its own chunk
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outExtension: { '.js': '.mjs' },
      chunkNames: '[name]-[hash]',
      packages: 'external', // loaded from node_modules at run time, as from the sources
      absWorkingDir: ROOT,
      tsconfig: join(ROOT, 'tsconfig.json'), // its class-field setting is part of the simulator's speed
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          name: 'stat-inputs',
          setup(b) {
            b.onLoad({ filter: /\.(ts|mjs|js|json)$/ }, (args) => {
              if (!args.path.includes('node_modules')) before.set(args.path, statSync(args.path));
              return undefined;
            });
          },
        },
      ],
    });
    for (const [link, source] of Object.entries(BESIDE)) symlinkSync(join(ROOT, source), join(dir, link), 'dir');
    for (const [file, text] of Object.entries(BOOTS)) writeFileSync(join(dir, file), text);
    const inputs = {};
    for (const input of Object.keys(result.metafile.inputs)) {
      const path = join(ROOT, input);
      const stat = before.get(path) ?? statSync(path);
      inputs[relative(ROOT, path)] = [stat.mtimeMs, stat.size];
    }
    const temporary = `${POINTER}.tmp-${process.pid}`;
    writeFileSync(temporary, `${JSON.stringify({ build: name, inputs }, null, 1)}\n`);
    renameSync(temporary, POINTER);
    removeOldBuilds(name);
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined; // a build that fails (a syntax error): tsx runs the sources and reports it
  }
}

function removeOldBuilds(keep) {
  for (const entry of readdirSync(DIST)) {
    if (!entry.startsWith('cli-') || entry === keep) continue;
    const path = join(DIST, entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another command meanwhile
    }
  }
}
