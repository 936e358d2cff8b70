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
