/**
 * Errors a user can act on. The CLI prints `message` alone (no stack trace) and exits with `exitCode`:
 * 2 for bad usage or bad input (a config, a curriculum, a data row), 1 for a missing prerequisite.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A prerequisite of the machine is missing (a binary, a server): exit code 1, still no stack trace. */
export class EnvironmentError extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'EnvironmentError';
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
