/**
 * The SSH transport: commands through one persistent remote shell, files through SFTP, one
 * connection reopened on the next call after it drops.
 *
 * @module
 */
import { TransportError } from "./errors.ts";
import type { SshTarget } from "./ssh_config.ts";
import { connectSsh } from "./_ssh_connect.ts";
import { SshSession, type WaitOptions } from "./_ssh_session.ts";
import { readMany, SftpPathError, writeMany } from "./_sftp_files.ts";
import { shellQuote } from "./_remote_shell.ts";
import type { ExecOptions, ExecResult, FileToWrite, Transport } from "./transport.ts";

/** What an {@linkcode SshTransport} reports through `onEvent`. */
export type SshEvent =
  | { readonly type: "connected"; readonly target: string; readonly ms: number }
  | { readonly type: "connect-failed"; readonly target: string; readonly error: TransportError }
  | { readonly type: "dropped"; readonly target: string; readonly reason: string };

/** A source of time for the reconnect backoff (lib/runtime's `Clock` fits). */
export interface BackoffClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Options of {@linkcode SshTransport}. */
export interface SshTransportOptions {
  /** The system's name, for hints such as `drover systems trust NAME`. */
  readonly systemName?: string;
  /** Give up connecting after this long. Default: `ConnectTimeout`, else 20 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Keepalive interval (ms). Default: `ServerAliveInterval`, else 30 000; 0 turns it off. */
  readonly keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as dropped. Default: 3. */
  readonly keepaliveCountMax?: number;
  /** Wait before the first reconnect after a failed attempt; doubles per failure. Default 200 ms. */
  readonly backoffInitialMs?: number;
  /** Longest wait between attempts. Default: 10 000 ms. */
  readonly backoffMaxMs?: number;
  /** Time source for the backoff. Default: the real clock. */
  readonly clock?: BackoffClock;
  /** Receives connection events (lib/ never prints). */
  readonly onEvent?: (event: SshEvent) => void;
}

const realClock: BackoffClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(t);
        reject(signal.reason);
      }, { once: true });
    }),
};

/**
 * Runs commands and moves files on a host over SSH (npm:ssh2), through ONE connection:
 * commands go one after another through a persistent `sh` (about a third of a millisecond
 * per round trip on loopback, Nagle off), files through SFTP with pipelined requests.
 * Nothing is retried; after a drop the next call reconnects, waiting 0.2 s, 0.4 s, ... up
 * to 10 s after consecutive failed attempts. While no call is pending the connection does
 * not keep the process alive.
 *
 * @example
 * ```ts ignore
 * import { resolveSshTarget, SshTransport } from "./mod.ts";
 * await using t = new SshTransport(resolveSshTarget("hpc"));
 * const r = await t.exec("squeue --me");
 * const listing = r.code === 0 ? new TextDecoder().decode(r.stdout) : "";
 * ```
 *
 * @example
 * ```ts
 * import { SshTransport, TransportError } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const t = new SshTransport({
 *   destination: "nobody@127.0.0.1:1", alias: "127.0.0.1", hostName: "127.0.0.1",
 *   user: "nobody", port: 1, label: "nobody@127.0.0.1:1", identityFiles: [],
 *   identitiesOnly: true, identityAgent: "none", userKnownHostsFiles: [],
 *   globalKnownHostsFiles: [], notes: [],
 * });
 * await assert.rejects(t.exec("true"), (e) => e instanceof TransportError && e.failure === "auth");
 * await t.close();
 * ```
 */
export class SshTransport implements Transport {
  /** `user@host:port`. */
  readonly label: string;
  readonly #target: SshTarget;
  readonly #options: SshTransportOptions;
  readonly #clock: BackoffClock;
  #session: SshSession | undefined;
  #connecting: Promise<SshSession> | undefined;
  #failures = 0;
  #failedAt = 0;
  #busy = 0;
  #connects = 0;
  #closed = false;

  /**
   * Creates the transport; nothing connects until the first call.
   *
   * @param target Where to (from {@linkcode resolveSshTarget}).
   * @param options Timeouts, keepalive, backoff, events.
   */
  constructor(target: SshTarget, options: SshTransportOptions = {}) {
    this.label = target.label;
    this.#target = target;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
  }

  /** How many connections were opened so far (a new one after each drop). */
  get connects(): number {
    return this.#connects;
  }

  /**
   * Runs a command line in the remote shell (`sh`), in a subshell of its own.
   *
   * @param command The command line.
   * @param options Standard input, timeout, abort signal.
   * @returns Exit code and output.
   * @throws {TransportError} `dropped` when the connection drops meanwhile, `timeout` when
   * the time runs out or the signal aborts (the command may go on remotely), or the
   * connection failures.
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (command.includes("\0")) throw new TypeError("Cannot run a command that contains NUL");
    const stdin = typeof options.stdin === "string"
      ? new TextEncoder().encode(options.stdin)
      : options.stdin;
    return await this.#use(options, (s) => s.exec(command, stdin, options));
  }

  /**
   * Writes files through SFTP: parent directories made with one `mkdir -p`, then each file
   * to a temporary name, chmod, data in pipelined chunks, and an atomic rename.
   *
   * @param files The files (absolute paths).
   * @param options Abort signal.
   * @throws {TransportError} `io` naming the path that failed, or connection failures.
   */
  async writeFiles(
    files: readonly FileToWrite[],
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    if (files.length === 0) return;
    const relative = files.find((f) => !f.path.startsWith("/"));
    if (relative) throw new TypeError(`Cannot write "${relative.path}": the path is not absolute`);
    const dirs = [...new Set(files.map((f) => f.path.slice(0, f.path.lastIndexOf("/")) || "/"))];
    await this.#use(options, async (s) => {
      for (let i = 0; i < dirs.length; i += 500) {
        const made = await s.exec(
          `mkdir -p -- ${dirs.slice(i, i + 500).map(shellQuote).join(" ")}`,
          undefined,
          options,
        );
        if (made.code !== 0) {
          throw new TransportError(
            this.label,
            "io",
            `could not create directories (${made.stderr.trim()})`,
          );
        }
      }
      const sftp = await s.sftp(options);
      await this.#files(s, options, () => writeMany(sftp, files, options.signal), "write");
    });
  }

  /**
   * Reads files through SFTP, many at once; missing ones are `undefined`.
   *
   * @param paths Absolute paths.
   * @param options Abort signal.
   * @returns The contents, in order.
   * @throws {TransportError} `io` naming the path that failed, or connection failures.
   */
  async readFiles(
    paths: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<(Uint8Array | undefined)[]> {
    if (paths.length === 0) return [];
    return await this.#use(options, async (s) => {
      const sftp = await s.sftp(options);
      return await this.#files(s, options, () => readMany(sftp, paths, options.signal), "read");
    });
  }

  /**
   * The remote user's home directory.
   *
   * @returns `$HOME` on the remote host (asked once per connection).
   */
  async home(): Promise<string> {
    return await this.#use({}, (s) => s.home({}));
  }

  /** Closes the connection; later calls fail. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const session = this.#session ?? await this.#connecting?.catch(() => undefined);
    this.#session = undefined;
    await session?.close();
  }

  /** Same as {@linkcode SshTransport.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #files<T>(
    s: SshSession,
    options: WaitOptions,
    run: () => Promise<T>,
    verb: string,
  ): Promise<T> {
    try {
      return await s.guard(run(), options);
    } catch (e) {
      if (e instanceof TransportError) throw e;
      if (options.signal?.aborted) {
        throw new TransportError(this.label, "timeout", "the wait was aborted", { cause: e });
      }
      if (!s.alive) {
        throw new TransportError(this.label, "dropped", "the connection closed", { cause: e });
      }
      const what = e instanceof SftpPathError ? e.message : (e as Error).message;
      throw new TransportError(this.label, "io", `could not ${verb} ${what}`, { cause: e });
    }
  }

  async #use<T>(options: WaitOptions, work: (s: SshSession) => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new TypeError(`Cannot use the SSH transport ${this.label}: it is closed`);
    }
    this.#busy++;
    try {
      const session = await this.#live(options.signal);
      session.ref();
      try {
        return await work(session);
      } finally {
        if (this.#busy === 1) session.unref();
      }
    } finally {
      this.#busy--;
    }
  }

  async #live(signal?: AbortSignal): Promise<SshSession> {
    if (this.#session?.alive) return this.#session;
    if (this.#session) {
      void this.#session.close(); // frees what a dropped connection left (jump hosts)
      this.#session = undefined;
    }
    // One attempt shared by every caller; each caller's own signal only ends its wait.
    this.#connecting ??= this.#connect().finally(() => this.#connecting = undefined);
    const connecting = this.#connecting;
    if (!signal) return await connecting;
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () =>
        reject(
          new TransportError(this.label, "timeout", "the wait was aborted", {
            cause: signal.reason,
          }),
        );
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([connecting, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  async #connect(): Promise<SshSession> {
    const target = this.#target;
    const backoffInitial = this.#options.backoffInitialMs ?? 200;
    if (this.#failures > 0) {
      const wait = Math.min(
        backoffInitial * 2 ** (this.#failures - 1),
        this.#options.backoffMaxMs ?? 10_000,
      ) - (this.#clock.now() - this.#failedAt);
      if (wait > 0) {
        await this.#clock.sleep(wait);
      }
    }
    const started = this.#clock.now();
    let conn;
    try {
      conn = await connectSsh(target, {
        timeoutMs: this.#options.connectTimeoutMs ?? target.connectTimeoutMs ?? 20_000,
        ...(this.#options.systemName ? { systemName: this.#options.systemName } : {}),
      });
    } catch (e) {
      this.#failures++;
      this.#failedAt = this.#clock.now();
      const error = e instanceof TransportError
        ? e
        : new TransportError(this.label, "connect", (e as Error).message, { cause: e });
      this.#options.onEvent?.({ type: "connect-failed", target: this.label, error });
      throw error;
    }
    this.#failures = 0;
    this.#connects++;
    const session = new SshSession(conn, this.label, {
      keepaliveIntervalMs: this.#options.keepaliveIntervalMs ?? target.serverAliveIntervalMs ??
        30_000,
      keepaliveCountMax: this.#options.keepaliveCountMax ?? target.serverAliveCountMax ?? 3,
      onClose: (reason) => {
        if (!this.#closed) this.#options.onEvent?.({ type: "dropped", target: this.label, reason });
      },
    });
    if (this.#closed) {
      await session.close();
      throw new TypeError(`Cannot use the SSH transport ${this.label}: it is closed`);
    }
    this.#session = session;
    this.#options.onEvent?.({
      type: "connected",
      target: this.label,
      ms: this.#clock.now() - started,
    });
    return session;
  }
}
