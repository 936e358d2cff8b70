import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { brokenRule, checkImports, readImports, readSources, sourceFiles } from './import-layers.ts';

const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('the import graph runs one way (DESIGN.md, Layering)', () => {
  it('no source file imports against the layering', () => {
    const files = sourceFiles(ROOT_DIR);
    // The walk must see the project, or an empty list would pass.
    expect(files).toEqual(expect.arrayContaining(['sim/simulator.ts', 'scripts/strait.js', 'scripts/cli/sweep-worker-boot.mjs', 'replay/worker-boot.mjs']));
    expect(files.some((f) => f.startsWith('test/') || f.includes('node_modules/'))).toBe(false);
    const messages = checkImports(readSources(ROOT_DIR)).map((v) => v.message);
    expect(messages).toEqual([]);
  });
});

describe('the rule checker', () => {
  it('reads static, re-export, side-effect, type-only and literal dynamic imports', () => {
    const source = [
      "import { a,", //
      '  b } from "./one.ts";',
      "import type { T } from '../sim/two.ts';",
      "import * as ns from './three.ts';",
      "import def, { c } from './four.ts';",
      "export { d } from './five.ts';",
      "export * from './six.ts';",
      "import './seven.mjs';",
      "const m = await import('./eight.ts');",
      "const n = () => import(`./template-${x}.ts`); // not a literal: unchecked",
      "// import { e } from '../scripts/in-a-comment.ts'",
      " * an example: import('../scripts/in-a-doc-comment.ts')",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    expect(readImports(source)).toEqual([
      { specifier: './one.ts', line: 1 },
      { specifier: '../sim/two.ts', line: 3 },
      { specifier: './three.ts', line: 4 },
      { specifier: './four.ts', line: 5 },
      { specifier: './five.ts', line: 6 },
      { specifier: './six.ts', line: 7 },
      { specifier: './seven.mjs', line: 8 },
      { specifier: './eight.ts', line: 9 },
      { specifier: 'node:fs', line: 13 },
    ]);
  });

  it('reports a bad edge with the file, the line, the import and the rule', () => {
    const violations = checkImports([
      { path: 'sim/fake.ts', source: "import { ok } from './core/errors.ts';\nimport type { Scenario } from '../scenarios/scenario.ts';\n" },
      { path: 'replay/fake.ts', source: "export { summaryDocument } from '../scripts/cli/run-report.ts';\n" },
      { path: 'traces/fake.ts', source: "const s = await import('../scenarios/load-scenario.ts');\n" },
    ]);
    expect(violations.map((v) => v.message)).toEqual([
      "sim/fake.ts:2: imports '../scenarios/scenario.ts' (scenarios/scenario.ts): sim/ may import nothing of the other folders (and the root's files), not scenarios/",
      "replay/fake.ts:1: imports '../scripts/cli/run-report.ts' (scripts/cli/run-report.ts): replay/ may import scenarios/, traces/, sim/ (and the root's files), not scripts/",
      "traces/fake.ts:1: imports '../scenarios/load-scenario.ts' (scenarios/load-scenario.ts): traces/ may import sim/ (and the root's files), not scenarios/",
    ]);
  });

  it('holds each rule of the layering', () => {
    // Allowed: down the layers, within a folder, the root's files, packages.
    expect(brokenRule('scripts/cli/main.ts', '../../reports/html.ts')).toBeUndefined();
    expect(brokenRule('reports/html.ts', '../scenarios/json-fields.ts')).toBeUndefined();
    expect(brokenRule('scenarios/scenario.ts', '../traces/trace-schema.ts')).toBeUndefined();
    expect(brokenRule('traces/trace-writer.ts', '../sim/core/temporary-paths.ts')).toBeUndefined();
    expect(brokenRule('sim/policy/fifo.ts', '../core/errors.ts')).toBeUndefined();
    expect(brokenRule('replay/worker-boot.mjs', '../register-tsx.mjs')).toBeUndefined();
    expect(brokenRule('sim/simulator.ts', 'apache-arrow')).toBeUndefined();
    // Not allowed: up the layers, across replay/reports, into tests, an unknown folder.
    expect(brokenRule('reports/html.ts', '../replay/validate.ts')?.rule).toMatch(/not replay\/$/);
    expect(brokenRule('replay/validate.ts', '../reports/html.ts')?.rule).toMatch(/not reports\/$/);
    expect(brokenRule('scenarios/scenario.ts', '../replay/validate.ts')?.rule).toMatch(/not replay\/$/);
    expect(brokenRule('reports/html.ts', '../scripts/cli/format.ts')?.rule).toMatch(/not scripts\/$/);
    expect(brokenRule('sim/simulator.ts', '../traces/trace-schema.ts')?.rule).toMatch(/not traces\/$/);
    expect(brokenRule('scripts/bench.ts', '../test/helpers.ts')?.rule).toMatch(/not test\/$/);
    expect(brokenRule('register-tsx.mjs', './sim/core/errors.ts')?.rule).toMatch(/^the root may import nothing .* not sim\/$/);
    expect(brokenRule('experiments/plan.ts', '../sim/simulator.ts')?.rule).toMatch(/^experiments\/ has no layering rule/);
  });
});
