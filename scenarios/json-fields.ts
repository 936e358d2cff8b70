import { InputError } from '../sim/core/errors.ts';

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  return String(value);
}

export interface NumberRule {
  readonly min?: number;
  /** Smallest value not allowed from below: value must be > above. */
  readonly above?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/**
 * A cursor into parsed JSON that knows its file and path, so every complaint names
 * both ("default.json: workload.streams[2].model: expected one of ..., got ...").
 */
export class Field {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly value: unknown,
  ) {}

  fail(expected: string): never {
    throw new InputError(`${this.file}: ${this.path || '(top level)'}: expected ${expected}, got ${describe(this.value)}`);
  }

  get present(): boolean {
    return this.value !== undefined;
  }

  /** Checks that this is an object with no keys outside `allowed`. */
  object(allowed: readonly string[]): this {
    const v = this.value;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail('an object');
    for (const key of Object.keys(v as object)) {
      if (!allowed.includes(key)) {
        throw new InputError(
          `${this.file}: ${this.child(key).path}: unknown field; expected one of ${allowed.join(', ')}`,
        );
      }
    }
    return this;
  }

  child(key: string): Field {
    const v = this.value as Record<string, unknown> | undefined;
    return new Field(this.file, this.path ? `${this.path}.${key}` : key, v?.[key]);
  }

  /** Exactly one of the given keys must be present; returns which. */
  exactlyOne(keys: readonly string[]): string {
    const v = this.value as Record<string, unknown>;
    const present = keys.filter((k) => v[k] !== undefined);
    if (present.length !== 1) {
      throw new InputError(
        `${this.file}: ${this.path || '(top level)'}: expected exactly one of ${keys.join(', ')}, got ${present.length === 0 ? 'none' : present.join(' and ')}`,
      );
    }
    return present[0];
  }

  number(rule: NumberRule = {}): number {
    const v = this.value;
    const parts: string[] = [rule.integer ? 'an integer' : 'a number'];
    if (rule.above !== undefined) parts.push(`> ${rule.above}`);
    if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
    if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
    const expected = parts.join(' ');
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(expected);
    if (rule.integer && !Number.isInteger(v)) this.fail(expected);
    if (rule.above !== undefined && !(v > rule.above)) this.fail(expected);
    if (rule.min !== undefined && v < rule.min) this.fail(expected);
    if (rule.max !== undefined && v > rule.max) this.fail(expected);
    return v;
  }

  string(): string {
    if (typeof this.value !== 'string' || this.value.length === 0) this.fail('a non-empty string');
    return this.value;
  }

  oneOf<T extends string>(choices: readonly T[]): T {
    const v = this.value;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      this.fail(`one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    return v as T;
  }

  items(minLength = 0): Field[] {
    const v = this.value;
    if (!Array.isArray(v) || v.length < minLength) {
      this.fail(minLength > 0 ? `an array with at least ${minLength} element${minLength > 1 ? 's' : ''}` : 'an array');
    }
    return v.map((item, i) => new Field(this.file, `${this.path}[${i}]`, item));
  }

  entries(): [string, Field][] {
    this.object(Object.keys((this.value ?? {}) as object));
    return Object.keys(this.value as object).map((key) => [key, this.child(key)]);
  }

  optional<T>(read: (field: Field) => T, fallback: T): T {
    return this.present ? read(this) : fallback;
  }
}

/** Parses JSON text, reporting a syntax error with its line and column. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const match = /position (\d+)/.exec(message);
    const atEnd = /end of JSON input/.test(message);
    if (match || atEnd) {
      const position = match ? Number(match[1]) : text.length;
      const before = text.slice(0, position);
      const line = before.split('\n').length;
      const column = position - before.lastIndexOf('\n');
      throw new InputError(`${file}: invalid JSON at line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
    }
    throw new InputError(`${file}: invalid JSON: ${message}`);
  }
}
