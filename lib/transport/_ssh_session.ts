/**
 * Private to lib/transport: one live SSH connection and what runs over it: the persistent
 * shell (commands serialized), the SFTP session, keepalive and drop detection.
 *
 * @module
 */
import type { SFTPWrapper } from "./_ssh2.d.ts";
import { TransportError } from "./errors.ts";
import { RemoteShell } from "./_remote_shell.ts";
import type { SshConnection } from "./_ssh_connect.ts";
import type { ExecResult } from "./transport.ts";

/** Limits of one wait. */
export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Options of a session. */
export interface SessionOptions {
  /** Keepalive ping interval (ms); 0: none. */
  readonly keepaliveIntervalMs: number;
  /** Unanswered intervals before the connection counts as dropped. */
  readonly keepaliveCountMax: number;
  /** Called once when the connection drops or is closed. */
  readonly onClose: (reason: string) => void;
}

/** One live connection. */
export class SshSession {
  readonly #conn: SshConnection;
  readonly #label: string;
  #shell: Promise<RemoteShell> | undefined;
  #sftp: Promise<SFTPWrapper> | undefined;
  #home: Promise<string> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #dead: TransportError | undefined;
  readonly #deaths = new Set<(e: TransportError) => void>();
  readonly #closed: Promise<void>;
  #keepalive: ReturnType<typeof setInterval> | undefined;

  /**
   * @param conn The open connection.
   * @param label The transport's label.
   * @param options Keepalive and the close callback.
   */
  constructor(conn: SshConnection, label: string, options: SessionOptions) {
    this.#conn = conn;
    this.#label = label;
    this.#closed = new Promise((resolve) => {
      conn.client.once("close", () => {
        this.#die("the connection closed");
        resolve();
      });
    });
    conn.socket.once("close", () => this.#die("the connection closed"));
    if (options.keepaliveIntervalMs > 0) {
      let heard = true;
      let missed = 0;
      conn.socket.on("data", () => heard = true);
      const timer = setInterval(() => {
        missed = heard ? 0 : missed + 1;
        heard = false;
        if (missed > options.keepaliveCountMax) {
          this.#die(`no answer to ${missed} keepalives`);
          conn.socket.destroy();
          return;
        }
        // ssh2 has no public ping that leaves the event loop free when idle; its own
        // keepalive timer would keep the process alive, so we send the same request.
        (conn.client as unknown as { _protocol?: { ping(): void } })._protocol?.ping();
      }, options.keepaliveIntervalMs);
      Deno.unrefTimer(timer);
      this.#keepalive = timer;
    }
    this.#deaths.add((e) => options.onClose(e.message));
  }

  /** Whether the connection is still up. */
  get alive(): boolean {
    return this.#dead === undefined;
  }

  /** Keeps the process alive while something waits on the connection. */
  ref(): void {
    this.#conn.socket.ref();
  }

  /** Lets the process exit while the connection is idle. */
  unref(): void {
    this.#conn.socket.unref();
  }

  /**
   * Runs a command in the persistent shell, after the commands before it.
   *
   * @param command The command line.
   * @param stdin Standard input.
   * @param options Timeout and signal.
   * @returns Exit code and output.
   */
  async exec(
    command: string,
    stdin: Uint8Array | undefined,
    options: WaitOptions,
  ): Promise<ExecResult> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => release = resolve);
    const before = this.#queue;
    this.#queue = before.then(() => mine);
    const limits = this.#limits(options, `the command took longer than ${options.timeoutMs} ms`);
    try {
      await this.#guard(before, limits);
      this.#shell ??= RemoteShell.open(this.#conn.client);
      const opening = this.#shell;
      const shell = await this.#guard(opening, limits);
      if (shell.closed) {
        if (this.#shell === opening) this.#shell = undefined;
        throw new TransportError(this.#label, "dropped", "the remote shell ended");
      }
      try {
        return await this.#guard(shell.run(command, stdin), limits);
      } catch (e) {
        if (this.#shell === opening) this.#shell = undefined;
        shell.close();
        if (e instanceof TransportError) throw e;
        throw new TransportError(this.#label, "dropped", (e as Error).message, { cause: e });
      }
    } finally {
      limits.done();
      release();
    }
  }

  /**
   * The SFTP session, opened on first use.
   *
   * @param options Timeout and signal.
   * @returns The session.
   */
  sftp(options: WaitOptions): Promise<SFTPWrapper> {
    this.#sftp ??= new Promise<SFTPWrapper>((resolve, reject) =>
      this.#conn.client.sftp((err, sftp) => err ? reject(err) : resolve(sftp))
    );
    this.#sftp.catch(() => this.#sftp = undefined);
    return this.guard(this.#sftp, options);
  }

  /**
   * `$HOME` on the remote host, asked once per connection.
   *
   * @param options Timeout and signal.
   * @returns The home directory.
   */
  home(options: WaitOptions): Promise<string> {
    this.#home ??= this.exec('printf %s "$HOME"', undefined, options).then((r) => {
      const home = new TextDecoder().decode(r.stdout);
      if (r.code !== 0 || !home.startsWith("/")) {
        throw new TransportError(this.#label, "io", `HOME is not set on the remote host`);
      }
      return home;
    });
    this.#home.catch(() => this.#home = undefined);
    return this.#home;
  }

  /**
   * Waits for a promise unless the connection drops, the time runs out or the signal
   * aborts first; each gives a {@linkcode TransportError}.
   *
   * @param promise What to wait for.
   * @param options Timeout and signal.
   * @returns Its value.
   */
  async guard<T>(promise: Promise<T>, options: WaitOptions): Promise<T> {
    const limits = this.#limits(options, `the transfer took longer than ${options.timeoutMs} ms`);
    try {
      return await this.#guard(promise, limits);
    } finally {
      limits.done();
    }
  }

  /** Closes the connection and waits until it is closed. */
  async close(): Promise<void> {
    this.#die("the connection was closed");
    const shell = this.#shell;
    this.#shell = undefined;
    shell?.then((s) => s.close(), () => {});
    this.#conn.client.end();
    const force = setTimeout(() => this.#conn.close(), 1000);
    await this.#closed;
    clearTimeout(force);
    this.#conn.close();
  }

  #die(reason: string): void {
    if (this.#dead) return;
    clearInterval(this.#keepalive);
    this.#dead = new TransportError(this.#label, "dropped", reason);
    for (const kill of this.#deaths) kill(this.#dead);
    this.#deaths.clear();
  }

  #limits(options: WaitOptions, timeoutText: string): Limits {
    let fire: (e: TransportError) => void = () => {};
    const stopped = new Promise<never>((_, reject) => fire = reject);
    stopped.catch(() => {});
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(
      () => fire(new TransportError(this.#label, "timeout", timeoutText)),
      options.timeoutMs,
    );
    const onAbort = (): void =>
      fire(new TransportError(this.#label, "timeout", "the wait was aborted"));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    return {
      stopped,
      done: () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      },
    };
  }

  async #guard<T>(promise: Promise<T>, limits: Limits): Promise<T> {
    if (this.#dead) throw this.#dead;
    let onDeath!: (e: TransportError) => void;
    const death = new Promise<never>((_, reject) => onDeath = reject);
    this.#deaths.add(onDeath);
    try {
      return await Promise.race([promise, death, limits.stopped]);
    } finally {
      this.#deaths.delete(onDeath);
    }
  }
}

interface Limits {
  readonly stopped: Promise<never>;
  done(): void;
}
