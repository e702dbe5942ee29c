/**
 * A pool of Deno subprocesses that run step functions, so a call that crashes (exits,
 * aborts, runs out of memory) cannot take the driver down.
 *
 * @module
 */
import { decode, encode } from "../codec/mod.ts";
import type { StoredError } from "../store/mod.ts";
import { frame, FrameReader } from "./frames.ts";
/** A request to an isolate worker. */
export interface IsolateRequest {
  /** URL of the module defining the step. */
  readonly module: string;
  /** Step name. */
  readonly step: string;
  /** The call's inputs. */
  readonly inputs: unknown;
}

const WORKER_URL = new URL("../worker/isolate_worker.ts", import.meta.url).href;
const STDERR_TAIL_BYTES = 4096;

/** What a worker answered: a value, or the error user code threw. */
export type IsolateReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: StoredError };

/**
 * The worker process died while running a call.
 *
 * @example
 * ```ts
 * import { IsolateCrashedError } from "./isolate_pool.ts";
 * import assert from "node:assert/strict";
 * const e = new IsolateCrashedError("relax", 134, null, "abort");
 * assert.equal(e.exitCode, 134);
 * assert.equal(e.retryable, true);
 * ```
 */
export class IsolateCrashedError extends Error {
  /** The step that was running. */
  readonly step: string;
  /** The worker's exit code. */
  readonly exitCode: number;
  /** The signal that killed it, if any. */
  readonly signal: string | null;
  /** The last bytes the worker wrote to stderr. */
  readonly stderr: string;
  /** A crash is not an exception in user code: running again may succeed. */
  readonly retryable = true;
  /**
   * Creates an instance.
   *
   * @param step Step name.
   * @param exitCode Exit code.
   * @param signal Killing signal.
   * @param stderr Tail of stderr.
   */
  constructor(step: string, exitCode: number, signal: string | null, stderr: string) {
    super(
      `Cannot finish step "${step}": its isolate worker died (exit code ${exitCode}${
        signal ? `, signal ${signal}` : ""
      })${stderr ? `; stderr ends with: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}`,
    );
    this.name = "IsolateCrashedError";
    this.step = step;
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderr = stderr;
  }
}

/** Options for {@linkcode IsolatePool}. */
export interface IsolatePoolOptions {
  /** Most workers at once. Default: `navigator.hardwareConcurrency`. */
  readonly size?: number;
  /** deno.json to run workers with (import map of the workflow). Default: none given. */
  readonly config?: string;
  /** Where workers' stderr goes (user code's console output). Default: this process's stderr. */
  readonly onStderr?: (chunk: Uint8Array) => void;
}

interface Worker {
  readonly child: Deno.ChildProcess;
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly reader: FrameReader;
  stderrTail: string;
  stderrDone: Promise<void>;
}

/**
 * Runs step functions in reusable worker processes, one call per worker at a time.
 *
 * @example
 * ```ts ignore
 * await using pool = new IsolatePool({ size: 2 });
 * const reply = await pool.run({ module: import.meta.url, step: "relax", inputs: { x: 1 } });
 * ```
 */
export class IsolatePool implements AsyncDisposable {
  readonly #size: number;
  readonly #config: string | undefined;
  readonly #onStderr: (chunk: Uint8Array) => void;
  readonly #idle: Worker[] = [];
  readonly #all = new Set<Worker>();
  readonly #waiting: ((w: Worker | undefined) => void)[] = [];
  #closed = false;

  /**
   * Creates an instance.
   *
   * @param options Size, config file, stderr sink.
   */
  constructor(options: IsolatePoolOptions = {}) {
    this.#size = Math.max(1, options.size ?? navigator.hardwareConcurrency);
    this.#config = options.config;
    const stderr = Deno.stderr;
    this.#onStderr = options.onStderr ?? ((chunk) => void stderr.write(chunk));
  }

  /** Number of live worker processes. */
  get workers(): number {
    return this.#all.size;
  }

  /**
   * Runs one call in a worker.
   *
   * @param request Module URL, step name, inputs.
   * @returns The worker's reply.
   * @throws {IsolateCrashedError} when the worker dies during the call.
   */
  async run(request: IsolateRequest): Promise<IsolateReply> {
    const worker = await this.#acquire();
    let bytes: Uint8Array | null;
    // A busy worker keeps the process alive; an idle one does not (so scripts can exit).
    worker.child.ref();
    try {
      await worker.writer.write(frame(encode(request, { root: "inputs" })));
      bytes = await worker.reader.read();
    } catch {
      bytes = null;
    } finally {
      worker.child.unref();
    }
    if (bytes === null) {
      worker.child.ref();
      this.#all.delete(worker);
      this.#release(undefined);
      const status = await worker.child.status;
      await worker.stderrDone;
      throw new IsolateCrashedError(request.step, status.code, status.signal, worker.stderrTail);
    }
    this.#release(worker);
    return decode(bytes) as IsolateReply;
  }

  async #acquire(): Promise<Worker> {
    if (this.#closed) throw new TypeError("Cannot run in isolate pool: it is closed");
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size < this.#size) return this.#spawn();
    const w = await new Promise<Worker | undefined>((resolve) => this.#waiting.push(resolve));
    return w ?? this.#acquire();
  }

  #release(worker: Worker | undefined): void {
    const next = this.#waiting.shift();
    if (next) next(worker);
    else if (worker) this.#idle.push(worker);
  }

  #spawn(): Worker {
    const args = ["run", "-A", "--no-prompt"];
    if (this.#config) args.push("--config", this.#config);
    args.push(WORKER_URL);
    const child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { DROVER_ISOLATE_WORKER: "1" },
    }).spawn();
    child.unref();
    const worker: Worker = {
      child,
      writer: child.stdin.getWriter(),
      reader: new FrameReader(child.stdout),
      stderrTail: "",
      stderrDone: Promise.resolve(),
    };
    const decoder = new TextDecoder();
    worker.stderrDone = (async () => {
      for await (const chunk of child.stderr) {
        this.#onStderr(chunk);
        worker.stderrTail = (worker.stderrTail + decoder.decode(chunk, { stream: true })).slice(
          -STDERR_TAIL_BYTES,
        );
      }
    })().catch(() => {});
    this.#all.add(worker);
    return worker;
  }

  /** Stops every worker (closing their stdin) and waits for them to exit. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const resolve of this.#waiting.splice(0)) resolve(undefined);
    const workers = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(workers.map(async (w) => {
      w.child.ref();
      await w.writer.close().catch(() => {});
      await w.reader.cancel();
      await w.child.status;
      await w.stderrDone;
    }));
  }

  /** Same as {@linkcode IsolatePool.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
