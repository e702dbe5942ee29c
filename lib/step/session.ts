/**
 * A session: one open project store plus the runtime of one process (the current run,
 * calls in flight, claims, local execution, the remote runtime). `step` calls go through
 * the current session, opened on first use from the working directory.
 *
 * @module
 */
import { dirname } from "node:path";
import { decode, encode, sha256Hex } from "../codec/mod.ts";
import type { RemoteInfo, RemoteInfoInput, RouteMatch } from "../routing/mod.ts";
import { type Clock, RemoteRuntime, systemClock, SystemLink } from "../runtime/mod.ts";
import { driverFor } from "../scheduler/mod.ts";
import { type CallLookup, newOwnerId, openStore, type Store } from "../store/mod.ts";
import { loadSystems, type System } from "../systems/mod.ts";
import { transportFor } from "../transport/mod.ts";
import { decideCached } from "./cache.ts";
import { CallWriter } from "./call_writer.ts";
import { Claims } from "./claims.ts";
import type { CallOptions, StepDefinition } from "./definition.ts";
import { StepFailedError } from "./errors.ts";
import type { DroverEvent, EventSink } from "./events.ts";
import { resolveIdentity, type StepIdentity } from "./identity_cache.ts";
import { argumentHashes, callKey, inputsHash, type KeyParts, legacyCallKey } from "./key.ts";
import { LocalExecutor, type PreparedCall } from "./local_executor.ts";
import { currentLabel } from "./remote_label.ts";
import { type RemoteRouting, Router } from "./router.ts";

/** Remote execution options of a session. */
export interface RemoteOptions {
  /** Remote info given in code; default: `DROVER_REMOTE_INFO`, if set. */
  readonly remoteInfo?: RemoteInfo | RemoteInfoInput;
  /** Systems given in code; default: the project's `drover.yaml` over the user's config. */
  readonly systems?: Readonly<Record<string, System>>;
  /** An element missing from its scheduler with no markers is lost after this, ms. Default: 60 000. */
  readonly graceMs?: number;
  /** Calls arriving within this many ms share a job array. Default: 20. */
  readonly batchMs?: number;
  /** Poll interval ceiling, ms. Default: 30 x the system's `pollMs`, at most 60 000. */
  readonly maxPollMs?: number;
  /** How long a system may stay unreachable before its calls fail, ms. Default: 600 000. */
  readonly unreachableLimitMs?: number;
}

/** Options of {@linkcode openSession}. */
export interface SessionOptions extends RemoteOptions {
  /** The `.drover` directory. Default: found from `cwd` or `DROVER_PROJECT`. */
  readonly dir?: string;
  /** Where to look for the project and read input files. Default: `Deno.cwd()`. */
  readonly cwd?: string;
  /** The environment (remote info, flags). Default: `Deno.env.toObject()`, read once. */
  readonly env?: Readonly<Record<string, string>>;
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
  /** Longest a finished call waits for its group commit, ms. Default: 0 (this turn). */
  readonly flushMs?: number;
  /** Record this process as a run (script, argv). Default: true. */
  readonly recordRun?: boolean;
  /** How long a claim on a call lasts without renewal, ms. Default: 60 000. */
  readonly leaseMs?: number;
}

/** The key of one call and what it is made of. */
export interface CallKeyInfo extends KeyParts {
  /** The key. */
  readonly key: string;
  /** The identity parts behind `codeHash`. */
  readonly codeParts: Readonly<Record<string, string>>;
}

/** Per-call options the session also takes from `map`. */
export interface SessionCallOptions extends CallOptions {
  /** An extra limit on local execution (a map's `concurrency`); routed calls ignore it. */
  readonly limiter?: import("../runtime/mod.ts").Limiter;
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
 * assert.equal(session.store.countCalls()[0].count, 1); // committed before it returned
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Session implements AsyncDisposable {
  /** The project store. */
  readonly store: Store;
  /** The run id of this process, when recorded. */
  readonly runId: number | null;
  /** This process's claim owner id. */
  readonly owner: string = newOwnerId();
  readonly #o: SessionOptions;
  readonly #env: Readonly<Record<string, string>>;
  readonly #cwd: string;
  readonly #clock: Clock;
  readonly #onEvent: EventSink;
  readonly #retryFailed: boolean;
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #writer: CallWriter;
  readonly #claims: Claims;
  readonly #local: LocalExecutor;
  // deno-lint-ignore no-explicit-any
  readonly #identities = new Map<StepDefinition<any, any>, Promise<StepIdentity>>();
  // deno-lint-ignore no-explicit-any
  readonly #identityValues = new Map<StepDefinition<any, any>, StepIdentity>();
  #router: Router | undefined;
  #remote: RemoteRuntime | undefined;
  #systems: Readonly<Record<string, System>> | undefined;
  #closed = false;

  /**
   * Use {@linkcode openSession}.
   *
   * @param options Session options.
   */
  constructor(options: SessionOptions = {}) {
    this.#o = options;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#env = options.env ?? readEnv();
    this.#cwd = options.cwd ?? Deno.cwd();
    this.store = openStore({ dir: options.dir, cwd: this.#cwd, onEvent: this.#onEvent });
    this.#clock = options.clock ?? systemClock;
    const flag = this.#env.DROVER_RETRY_FAILED;
    this.#retryFailed = options.retryFailed ?? (flag === "1" || flag === "true");
    this.#writer = new CallWriter(this.store, {
      flushMs: options.flushMs,
      onLocked: (e, attempt) => this.#emit({ type: "store-locked", message: e.message, attempt }),
    });
    this.#claims = new Claims(this.store, {
      owner: this.owner,
      clock: this.#clock,
      leaseMs: options.leaseMs,
    });
    if (options.recordRun ?? true) {
      this.store.markInterruptedRuns();
      this.runId = this.store.startRun({
        script: Deno.mainModule,
        argv: Deno.args,
        cwd: this.#cwd,
      });
    } else {
      this.runId = null;
    }
    if (this.runId !== null) this.#emit({ type: "run-start", runId: String(this.runId) });
    this.#local = new LocalExecutor({
      writer: this.#writer,
      clock: this.#clock,
      emit: (e) => this.#emit(e),
      concurrency: options.concurrency ?? 64,
      isolate: options.isolate,
      isolateWorkers: options.isolateWorkers,
      runId: this.runId,
    });
  }

  /**
   * Calls a step through the cache: a finished call is returned from the store, a call
   * already running in this process is shared, a call another process runs is waited for,
   * a stored failure is rethrown (unless retrying), anything else is claimed, run and
   * recorded.
   *
   * @param def The step.
   * @param inputs Its named inputs.
   * @param options Per-call options.
   * @returns The (decoded) result.
   * @throws {StepFailedError} when the step failed, now or in an earlier run.
   * @throws {TypeError} for inputs that are not an object, fail the step's schema, or cannot be encoded.
   */
  async call<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    options: SessionCallOptions = {},
  ): Promise<O> {
    const router = this.router;
    const routing = router.active
      ? router.capture(options.label ?? currentLabel() ?? def.options.label)
      : undefined;
    if (routing) router.recordSite(this.store, this.runId, def, routing);
    const checked = validate(def, inputs);
    if (def.options.cache === false) {
      return await this.#local.execute(
        def,
        checked,
        { key: "", codeHash: "", argHashes: {} },
        null,
        options.limiter,
      );
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

  /** The router (remote info read once, when first needed). */
  get router(): Router {
    if (this.#router) return this.#router;
    this.#router = new Router({ remoteInfo: this.#o.remoteInfo, env: this.#env, cwd: this.#cwd });
    // How a wfl/ExPyRe remote info was read, once per session.
    for (const note of this.#router.info?.notes ?? []) {
      this.#emit({ type: "remote-info-note", message: note.message });
    }
    return this.#router;
  }

  async #resolve<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: CallKeyInfo,
    options: SessionCallOptions,
    routing: RemoteRouting | undefined,
  ): Promise<O> {
    let refetched = false;
    let waited = false;
    let preparedCall: PreparedCall | undefined;
    // Argument hashes (for `explain`) only when the call runs: a cache hit hashes once.
    const prepare = (): PreparedCall =>
      preparedCall ??= {
        key: info.key,
        codeHash: info.codeHash,
        argHashes: argumentHashes(inputs as Record<string, unknown>, ignoredOf(def)),
      };
    for (;;) {
      const lookup = this.#lookup(info.key);
      const running = lookup?.state === "running";
      const decision = decideCached(lookup, {
        retryFailed: options.retryFailed ?? def.options.retryFailed ?? this.#retryFailed,
        inLiveJob: running && this.store.jobs.inLiveJob(info.key),
        claimDead: running &&
          this.store.ledger.claimDead(
            lookup.owner ?? null,
            lookup.leaseUntil ?? null,
            this.#clock.now(),
          ),
      });
      switch (decision.kind) {
        case "hit":
          this.#emit({ type: "call-cached", step: def.name, key: info.key });
          return decode(decision.bytes) as O;
        case "fetch": {
          const bytes = await this.#remoteRuntime().fetchResult(decision.resultRef);
          if (bytes) {
            this.#emit({ type: "call-cached", step: def.name, key: info.key });
            return decode(bytes) as O;
          }
          if (refetched) {
            throw new Error(
              `Cannot read the result of call ${info.key}: it is missing on every system`,
            );
          }
          refetched = true;
          for (const s of this.store.jobs.systemsHolding(decision.resultRef)) {
            this.store.ledger.forgetResult(info.key, s, this.#clock.now());
          }
          if (this.store.jobs.systemsHolding(decision.resultRef).length === 0) {
            this.store.ledger.forgetResult(info.key, "(unknown)", this.#clock.now());
          }
          continue;
        }
        case "attach":
          return await this.#runRemote(
            def,
            inputs,
            info,
            prepare(),
            this.router.route(def, routing),
            true,
          );
        case "wait":
          if (!waited) {
            waited = true;
            this.#emit({
              type: "call-waiting",
              step: def.name,
              key: info.key,
              owner: lookup?.owner ?? "",
            });
          }
          await this.#clock.sleep(100);
          continue;
        case "rethrow":
          this.#emit({ type: "call-cached", step: def.name, key: info.key });
          throw new StepFailedError({
            step: def.name,
            key: info.key,
            error: decision.error,
            fromStore: true,
            reason: decision.lookup.failure?.reason,
            retryState: decision.lookup.failure?.retryState,
          });
        case "run": {
          if (decision.expect === "absent") {
            const old = this.#legacyHit(def, inputs, info);
            if (old) {
              this.#emit({ type: "call-cached", step: def.name, key: info.key });
              return decode(old) as O;
            }
          }
          const match = this.router.route(def, routing);
          const claim = await this.#claims.claim({
            key: info.key,
            step: def.name,
            codeHash: info.codeHash,
            version: info.version,
            argHashes: prepare().argHashes,
            location: match?.route.system ?? "local",
            runId: this.runId,
            expect: decision.expect,
          });
          if (claim === "changed" || claim === "held") continue;
          if (claim === "taken-over" && this.store.jobs.inLiveJob(info.key)) {
            return await this.#runRemote(def, inputs, info, prepare(), match, true);
          }
          if (match) return await this.#runRemote(def, inputs, info, prepare(), match, false);
          return await this.#local.execute(def, inputs, prepare(), lookup ?? null, options.limiter);
        }
      }
    }
  }

  /**
   * A result recorded under the call's key as drover computed it before hashing followed
   * RFC 8949 (`drover-v1` rules): stores made by earlier versions keep their cache. Only
   * on a miss, and only when the two keys differ (floats, bigints, dates in the inputs).
   */
  #legacyHit<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: CallKeyInfo,
  ): Uint8Array | undefined {
    const legacy = legacyCallKey(info, inputs as Record<string, unknown>, {
      ignore: ignoredOf(def),
    });
    if (legacy === info.key) return undefined;
    const old = this.store.lookupCall(legacy);
    return old?.state === "done" ? old.result : undefined;
  }

  #lookup(key: string): CallLookup | undefined {
    const pending = this.#writer.get(key);
    if (pending) {
      const r = pending.record;
      return {
        state: r.state,
        resultRef: r.resultRef,
        result: pending.result,
        error: r.error,
        attempts: r.attempts,
        createdAt: r.createdAt,
        failure: r.failure ?? null,
      };
    }
    return this.store.lookupCall(key);
  }

  async #runRemote<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: CallKeyInfo,
    prepared: PreparedCall,
    match: RouteMatch | undefined,
    attach: boolean,
  ): Promise<O> {
    if (!def.site) {
      throw new TypeError(
        `Cannot run step "${def.name}" remotely: the module that defines it is unknown`,
      );
    }
    const runtime = this.#remoteRuntime();
    const routed = match
      ? { route: match.route, routeKey: match.key }
      : runtime.routeOfLastJob(info.key);
    if (!routed) throw new Error(`Cannot re-attach call ${info.key}: no job holds it`);
    const bytes = encode(inputs, { root: "args" });
    const call = {
      key: info.key,
      step: def.name,
      module: def.site.file,
      codeHash: info.codeHash,
      version: info.version,
      argHashes: prepared.argHashes,
      inputs: bytes,
      inputsRef: sha256Hex(bytes),
      routeKey: routed.routeKey,
      route: routed.route,
    };
    const location = routed.route.system;
    const startedAt = this.#clock.now();
    this.#emit({ type: "call-start", step: def.name, key: info.key, location });
    const outcome =
      await (attach ? (runtime.attach(call) ?? runtime.run(call)) : runtime.run(call));
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
        reason: outcome.reason,
        retryState: outcome.retryState,
      });
    }
    const result = await runtime.fetchResult(outcome.resultRef, [outcome.system]);
    if (!result) {
      // The result object is missing or corrupt on the system: forget it and run once more.
      this.store.ledger.forgetResult(info.key, outcome.system, this.#clock.now());
      return await this.#resolve(def, inputs, info, {}, undefined);
    }
    this.#emit({
      type: "call-done",
      step: def.name,
      key: info.key,
      location,
      durationMs: this.#clock.now() - startedAt,
    });
    return decode(result) as O;
  }

  #remoteRuntime(): RemoteRuntime {
    return this.#remote ??= new RemoteRuntime({
      store: this.store,
      runId: this.runId,
      owner: this.owner,
      systems: () => this.#systemsConfig(),
      connect: (system) =>
        new SystemLink(system, transportFor(system), driverFor(system.scheduler)),
      clock: this.#clock,
      onEvent: (e) => this.#emit(e),
      graceMs: this.#o.graceMs,
      batchMs: this.#o.batchMs,
      maxPollMs: this.#o.maxPollMs,
      leaseMs: this.#o.leaseMs,
      unreachableLimitMs: this.#o.unreachableLimitMs,
      cwd: this.#cwd,
    });
  }

  #systemsConfig(): Readonly<Record<string, System>> {
    this.#systems ??= this.#o.systems ??
      loadSystems({ projectDir: dirname(this.store.dir) }).systems;
    return this.#systems;
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

  /** Writes every finished call still waiting for its group commit now. */
  flush(): void {
    if (!this.#closed) this.#writer.flush();
  }

  /**
   * Ends the run (as done), stops the remote runtime and isolate workers, releases this
   * process's claims and closes the store. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.endRun("done");
    this.#closed = true;
    await this.#remote?.close();
    await this.#local.close();
    this.#writer.close();
    this.#claims.close();
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
  if (!set) IGNORED.set(def, set = new Set(def.options.ignore ?? []));
  return set;
}

function keyInfo<I, O>(def: StepDefinition<I, O>, inputs: I, identity: StepIdentity): CallKeyInfo {
  const parts = {
    step: def.name,
    codeHash: identity.hash,
    version: def.options.version ?? "",
    argsHash: inputsHash(inputs as Record<string, unknown>, ignoredOf(def)),
  };
  return { ...parts, key: callKey(parts), codeParts: identity.parts };
}

function validate<I, O>(def: StepDefinition<I, O>, inputs: I): I {
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

function readEnv(): Readonly<Record<string, string>> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
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
