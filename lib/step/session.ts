/**
 * A session: one open project store plus the runtime state of one process (the current
 * run, calls in flight, concurrency limits, the isolate pool). `step` calls go through the
 * current session, opened on first use from the working directory.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { toFileUrl } from "./_paths.ts";
import { decode, encode } from "../codec/mod.ts";
import { type CallRecord, openStore, type Store, type StoredError } from "../store/mod.ts";
import { type Clock, IsolatePool, Limiter, systemClock } from "../runtime/mod.ts";
import { resolveIdentity, type StepIdentity } from "./identity_cache.ts";
import type { CallOptions, StepDefinition } from "./definition.ts";
import { StepFailedError, toStoredError } from "./errors.ts";
import type { DroverEvent, EventSink } from "./events.ts";
import { argumentHashes, callKey, inputsHash, type KeyParts } from "./key.ts";
import { CallWriter } from "./call_writer.ts";
import { RemoteCaller, type RemoteOptions, type RemoteRouting } from "./remote_caller.ts";
import { currentLabel } from "./remote_label.ts";
import type { RouteMatch } from "../routing/mod.ts";

/** Options of {@linkcode openSession}. */
export interface SessionOptions extends RemoteOptions {
  /** The `.drover` directory. Default: found from `cwd` or `DROVER_PROJECT`. */
  readonly dir?: string;
  /** Where to look for the project. Default: `Deno.cwd()`. */
  readonly cwd?: string;
  /** Most in-process calls running at once. Default: 64. */
  readonly concurrency?: number;
  /** Most isolate workers. Default: `navigator.hardwareConcurrency`. */
  readonly isolateWorkers?: number;
  /** Run every step isolated. Default: each step's own option. */
  readonly isolate?: boolean;
  /** Re-run failed calls instead of rethrowing. Default: `DROVER_RETRY_FAILED=1`, else false. */
  readonly retryFailed?: boolean;
  /** Receives runtime events. */
  readonly onEvent?: EventSink;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /** Longest a finished call waits before it is written to the store, ms. Default: 50. */
  readonly flushMs?: number;
  /** Record this process as a run (script, argv). Default: true. */
  readonly recordRun?: boolean;
}

/** The key of one call and what it is made of. */
export interface CallKeyInfo extends KeyParts {
  /** The key. */
  readonly key: string;
  /** The identity parts behind `codeHash`. */
  readonly codeParts: Readonly<Record<string, string>>;
}

/**
 * The runtime of one process against one project store.
 *
 * @example
 * ```ts
 * import { openSession, step } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const double = step("doc-double", ({ x }: { x: number }) => 2 * x);
 * assert.equal(await session.call(double.definition, { x: 21 }), 42);
 * session.flush(); // finished calls are written in batches; flush writes them now
 * assert.equal(session.store.countCalls()[0].count, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Session implements AsyncDisposable {
  /** The project store. */
  readonly store: Store;
  /** The run id of this process, when recorded. */
  readonly runId: number | null;
  readonly #clock: Clock;
  readonly #onEvent: EventSink;
  readonly #limiter: Limiter;
  readonly #retryFailed: boolean;
  readonly #isolateAll: boolean | undefined;
  readonly #isolateWorkers: number | undefined;
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #writer: CallWriter;
  // deno-lint-ignore no-explicit-any
  readonly #identities = new Map<StepDefinition<any, any>, Promise<StepIdentity>>();
  // deno-lint-ignore no-explicit-any
  readonly #identityValues = new Map<StepDefinition<any, any>, StepIdentity>();
  #pool: IsolatePool | undefined;
  #closed = false;
  readonly #remote: RemoteCaller;

  /**
   * Use {@linkcode openSession}.
   *
   * @param options Session options.
   */
  constructor(options: SessionOptions = {}) {
    this.#onEvent = options.onEvent ?? (() => {});
    this.store = openStore({ dir: options.dir, cwd: options.cwd, onEvent: this.#onEvent });
    this.#clock = options.clock ?? systemClock;
    this.#limiter = new Limiter(options.concurrency ?? 64);
    this.#retryFailed = options.retryFailed ?? envFlag("DROVER_RETRY_FAILED");
    this.#isolateAll = options.isolate;
    this.#isolateWorkers = options.isolateWorkers;
    this.#writer = new CallWriter(this.store, { flushMs: options.flushMs });
    if (options.recordRun ?? true) {
      this.store.markInterruptedRuns();
      this.runId = this.store.startRun({
        script: Deno.mainModule,
        argv: Deno.args,
        cwd: Deno.cwd(),
      });
    } else {
      this.runId = null;
    }
    this.#remote = new RemoteCaller(
      this.store,
      this.runId,
      this.#clock,
      (e) => this.#emit(e),
      options,
    );
  }

  /**
   * Calls a step through the cache: a finished call is returned from the store, a call
   * already running in this process is shared, a stored failure is rethrown (unless
   * retrying), anything else runs and is recorded.
   *
   * @param def The step.
   * @param inputs Its named inputs.
   * @param options Per-call options.
   * @returns The (decoded) result.
   * @throws {StepFailedError} when the step threw, now or in an earlier run.
   * @throws {TypeError} for inputs that are not an object, fail the step's schema, or cannot be encoded.
   */
  async call<I, O>(def: StepDefinition<I, O>, inputs: I, options: CallOptions = {}): Promise<O> {
    const routing = this.#remote.active
      ? this.#remote.capture(def, options.label ?? currentLabel() ?? def.options.label)
      : undefined;
    const checked = this.#validate(def, inputs);
    if (def.options.cache === false) {
      return await this.#execute(def, checked, { key: "", codeHash: "" }, null);
    }
    const identity = this.#identityValues.get(def) ?? await this.identityOf(def);
    const info = keyInfo(def, checked, identity);
    const shared = this.#inflight.get(info.key);
    if (shared) return await (shared as Promise<O>);
    const p = this.#resolve(def, checked, info, options, routing);
    this.#inflight.set(info.key, p);
    try {
      return await p;
    } finally {
      this.#inflight.delete(info.key);
    }
  }

  /**
   * Computes the key of a call without running it.
   *
   * @param def The step.
   * @param inputs Its inputs.
   * @returns The key and its parts.
   */
  async keyOf<I, O>(def: StepDefinition<I, O>, inputs: I): Promise<CallKeyInfo> {
    return keyInfo(def, inputs, this.#identityValues.get(def) ?? await this.identityOf(def));
  }

  /**
   * The code identity of a step, computed once per session and cached in the store while
   * the files it was computed from are unchanged.
   *
   * @param def The step.
   * @returns Its identity.
   */
  // deno-lint-ignore no-explicit-any
  identityOf(def: StepDefinition<any, any>): Promise<StepIdentity> {
    let p = this.#identities.get(def);
    if (!p) {
      p = resolveIdentity(this.store, def, (e) => this.#emit(e)).then((id) => {
        this.#identityValues.set(def, id);
        return id;
      });
      this.#identities.set(def, p);
    }
    return p;
  }

  async #resolve<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: CallKeyInfo,
    options: CallOptions,
    routing: RemoteRouting | undefined,
  ): Promise<O> {
    const pending = this.#writer.get(info.key);
    const row = pending
      ? { ...pending.record, result: pending.result }
      : this.store.lookupCall(info.key);
    if (row?.state === "done" && row.result) {
      this.#emit({ type: "call-cached", step: def.name, key: info.key });
      return decode(row.result) as O;
    }
    if (row?.state === "done" && row.resultRef) {
      // The result stayed on the system that computed it: fetch it now that it is read.
      const bytes = await this.#remote.fetchResult(row.resultRef);
      if (bytes) {
        this.#emit({ type: "call-cached", step: def.name, key: info.key });
        return decode(bytes) as O;
      }
    }
    if (row?.state === "running") {
      return await this.#runRemote(def, inputs, info, this.#remote.route(def, routing), row);
    }
    const retry = options.retryFailed ?? def.options.retryFailed ?? this.#retryFailed;
    const transient = row?.state === "failed" && row.error?.data?.retryable === true;
    if (row?.state === "failed" && row.error && !retry && !transient) {
      this.#emit({ type: "call-cached", step: def.name, key: info.key });
      throw new StepFailedError({
        step: def.name,
        key: info.key,
        error: row.error,
        fromStore: true,
      });
    }
    const match = this.#remote.route(def, routing);
    if (match) return await this.#runRemote(def, inputs, info, match, row);
    return await this.#execute(def, inputs, info, row ?? null);
  }

  async #runRemote<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: CallKeyInfo,
    match: RouteMatch | undefined,
    row: { state: string; createdAt: number } | undefined,
  ): Promise<O> {
    const location = match?.route.system ?? "remote";
    const startedAt = this.#clock.now();
    this.#emit({ type: "call-start", step: def.name, key: info.key, location });
    try {
      const value = await this.#remote.run(
        def,
        inputs,
        info,
        match,
        row as { state: "running" | "done" | "failed"; createdAt: number } | undefined,
      );
      this.#emit({
        type: "call-done",
        step: def.name,
        key: info.key,
        location,
        durationMs: this.#clock.now() - startedAt,
      });
      return value;
    } catch (e) {
      this.#emit({
        type: "call-failed",
        step: def.name,
        key: info.key,
        location,
        error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      });
      throw e;
    }
  }

  async #execute<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: Pick<CallKeyInfo, "key" | "codeHash">,
    previous: Pick<CallRecord, "attempts" | "createdAt"> | null,
  ): Promise<O> {
    const isolate = this.#isolateAll ?? def.options.isolate ?? false;
    const location = isolate ? "local:isolate" : "local";
    return await this.#limiter.run(async () => {
      const startedAt = this.#clock.now();
      this.#emit({ type: "call-start", step: def.name, key: info.key, location });
      let outcome: { ok: true; value: unknown } | {
        ok: false;
        error: StoredError;
        cause?: unknown;
      };
      if (isolate) {
        outcome = await this.#runIsolated(def, inputs);
      } else {
        try {
          outcome = { ok: true, value: await def.fn(inputs) };
        } catch (cause) {
          outcome = { ok: false, error: toStoredError(cause), cause };
        }
      }
      let resultBytes: Uint8Array | undefined;
      if (outcome.ok) {
        try {
          resultBytes = encode(outcome.value, { root: "result" });
        } catch (cause) {
          const error = toStoredError(cause);
          outcome = {
            ok: false,
            error: {
              ...error,
              message: `Cannot store the result of step "${def.name}": ${error.message}`,
            },
            cause,
          };
        }
      }
      const endedAt = this.#clock.now();
      if (info.key) {
        this.#record(def, inputs, info, previous, {
          startedAt,
          endedAt,
          location,
          resultBytes,
          outcome,
        });
      }
      if (!outcome.ok) {
        this.#emit({
          type: "call-failed",
          step: def.name,
          key: info.key,
          location,
          error: `${outcome.error.name}: ${outcome.error.message}`,
        });
        throw new StepFailedError({
          step: def.name,
          key: info.key,
          error: outcome.error,
          fromStore: false,
          cause: outcome.cause,
        });
      }
      this.#emit({
        type: "call-done",
        step: def.name,
        key: info.key,
        location,
        durationMs: endedAt - startedAt,
      });
      return decode(resultBytes!) as O;
    });
  }

  #record<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: Pick<CallKeyInfo, "key" | "codeHash">,
    previous: Pick<CallRecord, "attempts" | "createdAt"> | null,
    done: {
      startedAt: number;
      endedAt: number;
      location: string;
      resultBytes: Uint8Array | undefined;
      outcome: { ok: true } | { ok: false; error: StoredError };
    },
  ): void {
    this.#writer.add(
      {
        key: info.key,
        step: def.name,
        state: done.outcome.ok ? "done" : "failed",
        codeHash: info.codeHash,
        version: def.options.version ?? "",
        argHashes: argumentHashes(
          inputs as Record<string, unknown>,
          ignoredOf(def),
        ),
        inputsRef: null,
        resultRef: null,
        error: done.outcome.ok ? null : done.outcome.error,
        runId: this.runId,
        location: done.location,
        attempts: (previous?.attempts ?? 0) + 1,
        createdAt: previous?.createdAt ?? done.startedAt,
        startedAt: done.startedAt,
        endedAt: done.endedAt,
      },
      encode(inputs, { root: "args" }),
      done.resultBytes,
    );
  }

  async #runIsolated<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: StoredError }> {
    if (!def.site) {
      throw new TypeError(
        `Cannot run step "${def.name}" isolated: the module that defines it is unknown`,
      );
    }
    this.#pool ??= new IsolatePool({
      size: this.#isolateWorkers,
      config: findConfig(def.site.file),
    });
    return await this.#pool.run({
      module: toFileUrl(def.site.file),
      step: def.name,
      inputs,
    });
  }

  #validate<I, O>(def: StepDefinition<I, O>, inputs: I): I {
    if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
      throw new TypeError(
        `Cannot call step "${def.name}": inputs must be an object of named arguments (got ${
          Array.isArray(inputs) ? "an array" : inputs === null ? "null" : typeof inputs
        })`,
      );
    }
    const schema = def.options.input;
    if (!schema) return inputs;
    const parsed = schema.safeParse(inputs);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const path = ["inputs", ...(issue?.path ?? []).map(String)].join(".");
    throw new TypeError(`Cannot call step "${def.name}": ${path}: ${issue?.message ?? "invalid"}`);
  }

  #emit(event: DroverEvent): void {
    try {
      this.#onEvent(event);
    } catch {
      // A faulty listener must not break the runtime.
    }
  }

  /**
   * Marks the run as ended.
   *
   * @param status How the process ended.
   * @param error Message when failed.
   */
  endRun(status: "done" | "failed", error?: string): void {
    if (this.#closed) return;
    this.flush();
    if (this.runId !== null) this.store.endRun(this.runId, status, error);
  }

  /** Writes every finished call still buffered to the store now. */
  flush(): void {
    if (!this.#closed) this.#writer.flush();
  }

  /** Ends the run (as done), stops isolate workers and closes the store. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.endRun("done");
    this.#closed = true;
    await this.#pool?.close();
    this.store.close();
  }

  /** Same as {@linkcode Session.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

// deno-lint-ignore no-explicit-any
const IGNORED = new WeakMap<StepDefinition<any, any>, ReadonlySet<string>>();

function ignoredOf<I, O>(def: StepDefinition<I, O>): ReadonlySet<string> {
  let set = IGNORED.get(def);
  if (!set) {
    set = new Set(def.options.ignore ?? []);
    IGNORED.set(def, set);
  }
  return set;
}

function keyInfo<I, O>(
  def: StepDefinition<I, O>,
  inputs: I,
  identity: StepIdentity,
): CallKeyInfo {
  const parts = {
    step: def.name,
    codeHash: identity.hash,
    version: def.options.version ?? "",
    argsHash: inputsHash(inputs as Record<string, unknown>, ignoredOf(def)),
  };
  return { ...parts, key: callKey(parts), codeParts: identity.parts };
}

/**
 * Opens a session on a project store.
 *
 * @param options Store location, limits, event sink, clock.
 * @returns The session.
 */
export function openSession(options: SessionOptions = {}): Session {
  return new Session(options);
}

function findConfig(file: string): string | undefined {
  let dir = dirname(file);
  while (true) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        if (Deno.statSync(join(dir, name)).isFile) return join(dir, name);
      } catch {
        // keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function envFlag(name: string): boolean {
  try {
    const v = Deno.env.get(name);
    return v === "1" || v === "true";
  } catch {
    return false;
  }
}
