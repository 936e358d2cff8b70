/**
 * strait's one error family. Every error strait throws on purpose is a StraitError;
 * the CLI's top-level catch (scripts/cli/main.ts) maps the class to an exit code:
 *
 *   InputError (and its kinds: WorkloadError, ReplayUnsupported, ...)  exit 2
 *   CheckFailure                                                        exit 1
 *   PolicyContractError, InternalError (bug()), anything else           exit 3
 *
 * Messages follow one pattern: what, where, what was expected, what was got, e.g.
 * "policy fifo: dispatch of request 3: expected a waiting request, got one that is executing".
 * A plain `throw new Error(` has no place outside this file: a failure is either the
 * user's (an InputError naming the file, field or line) or strait's (bug()).
 */
export class StraitError extends Error {
  override readonly name: string = 'StraitError';
}

/**
 * Bad input from a user: a scenario, trace or flag that does not validate. The CLI
 * prints its message as one line and exits 2; no stack trace, since the message
 * already names the file, the field or line, and what was expected.
 */
export class InputError extends StraitError {
  override readonly name: string = 'InputError';
}

/**
 * A check that ran and found a failure (e.g. `strait regress` finding a rate worse than
 * its baseline): the command has already printed the details; the CLI prints the
 * message as one line and exits 1.
 */
export class CheckFailure extends StraitError {
  override readonly name: string = 'CheckFailure';
}

/**
 * A policy broke the control-surface contract (sim/policy/policy.ts): a bug in the
 * policy, not in the input, so the CLI treats it as an internal error (exit 3). Thrown
 * by the one decision applier that both drivers use (sim/policy/decision-applier.ts).
 */
export class PolicyContractError extends StraitError {
  override readonly name: string = 'PolicyContractError';
}

/** The workload broke its contract (arrivals out of order, an unknown model): input, exit 2. */
export class WorkloadError extends InputError {
  override readonly name: string = 'WorkloadError';
}

/** A replay on real hardware could not be run as asked (a worker failed, a backend is missing). */
export class ReplayError extends StraitError {
  override readonly name: string = 'ReplayError';
}

/** A policy asked for something the replay cannot do on real hardware (preemption): the user's choice, exit 2. */
export class ReplayUnsupported extends InputError {
  override readonly name: string = 'ReplayUnsupported';
}

/** What bug() throws: strait itself is wrong (an invariant broke). Exit 3. */
export class InternalError extends StraitError {
  override readonly name: string = 'InternalError';
}

/**
 * Fails with an internal error: for what cannot happen unless strait has a bug (an
 * invariant broke, a caller misused an internal API). Input the user can get wrong
 * must be an InputError instead. Returns `never`, so `x ?? bug(...)` narrows.
 */
export function bug(message: string): never {
  throw new InternalError(message);
}

/** Exit codes, as the README's table gives them. */
export const EXIT = { ok: 0, checkFailed: 1, usage: 2, internal: 3 } as const;

/** The exit code for an error that reached the CLI's top level (input errors from the file system are mapped by the caller). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InputError) return EXIT.usage;
  if (error instanceof CheckFailure) return EXIT.checkFailed;
  return EXIT.internal;
}
