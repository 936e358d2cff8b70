/**
 * Whether this machine can run the torch worker's tests: a Python that imports torch
 * (CI installs Debian's python3-torch). When there is none, the suites that need it skip
 * and say why once.
 */
import { InputError } from '../sim/core/errors.ts';
import { findPythonWithTorch, type PythonTorch } from '../replay/find-python.ts';

function find(): { python?: PythonTorch; why?: string } {
  try {
    return { python: findPythonWithTorch(undefined) };
  } catch (error) {
    if (error instanceof InputError) return { why: error.message };
    throw error;
  }
}

const found = find();
export const TORCH_PYTHON: PythonTorch | undefined = found.python;
if (TORCH_PYTHON === undefined) process.stderr.write(`torch worker tests skipped: ${found.why}\n`);
