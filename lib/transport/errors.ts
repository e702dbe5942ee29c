/**
 * Errors of transports.
 *
 * @module
 */

/** Why a transport operation failed. */
export type TransportFailure =
  | "connect"
  | "auth"
  | "host-key-unknown"
  | "host-key-mismatch"
  | "dropped"
  | "timeout"
  | "io";

/**
 * A system could not be reached, or the connection dropped, or a file operation failed.
 * `retryable` says whether trying again later can help (a dropped connection can; an
 * unknown host key cannot until the user trusts it).
 *
 * @example
 * ```ts
 * import { TransportError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new TransportError("root@127.0.0.1:22", "dropped", "the connection closed");
 * assert.equal(e.retryable, true);
 * assert.equal(e.message, "Cannot reach root@127.0.0.1:22: the connection closed");
 * ```
 */
export class TransportError extends Error {
  /** The transport's label (`local`, `user@host:port`). */
  readonly target: string;
  /** What went wrong. */
  readonly failure: TransportFailure;
  /** Whether a later attempt can succeed without the user doing anything. */
  readonly retryable: boolean;

  /**
   * @param target The transport's label.
   * @param failure What went wrong.
   * @param detail One sentence for people.
   * @param options The cause.
   */
  constructor(
    target: string,
    failure: TransportFailure,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot reach ${target}: ${detail}`, options);
    this.name = "TransportError";
    this.target = target;
    this.failure = failure;
    this.retryable = failure === "connect" || failure === "dropped" || failure === "timeout" ||
      failure === "io";
  }
}
