import { InputError } from './errors.ts';

/** Bounds on a number, as scenario fields and component parameters state them. */
export interface NumberRule {
  readonly min?: number;
  /** The value must be strictly greater than this. */
  readonly above?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** "an integer > 0 <= 8": how messages say what a rule expects. */
export function describeNumberRule(rule: NumberRule): string {
  const parts = [rule.integer ? 'an integer' : 'a number'];
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  return parts.join(' ');
}

export function fitsNumberRule(value: unknown, rule: NumberRule): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max)
  );
}

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * A component's parameters from the scenario (a policy's policy.params, a
 * predictor's predictorParams.<name>), read with defaults and checked as they are
 * read. A bad value is an InputError naming the field, e.g.
 * "policy.params.mode: expected one of "kill", "phase-boundary", got "stop"".
 */
export class Params {
  constructor(
    /** Where these parameters live in the scenario, e.g. "policy.params". */
    private readonly path: string,
    private readonly values: Readonly<Record<string, unknown>> = {},
  ) {}

  private field(name: string): string {
    return `${this.path}.${name}`;
  }

  /** Every key must be one of `allowed` (the scenario layer checks this too). */
  checkNames(allowed: readonly string[]): this {
    for (const key of Object.keys(this.values)) {
      if (!allowed.includes(key)) {
        throw new InputError(`${this.field(key)}: unknown field; expected ${allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no fields here'}`);
      }
    }
    return this;
  }

  number(name: string, fallback: number, rule: NumberRule = {}): number {
    const value = this.values[name];
    if (value === undefined) return fallback;
    if (!fitsNumberRule(value, rule)) throw new InputError(`${this.field(name)}: expected ${describeNumberRule(rule)}, got ${shown(value)}`);
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.values[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw new InputError(`${this.field(name)}: expected true or false, got ${shown(value)}`);
    return value;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.values[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      throw new InputError(`${this.field(name)}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${shown(value)}`);
    }
    return value as T;
  }

  numberList(name: string, fallback: readonly number[], rule: NumberRule = {}): readonly number[] {
    const value = this.values[name];
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => fitsNumberRule(v, rule))) {
      const each = describeNumberRule(rule).replace(/^a number ?/, '') || 'finite';
      throw new InputError(`${this.field(name)}: expected a non-empty list of numbers, each ${each}, got ${shown(value)}`);
    }
    return value as number[];
  }

  /** A non-empty list of distinct names from `allowed`. */
  nameList<T extends string>(name: string, fallback: readonly T[], allowed: readonly T[]): readonly T[] {
    const value = this.values[name];
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && (allowed as readonly string[]).includes(v))) {
      throw new InputError(`${this.field(name)}: expected a non-empty list of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${shown(value)}`);
    }
    if (new Set(value).size !== value.length) throw new InputError(`${this.field(name)}: a name is listed twice in ${JSON.stringify(value)}`);
    return value as T[];
  }
}
