import { InputError } from '../../sim/core/errors.ts';

/**
 * Field reader for the JSON documents reports read (summary.json, a validation): every
 * missing or mistyped field is one InputError naming the file, the path and what was
 * expected, with a hint of what the file should have been.
 */
export class JsonReader {
  constructor(
    private readonly file: string,
    private readonly hint: string,
  ) {}

  fail(path: string, expected: string): never {
    throw new InputError(`${this.file}: ${path}: expected ${expected} (${this.hint})`);
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object');
    return value as Record<string, unknown>;
  }

  /** JSON writes NaN as null: null reads back as NaN. */
  number(value: unknown, path: string): number {
    if (value === null) return NaN;
    if (typeof value !== 'number') this.fail(path, 'a number');
    return value as number;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'a string');
    return value as string;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array');
    return value as unknown[];
  }
}
