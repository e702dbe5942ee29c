/**
 * Private to lib/cli: the two kinds of user-facing failure a command raises itself.
 * Anything else that escapes a command is a bug (exit 70 with its stack).
 *
 * @module
 */

/** The command line itself is wrong (exit 2): missing filter, conflicting options. */
export class UsageError extends Error {
  /** @param message "Cannot <verb> <object>: <state>". */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The command line is fine but the request cannot be met (exit 1): unknown key, no store. */
export class CommandError extends Error {
  /**
   * @param message "Cannot <verb> <object>: <state>".
   * @param options The underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CommandError";
  }
}

/** Exit code for a usage error. */
export const EXIT_USAGE = 2;
/** Exit code for a domain error. */
export const EXIT_DOMAIN = 1;
/** Exit code for a bug (BSD `EX_SOFTWARE`). */
export const EXIT_BUG = 70;
