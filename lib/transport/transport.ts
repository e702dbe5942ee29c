/**
 * The interface every way of reaching a system implements: run a shell command, move
 * files in bulk. The runtime only talks to systems through it.
 *
 * @module
 */

/** What a finished command gave back. */
export interface ExecResult {
  /** Exit code (128 + n when killed by signal n). */
  readonly code: number;
  /** Standard output, as bytes. */
  readonly stdout: Uint8Array;
  /** Standard error, decoded as UTF-8. */
  readonly stderr: string;
}

/** Options of {@linkcode Transport.exec}. */
export interface ExecOptions {
  /** Bytes (or text) fed to the command's standard input. Default: none (empty). */
  readonly stdin?: Uint8Array | string;
  /** Give up after this many ms with a `TransportError` (the command may still run). */
  readonly timeoutMs?: number;
  /** Aborts the wait (the command may still run). */
  readonly signal?: AbortSignal;
}

/** One file to write. */
export interface FileToWrite {
  /** Absolute path on the system. */
  readonly path: string;
  /** Contents. */
  readonly data: Uint8Array;
  /** Permission bits. Default: 0o644. */
  readonly mode?: number;
}

/**
 * A way to run commands and move files on one system: this machine, or a host behind SSH.
 * Implementations never retry a command on their own (a command may not be idempotent,
 * `sbatch` is not); after a dropped connection the next call reconnects.
 */
export interface Transport extends AsyncDisposable {
  /** `"local"`, or the SSH destination as `user@host:port`. */
  readonly label: string;
  /**
   * Runs one POSIX shell command line (`sh -c` here; the login user's shell on a remote
   * host). A non-zero exit is a result, not an error.
   *
   * @throws {TransportError} When the system cannot be reached or the connection drops.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Writes files, each to a temporary name then renamed into place, creating parent
   * directories. Many files travel in one bulk transfer.
   */
  writeFiles(files: readonly FileToWrite[], options?: { signal?: AbortSignal }): Promise<void>;
  /** Reads files in bulk; a file that does not exist comes back `undefined`. */
  readFiles(
    paths: readonly string[],
    options?: { signal?: AbortSignal },
  ): Promise<(Uint8Array | undefined)[]>;
  /** The home directory of the user on the system (for `~` in paths). */
  home(): Promise<string>;
  /** Closes the connection; idempotent. */
  close(): Promise<void>;
}
