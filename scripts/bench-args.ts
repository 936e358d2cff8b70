import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * parseArgs for the bench scripts: an unknown option or a missing value ends the run
 * with one line naming the script and the option, and exit status 2, not a stack trace.
 */
export function benchArgs<T extends ParseArgsConfig>(script: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(`${script}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    process.exit(2);
  }
}

/**
 * The named options as whole numbers of at least `min` (1 unless given); any other value
 * ends the run with one line naming the script, the option and the value, and exit 2.
 */
export function wholeNumbers<K extends string>(script: string, values: Readonly<Record<K, unknown>>, names: readonly K[], min = 1): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const name of names) {
    const n = Number(values[name]);
    if (!(Number.isInteger(n) && n >= min)) {
      console.error(`${script}: --${name} must be a whole number of at least ${min}, got ${String(values[name])}`);
      process.exit(2);
    }
    out[name] = n;
  }
  return out;
}
