/**
 * Bad input from a user: a scenario, trace or flag that does not validate. The CLI
 * prints its message as one line and exits non-zero; no stack trace, since the
 * message already names the file, the field or line, and what was expected.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/**
 * A check that ran and found a failure (e.g. `strait regress` finding a rate worse than
 * its baseline): the command has already printed the details; the CLI prints the
 * message as one line and exits 1.
 */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}
