/**
 * One transport per system host for the whole process: every caller reaching the same
 * `user@host:port` shares one SSH connection.
 *
 * @module
 */
import { LocalTransport } from "./local.ts";
import { resolveSshTarget, type ResolveSshTargetOptions } from "./ssh_config.ts";
import { SshTransport, type SshTransportOptions } from "./ssh.ts";
import type { ExecOptions, ExecResult, FileToWrite, Transport } from "./transport.ts";

/** Options of {@linkcode transportFor}: config lookup and SSH transport options. */
export interface TransportForOptions extends ResolveSshTargetOptions, SshTransportOptions {}

/** Bytes a transport moved since it was made (file contents and command streams). */
export interface TransportTraffic {
  /** Sent to the system: written files and commands' standard input. */
  readonly uploadedBytes: number;
  /** Received from the system: read files and commands' output. */
  readonly downloadedBytes: number;
}

/**
 * A shared transport handed out by {@linkcode transportFor}. Its `close()` does nothing:
 * the pool owns the connection until {@linkcode closeAllTransports}. It counts the bytes
 * it moves ({@linkcode PooledTransport.traffic}).
 */
export class PooledTransport implements Transport {
  /** The shared transport underneath. */
  readonly shared: Transport;
  /** Its label. */
  readonly label: string;
  #up = 0;
  #down = 0;

  /**
   * Wraps a shared transport.
   *
   * @param shared The shared transport.
   */
  constructor(shared: Transport) {
    this.shared = shared;
    this.label = shared.label;
  }

  /**
   * Runs a command (see {@linkcode Transport.exec}).
   *
   * @param command The command line.
   * @param options Standard input, timeout, abort signal.
   * @returns Exit code and output.
   */
  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const stdin = options?.stdin;
    this.#up += command.length +
      (typeof stdin === "string" ? stdin.length : stdin?.length ?? 0);
    const r = await this.shared.exec(command, options);
    this.#down += r.stdout.length + r.stderr.length;
    return r;
  }

  /**
   * Bytes moved through this transport since it was made: file contents and command
   * streams (text counted in UTF-16 code units), in each direction.
   *
   * @returns The counts so far.
   *
   * @example
   * ```ts
   * import { transportFor } from "./mod.ts";
   * import assert from "node:assert/strict";
   * const here = transportFor({ name: "laptop" });
   * const before = here.traffic().downloadedBytes;
   * await here.exec("printf abc");
   * assert.equal(here.traffic().downloadedBytes - before, 3);
   * ```
   */
  traffic(): TransportTraffic {
    return { uploadedBytes: this.#up, downloadedBytes: this.#down };
  }

  /**
   * Writes files (see {@linkcode Transport.writeFiles}).
   *
   * @param files The files.
   * @param options Abort signal.
   */
  writeFiles(files: readonly FileToWrite[], options?: { signal?: AbortSignal }): Promise<void> {
    for (const f of files) this.#up += f.data.length;
    return this.shared.writeFiles(files, options);
  }

  /**
   * Reads files (see {@linkcode Transport.readFiles}).
   *
   * @param paths The paths.
   * @param options Abort signal.
   * @returns Contents; `undefined` for missing files.
   */
  async readFiles(
    paths: readonly string[],
    options?: { signal?: AbortSignal },
  ): Promise<(Uint8Array | undefined)[]> {
    const got = await this.shared.readFiles(paths, options);
    for (const bytes of got) this.#down += bytes?.length ?? 0;
    return got;
  }

  /**
   * The home directory (see {@linkcode Transport.home}).
   *
   * @returns The home directory.
   */
  home(): Promise<string> {
    return this.shared.home();
  }

  /** Does nothing: the pool closes shared transports ({@linkcode closeAllTransports}). */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Does nothing, like {@linkcode PooledTransport.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const pool = new Map<string, PooledTransport>();
let local: PooledTransport | undefined;

/**
 * The transport of a system: this machine when it has no `host`, else the process-wide
 * shared SSH transport of its resolved `user@host:port` (the first caller's options make
 * it). An idle connection does not keep the process alive, so a workflow script exits by
 * itself; {@linkcode closeAllTransports} closes everything explicitly. Nothing connects
 * until the first call.
 *
 * @param system The system's name and `host` (alias or `user@host[:port]`).
 * @param options SSH config lookup and transport options.
 * @returns The shared transport.
 * @throws {TypeError} When `host` is not an alias or `user@host[:port]`.
 * @throws {SshConfigError} When the SSH client config has a bad line.
 *
 * @example
 * ```ts
 * import { closeAllTransports, transportFor } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const here = transportFor({ name: "laptop" });
 * assert.equal(here.label, "local");
 * const opts = { configFile: "/nonexistent", localUser: "me", homeDir: "/home/me" };
 * const a = transportFor({ name: "a", host: "me@10.0.0.5" }, opts);
 * const b = transportFor({ name: "b", host: "10.0.0.5:22" }, opts);
 * assert.equal(a, b); // one connection per user@host:port
 * assert.equal(a.label, "me@10.0.0.5:22");
 * await closeAllTransports();
 * ```
 */
export function transportFor(
  system: { readonly name: string; readonly host?: string },
  options: TransportForOptions = {},
): PooledTransport {
  if (system.host === undefined) return local ??= new PooledTransport(new LocalTransport());
  const target = resolveSshTarget(system.host, options);
  let found = pool.get(target.label);
  if (!found) {
    found = new PooledTransport(new SshTransport(target, { systemName: system.name, ...options }));
    pool.set(target.label, found);
  }
  return found;
}

/**
 * Closes every shared transport; the next {@linkcode transportFor} opens new ones.
 *
 * @example
 * ```ts
 * import { closeAllTransports } from "./mod.ts";
 * await closeAllTransports();
 * ```
 */
export async function closeAllTransports(): Promise<void> {
  const all = [...pool.values()];
  pool.clear();
  local = undefined;
  await Promise.all(all.map((t) => t.shared.close()));
}
