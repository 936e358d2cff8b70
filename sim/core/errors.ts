/**
 * Bad input from a user: a scenario, trace or flag that does not validate. The CLI
 * prints its message as one line and exits non-zero; no stack trace, since the
 * message already names the file, the field or line, and what was expected.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}
