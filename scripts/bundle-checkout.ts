import path from 'node:path';

/**
 * Bundles `contents` (TypeScript re-exporting a checkout's modules, resolved from `dir`)
 * into one plain JavaScript file by esbuild under that checkout's own tsconfig.json, as its
 * CLI is built (compiled-cli.mjs). Packages stay external. Put `outfile` two levels below
 * `dir` (its dist/NAME/), so node_modules and paths found from import.meta.url resolve as
 * they do from the sources. Shared by bench:ab and bench:instructions: importing another
 * checkout through tsx compiled it without this repository's class-field setting (see
 * bench-ab.ts).
 */
export async function bundleCheckout(dir: string, contents: string, sourcefile: string, outfile: string): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    stdin: { contents, resolveDir: dir, sourcefile, loader: 'ts' },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    absWorkingDir: dir,
    tsconfig: path.join(dir, 'tsconfig.json'),
    logLevel: 'silent',
  });
}
