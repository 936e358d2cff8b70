/**
 * The import graph's rules (DESIGN.md, Layering) and a checker for them: reads the
 * project imports of each source file and reports every edge that runs the wrong way.
 *
 *   scripts/ (CLI) -> reports/, replay/ -> scenarios/ -> traces/ -> sim/
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** The repository root's own files (the tsx registration beside tsconfig.json). */
export const ROOT = '.';

/**
 * What each top-level folder may import besides itself. Every folder may import the
 * root's files, which themselves import no folder. Tests (test/) may import anything
 * and are not checked; nothing outside test/ may import them.
 */
export const MAY_IMPORT: ReadonlyMap<string, readonly string[]> = new Map([
  [ROOT, []],
  ['sim', []],
  ['traces', ['sim']],
  ['scenarios', ['traces', 'sim']],
  ['replay', ['scenarios', 'traces', 'sim']],
  ['reports', ['scenarios', 'traces', 'sim']],
  ['scripts', ['reports', 'replay', 'scenarios', 'traces', 'sim']],
]);

/** Top-level folders not walked: tests, and what .gitignore keeps out (outputs, scratch space). */
const SKIPPED = new Set(['test', 'runs', 'scratch', 'tmp', 'dist']);

const SOURCE = /\.(ts|mjs|js)$/;

/** The test runner's configuration files at the root belong with the tests they configure. */
const TEST_CONFIG = /^vitest(\.[\w-]+)?\.config\.ts$/;

/** One import of one file: the specifier as written and the line it is on. */
export interface ImportEdge {
  readonly specifier: string;
  readonly line: number;
}

// Static imports and re-exports start a line (the code is formatted); matching only
// there keeps examples in comments out. A type-only import is an edge too.
const STATIC_FROM = /^[ \t]*(?:import|export)(?:[ \t]+type)?\s*(?:[\w$]+\s*,?\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})?\s*from\s*(['"])([^'"\n]+)\1/gm;
const SIDE_EFFECT = /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*[,)]/g;

function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i !== -1 && i < index; i = source.indexOf('\n', i + 1)) line++;
  return line;
}

/** True when the match at `index` sits in a // comment or on a comment line (/*, *). */
function inComment(source: string, index: number): boolean {
  const before = source.slice(source.lastIndexOf('\n', index - 1) + 1, index);
  return before.includes('//') || /^\s*(\/\*|\*)/.test(before);
}

/** The static (import/export ... from, import '...') and literal dynamic imports of a source text. */
export function readImports(source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const pattern of [STATIC_FROM, SIDE_EFFECT, DYNAMIC]) {
    for (const match of source.matchAll(pattern)) {
      if (pattern === DYNAMIC && inComment(source, match.index)) continue;
      edges.push({ specifier: match[2], line: lineAt(source, match.index) });
    }
  }
  return edges.sort((a, b) => a.line - b.line);
}

/** The top-level folder of a path relative to the repository root (ROOT for a file there). */
export function layerOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? ROOT : path.slice(0, slash);
}

function describeLayer(layer: string): string {
  return layer === ROOT ? 'the root' : `${layer}/`;
}

/**
 * The rule an import breaks, or undefined when it is allowed. `file` and the result
 * are relative to the repository root, with forward slashes; package imports
 * (anything not starting with .) are the package manager's business.
 */
export function brokenRule(file: string, specifier: string): { target: string; rule: string } | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  const from = layerOf(file);
  const to = target.startsWith('../') ? '..' : layerOf(target);
  const allowed = MAY_IMPORT.get(from);
  if (allowed === undefined) {
    return { target, rule: `${describeLayer(from)} has no layering rule (add one to MAY_IMPORT in test/import-layers.ts)` };
  }
  if (to === from || to === ROOT || allowed.includes(to)) return undefined;
  const may = allowed.length === 0 ? 'nothing of the other folders' : allowed.map(describeLayer).join(', ');
  return { target, rule: `${describeLayer(from)} may import ${may} (and the root's files), not ${to === '..' ? 'outside the repository' : describeLayer(to)}` };
}

/** One wrong-way edge, worded for the reader: file:line, the import, the rule. */
export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly message: string;
}

/** Every wrong-way import among the given source files (paths relative to the root). */
export function checkImports(files: readonly { readonly path: string; readonly source: string }[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, source } of files) {
    for (const edge of readImports(source)) {
      const broken = brokenRule(path, edge.specifier);
      if (broken === undefined) continue;
      violations.push({
        file: path,
        line: edge.line,
        specifier: edge.specifier,
        message: `${path}:${edge.line}: imports '${edge.specifier}' (${broken.target}): ${broken.rule}`,
      });
    }
  }
  return violations;
}

/** Every .ts/.mjs/.js file under the root but in node_modules, dot-folders and SKIPPED ones; relative, sorted. */
export function sourceFiles(root: string, under = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, under), { withFileTypes: true })) {
    const path = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) {
      const skipped = entry.name === 'node_modules' || entry.name.startsWith('.') || (under === '' && SKIPPED.has(entry.name));
      if (!skipped) found.push(...sourceFiles(root, path));
    } else if (entry.isFile() && SOURCE.test(entry.name) && !(under === '' && TEST_CONFIG.test(entry.name))) {
      found.push(path);
    }
  }
  return found.sort();
}

/** Reads the sources under the root, for checkImports. */
export function readSources(root: string): { path: string; source: string }[] {
  return sourceFiles(root).map((path) => ({ path, source: readFileSync(join(root, path), 'utf8') }));
}
