/**
 * Running calls on this machine: in process or in a pool of isolate worker processes,
 * within a concurrency limit, each finished call committed (grouped with the calls that
 * finished with it) before its value is handed back.
 *
 * @module
 */
import { decode, encode } from "../codec/mod.ts";
import {
  type Clock,
  findDenoConfig,
  IsolateCrashedError,
  IsolatePool,
  Limiter,
} from "../runtime/mod.ts";
import type { CallFailure, CallRecord } from "../store/mod.ts";
import { dirname } from "node:path";
import { toFileUrl } from "./_paths.ts";
import type { StepDefinition } from "./definition.ts";
import { StepFailedError } from "./errors.ts";
import type { DroverEvent } from "./events.ts";
import type { CallWriter } from "./call_writer.ts";
import { type CallOutcome, runStepFn } from "./run_step.ts";
import { hasRefs, type RefFetcher, resolveRefs } from "./result_ref.ts";

/** A call ready to run: its key, code hash and argument hashes, computed once. */
export interface PreparedCall {
  /** The key ("" for uncached steps). */
  readonly key: string;
  /** Code identity hash. */
  readonly codeHash: string;
  /** Hash of each argument. */
  readonly argHashes: Readonly<Record<string, string>>;
}

/** Options of {@linkcode LocalExecutor}. */
export interface LocalExecutorOptions {
  /** Group commit of finished calls. */
  readonly writer: CallWriter;
  /** Time. */
  readonly clock: Clock;
  /** Event sink. */
  readonly emit: (event: DroverEvent) => void;
  /** Most calls running at once. */
  readonly concurrency: number;
  /** Run every step isolated (else each step's option). */
  readonly isolate?: boolean;
  /** Most isolate workers. */
  readonly isolateWorkers?: number;
  /** The run recorded for the calls. */
  readonly runId: number | null;
  /**
   * Checked right before each in-process call: a promise to wait for (then check again),
   * or undefined to run now; so routed calls are submitted before local work takes the
   * thread (see `SubmissionGate`). Default: none.
   */
  readonly beforeRun?: () => Promise<void> | undefined;
  /** How result refs among a call's inputs are read (once each, kept in the store). */
  readonly fetchRef?: RefFetcher;
}

type IsolatedOutcome = CallOutcome & { readonly failure?: CallFailure };

/** The longest stretch of local work before the event loop gets a turn, ms. */
const YIELD_AFTER_MS = 20;

/**
 * Runs calls locally and records them.
 */
export class LocalExecutor {
  readonly #o: LocalExecutorOptions;
  readonly #limiter: Limiter;
  #pool: IsolatePool | undefined;
  #lastYield = performance.now();

  /**
   * @param options Writer, clock, events, limits.
   */
  constructor(options: LocalExecutorOptions) {
    this.#o = options;
    this.#limiter = new Limiter(options.concurrency);
  }

  /**
   * Runs a call, records its outcome (committed before this returns) and returns its value.
   *
   * @param def The step.
   * @param inputs Validated inputs.
   * @param call Key and hashes.
   * @param previous The call's row before, if any.
   * @param limiter An extra limit (a map's `concurrency`), applied to local execution only.
   * @param signal Stops the call before it starts running.
   * @param onStored Told the key and result bytes once a done outcome is committed.
   * @returns The decoded result.
   * @throws {StepFailedError} When the step threw (or its result could not be stored).
   */
  async execute<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    call: PreparedCall,
    previous: Pick<CallRecord, "attempts" | "createdAt"> | null,
    limiter?: Limiter,
    signal?: AbortSignal,
    onStored?: (key: string, bytes: Uint8Array) => void,
  ): Promise<O> {
    const isolate = this.#o.isolate ?? def.options.isolate ?? false;
    const location = isolate ? "local:isolate" : "local";
    const run = (): Promise<{ outcome: IsolatedOutcome; startedAt: number; endedAt: number }> =>
      this.#limiter.run(async () => {
        signal?.throwIfAborted();
        await this.#yieldIfBusy();
        for (let wait = isolate ? undefined : this.#o.beforeRun?.(); wait;) {
          await wait;
          await this.#yieldIfBusy();
          wait = this.#o.beforeRun?.();
        }
        const startedAt = this.#o.clock.now();
        this.#o.emit({ type: "call-start", step: def.name, key: call.key, location });
        const values = hasRefs(inputs)
          ? await resolveRefs(inputs, { fetch: this.#o.fetchRef })
          : inputs;
        const outcome = isolate
          ? await this.#runIsolated(def, values)
          : await runStepFn(def.fn, values, def.name);
        return { outcome, startedAt, endedAt: this.#o.clock.now() };
      });
    const { outcome, startedAt, endedAt } = limiter ? await limiter.run(run) : await run();
    if (call.key) {
      try {
        await this.#o.writer.add(
          {
            key: call.key,
            step: def.name,
            state: outcome.ok ? "done" : "failed",
            codeHash: call.codeHash,
            version: def.options.version ?? "",
            argHashes: call.argHashes,
            inputsRef: null,
            resultRef: null,
            error: outcome.ok ? null : outcome.error,
            runId: this.#o.runId,
            location,
            attempts: (previous?.attempts ?? 0) + 1,
            createdAt: previous?.createdAt ?? startedAt,
            startedAt,
            endedAt,
            failure: outcome.ok ? null : outcome.failure ??
              { reason: "exception", retryable: false, retryState: "non-retryable" },
          },
          encode(inputs, { root: "args" }),
          outcome.ok ? outcome.bytes : undefined,
        );
      } catch (e) {
        // The outcome could not be stored (a full disk): the call counts as failed.
        const err = e instanceof Error ? e : new Error(String(e));
        this.#o.emit({
          type: "call-failed",
          step: def.name,
          key: call.key,
          location,
          error: `${err.name}: ${err.message}`,
        });
        throw e;
      }
    }
    if (!outcome.ok) {
      this.#o.emit({
        type: "call-failed",
        step: def.name,
        key: call.key,
        location,
        error: `${outcome.error.name}: ${outcome.error.message}`,
      });
      throw new StepFailedError({
        step: def.name,
        key: call.key,
        error: outcome.error,
        fromStore: false,
        cause: outcome.cause,
        reason: outcome.failure?.reason ?? "exception",
        retryState: outcome.failure?.retryState ?? "non-retryable",
      });
    }
    this.#o.emit({
      type: "call-done",
      step: def.name,
      key: call.key,
      location,
      durationMs: endedAt - startedAt,
    });
    if (call.key) onStored?.(call.key, outcome.bytes);
    return decode(outcome.bytes) as O;
  }

  /** Gives the event loop a turn when local work has held it for a while (timers, I/O). */
  async #yieldIfBusy(): Promise<void> {
    const now = performance.now();
    if (now - this.#lastYield < YIELD_AFTER_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#lastYield = performance.now();
  }

  async #runIsolated<I, O>(def: StepDefinition<I, O>, inputs: I): Promise<IsolatedOutcome> {
    if (!def.site) {
      throw new TypeError(
        `Cannot run step "${def.name}" isolated: the module that defines it is unknown`,
      );
    }
    this.#pool ??= new IsolatePool({
      size: this.#o.isolateWorkers,
      config: findDenoConfig(dirname(def.site.file)),
    });
    let reply;
    try {
      reply = await this.#pool.run({ module: toFileUrl(def.site.file), step: def.name, inputs });
    } catch (cause) {
      if (!(cause instanceof IsolateCrashedError)) throw cause;
      // The worker died during the call (exit, segfault, OOM kill): the call's outcome. A
      // kill by a signal from outside is worth another try; the call's own exit is not.
      const killed = cause.signal !== null;
      return {
        ok: false,
        error: { name: cause.name, message: cause.message, data: { exitCode: cause.exitCode } },
        cause,
        failure: killed
          ? { reason: "killed", retryable: true, retryState: "max-restarts" }
          : { reason: "crashed", retryable: false, retryState: "non-retryable" },
      };
    }
    if (!reply.ok) return { ok: false, error: reply.error, cause: undefined };
    try {
      return { ok: true, value: reply.value, bytes: encode(reply.value, { root: "result" }) };
    } catch (cause) {
      return {
        ok: false,
        error: {
          name: "EncodeError",
          message: `Cannot store the result of step "${def.name}": ${(cause as Error).message}`,
        },
        cause,
      };
    }
  }

  /** Stops the isolate workers. */
  async close(): Promise<void> {
    await this.#pool?.close();
  }
}
