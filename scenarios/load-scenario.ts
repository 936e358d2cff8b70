import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../sim/core/errors.ts';
import { parseJson } from './json-fields.ts';
import { parseScenario } from './parse-scenario.ts';
import type { Scenario } from './scenario.ts';

/** Built-in scenarios are the JSON files shipped in scenarios/builtin. */
const BUILTIN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'builtin');

export const DEFAULT_SCENARIO = 'default';

export function builtinScenarioNames(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

interface ScenarioSource {
  /** Identity for cycle detection: the built-in's name or the file's absolute path. */
  readonly id: string;
  readonly json: unknown;
  /** How errors name the file. */
  readonly file: string;
  /** Where relative paths in it (extends, traces) start from. */
  readonly dir: string;
  readonly defaultName: string;
}

/** Reads one scenario file (or built-in) as JSON, without resolving `extends`. */
function readSource(nameOrPath: string, relativeTo: string): ScenarioSource {
  const builtins = builtinScenarioNames();
  if (builtins.includes(nameOrPath)) {
    const path = join(BUILTIN_DIR, `${nameOrPath}.json`);
    const file = `scenarios/builtin/${nameOrPath}.json`;
    return { id: `builtin:${nameOrPath}`, json: parseJson(readFileSync(path, 'utf8'), file), file, dir: BUILTIN_DIR, defaultName: nameOrPath };
  }
  const path = resolve(relativeTo, nameOrPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new InputError(`${nameOrPath}: ${why}; expected a scenario file or a built-in scenario (${builtins.join(', ')})`);
  }
  return { id: path, json: parseJson(text, nameOrPath), file: nameOrPath, dir: dirname(path), defaultName: basename(nameOrPath).replace(/\.json$/, '') };
}

/**
 * Resolves `"extends": "<built-in or path>"`: the base scenario's top-level fields,
 * with this file's own fields replacing them (a shallow merge: a file that sets
 * "workload" replaces the whole workload). Chains are followed; cycles are errors.
 * The name is never inherited: a file without one is named after itself (its base
 * name), not after its base, whose runs it would otherwise be mistaken for.
 */
function resolveExtends(source: ScenarioSource, chain: readonly string[]): unknown {
  const json = source.json;
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !('extends' in json)) return json;
  const { extends: base, ...own } = json as Record<string, unknown>;
  if (typeof base !== 'string' || base === '') {
    throw new InputError(`${source.file}: extends: expected the name of a built-in scenario or a scenario file, got ${JSON.stringify(base)}`);
  }
  const parent = readSource(base, source.dir);
  if (chain.includes(parent.id) || parent.id === source.id) {
    throw new InputError(`${source.file}: extends: "${base}" leads back to this file (a cycle of extends)`);
  }
  const { name: _parentName, ...inherited } = resolveExtends(parent, [...chain, source.id]) as Record<string, unknown>;
  return { ...inherited, ...own };
}

/**
 * Loads a scenario by built-in name or by path. A name that is neither a file nor a
 * built-in is an error listing the built-ins.
 */
export function loadScenario(nameOrPath: string = DEFAULT_SCENARIO): Scenario {
  const source = readSource(nameOrPath, process.cwd());
  const json = resolveExtends(source, []);
  return parseScenario(json, source.file, source.defaultName, source.dir);
}

export function parseScenarioText(text: string, file: string, defaultName: string): Scenario {
  return parseScenario(parseJson(text, file), file, defaultName);
}
