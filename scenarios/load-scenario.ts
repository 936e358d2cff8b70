import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/**
 * Loads a scenario by built-in name or by path. A name that is neither a file nor a
 * built-in is an error listing the built-ins.
 */
export function loadScenario(nameOrPath: string = DEFAULT_SCENARIO): Scenario {
  const builtins = builtinScenarioNames();
  if (builtins.includes(nameOrPath)) {
    const file = join(BUILTIN_DIR, `${nameOrPath}.json`);
    return parseScenarioText(readFileSync(file, 'utf8'), `scenarios/builtin/${nameOrPath}.json`, nameOrPath);
  }
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new InputError(`${nameOrPath}: ${why}; expected a scenario file or a built-in scenario (${builtins.join(', ')})`);
  }
  return parseScenarioText(text, nameOrPath, basename(nameOrPath).replace(/\.json$/, ''));
}

export function parseScenarioText(text: string, file: string, defaultName: string): Scenario {
  return parseScenario(parseJson(text, file), file, defaultName);
}
