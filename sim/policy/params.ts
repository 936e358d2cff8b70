import { InputError } from '../core/errors.ts';
import type { PolicyParams } from './policy.ts';

/**
 * Reading a policy's parameters (the scenario's policy.params). The scenario layer
 * checks the names against the registry; the values are checked here, when the policy
 * is built, and a problem is an InputError naming the field and what was expected,
 * e.g. "policy.params.mode: expected one of "kill", "phase-boundary", got "stop"".
 */
export interface NumberRule {
  readonly min?: number;
  readonly above?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

function field(name: string): string {
  return `policy.params.${name}`;
}

function describeRule(rule: NumberRule): string {
  const parts = [rule.integer ? 'an integer' : 'a number'];
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  return parts.join(' ');
}

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** Every key of params must be one of `allowed` (as the scenario layer checks too). */
export function checkParamNames(params: PolicyParams, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      throw new InputError(
        `${field(key)}: unknown field; expected ${allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no fields here'}`,
      );
    }
  }
}

export function numberParam(params: PolicyParams, name: string, fallback: number, rule: NumberRule = {}): number {
  const value = params[name];
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (rule.integer === true && !Number.isInteger(value)) ||
    (rule.above !== undefined && !(value > rule.above)) ||
    (rule.min !== undefined && value < rule.min) ||
    (rule.max !== undefined && value > rule.max)
  ) {
    throw new InputError(`${field(name)}: expected ${describeRule(rule)}, got ${shown(value)}`);
  }
  return value;
}

export function booleanParam(params: PolicyParams, name: string, fallback: boolean): boolean {
  const value = params[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InputError(`${field(name)}: expected true or false, got ${shown(value)}`);
  return value;
}

export function oneOfParam<T extends string>(params: PolicyParams, name: string, choices: readonly T[], fallback: T): T {
  const value = params[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InputError(`${field(name)}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${shown(value)}`);
  }
  return value as T;
}
