import { InputError } from '../core/errors.ts';

/**
 * Reading a predictor's parameters from the scenario's predictorParams (the scenario
 * layer has checked the names; the values are checked here, when the predictor is
 * built). Problems are InputErrors naming the field, e.g.
 * "predictorParams.adaptive.forgetting: expected a number > 0 <= 1, got 2".
 */
export interface NumberRule {
  readonly min?: number;
  readonly above?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

function describe(rule: NumberRule): string {
  const parts = [rule.integer ? 'an integer' : 'a number'];
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  return parts.join(' ');
}

function fits(value: unknown, rule: NumberRule): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max)
  );
}

export function numberParam(
  params: Readonly<Record<string, unknown>> | undefined,
  predictor: string,
  name: string,
  fallback: number,
  rule: NumberRule,
): number {
  const value = params?.[name];
  if (value === undefined) return fallback;
  if (!fits(value, rule)) {
    throw new InputError(`predictorParams.${predictor}.${name}: expected ${describe(rule)}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function numberListParam(
  params: Readonly<Record<string, unknown>> | undefined,
  predictor: string,
  name: string,
  fallback: readonly number[],
  rule: NumberRule,
): readonly number[] {
  const value = params?.[name];
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => fits(v, rule))) {
    throw new InputError(
      `predictorParams.${predictor}.${name}: expected a non-empty list of numbers, each ${describe(rule).replace(/^a number ?/, '') || 'finite'}, got ${JSON.stringify(value)}`,
    );
  }
  return value as number[];
}

export function stringListParam(
  params: Readonly<Record<string, unknown>> | undefined,
  predictor: string,
  name: string,
  fallback: readonly string[],
  allowed: readonly string[],
): readonly string[] {
  const value = params?.[name];
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && allowed.includes(v))) {
    throw new InputError(`predictorParams.${predictor}.${name}: expected a non-empty list of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  if (new Set(value).size !== value.length) throw new InputError(`predictorParams.${predictor}.${name}: a name is listed twice in ${JSON.stringify(value)}`);
  return value as string[];
}
