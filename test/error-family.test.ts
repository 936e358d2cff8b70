import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  bug,
  CheckFailure,
  EXIT,
  exitCodeOf,
  InputError,
  InternalError,
  PolicyContractError,
  ReplayError,
  ReplayUnsupported,
  StraitError,
  WorkloadError,
} from '../sim/core/errors.ts';
import { readSources } from './import-layers.ts';

const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A thrown plain Error, not a comment or a string that mentions one. */
const PLAIN_THROW = /^(?!\s*(\/\/|\*)).*\bthrow new Error\(/;

describe('one error family (sim/core/errors.ts)', () => {
  it('no source file throws a plain Error: each failure is bug() or an input error', () => {
    const found: string[] = [];
    for (const { path, source } of readSources(ROOT_DIR)) {
      if (path === 'sim/core/errors.ts') continue;
      source.split('\n').forEach((line, i) => {
        if (PLAIN_THROW.test(line)) found.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('every class derives from StraitError, and the CLI maps classes to exit codes', () => {
    for (const Class of [InputError, CheckFailure, PolicyContractError, WorkloadError, ReplayError, ReplayUnsupported, InternalError]) {
      expect(new Class('x')).toBeInstanceOf(StraitError);
    }
    expect(exitCodeOf(new InputError('x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new WorkloadError('x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ReplayUnsupported('x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new CheckFailure('x'))).toBe(EXIT.checkFailed);
    expect(exitCodeOf(new PolicyContractError('x'))).toBe(EXIT.internal);
    expect(exitCodeOf(new ReplayError('x'))).toBe(EXIT.internal);
    expect(exitCodeOf(new Error('x'))).toBe(EXIT.internal);
  });

  it('bug() throws an internal error with the message', () => {
    expect(() => bug('queue: expected 1, got 2')).toThrow(InternalError);
    expect(() => bug('queue: expected 1, got 2')).toThrow('queue: expected 1, got 2');
  });
});
