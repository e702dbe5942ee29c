/**
 * A session: one open project store plus the runtime of one process (the current run,
 * calls in flight, claims, local execution, the remote runtime). `step` calls go through
 * the current session, opened on first use from the working directory.
 *
 * @module
 */
import { decode } from "../codec/mod.ts";
import type { RouteMatch } from "../routing/mod.ts";
import { type Clock, systemClock } from "../runtime/mod.ts";
import {
  MIN_RESULT_SET,
  newOwnerId,
  openStore,
  type Store,
  StoreError,
  StoreLockedError,
} from "../store/mod.ts";
import { decideCached, legacyHit, lookupWithPending } from "./cache.ts";
import { ignoredOf, keyInfo, readEnv, validate } from "./call_input.ts";
import { CallWriter } from "./call_writer.ts";
import { Claims } from "./claims.ts";
import type { StepDefinition } from "./definition.ts";
import { StepFailedError } from "./errors.ts";
import type { DroverEvent, EventSink } from "./events.ts";
import { resolveIdentity, type StepIdentity } from "./identity_cache.ts";
import { argumentHashes } from "./key.ts";
import { LocalExecutor, type PreparedCall } from "./local_executor.ts";
import { RemoteExecutor } from "./remote_executor.ts";
import { storedRef } from "./_stored_ref.ts";
import { currentLabel } from "./remote_label.ts";
import { type RemoteRouting, Router } from "./router.ts";
import { SubmissionGate } from "./submission_gate.ts";
import type {
  CachedCalls,
  CallKeyInfo,
  SessionCallOptions,
  SessionOptions,
} from "./session_options.ts";

export type {
  CachedCalls,
  CallKeyInfo,
  RemoteOptions,
  SessionCallOptions,
  SessionOptions,
} from "./session_options.ts";

/** Rounds of the store's lock wait (its busy timeout each) an ending run waits through. */
const END_RUN_ATTEMPTS = 12;

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
  readonly #remote: RemoteExecutor;
  #closed = false;
  #ended = false;
  #cachedCalls = 0;
  readonly #gate: SubmissionGate;

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
    this.#gate = new SubmissionGate({ clock: this.#clock });
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
      this.store.runs.markInterrupted();
      this.runId = this.store.runs.start({
        script: Deno.mainModule,
        argv: Deno.args,
        cwd: this.#cwd,
      });
    } else {
      this.runId = null;
    }
    if (this.runId !== null) this.#emit({ type: "run-start", runId: String(this.runId) });
    this.#remote = new RemoteExecutor({
      ...options,
      store: this.store,
      runId: this.runId,
      owner: this.owner,
      clock: this.#clock,
      emit: (e) => this.#emit(e),
      cwd: this.#cwd,
    });
    this.#local = new LocalExecutor({
      writer: this.#writer,
      clock: this.#clock,
      emit: (e) => this.#emit(e),
      concurrency: options.concurrency ?? 64,
      isolate: options.isolate,
      isolateWorkers: options.isolateWorkers,
      runId: this.runId,
      beforeRun: () => this.#gate.hold(),
      fetchRef: (ref) => this.fetchResult(ref.hash),
    });
  }

  /**
   * A result object: from the project store, else from a system holding it (then kept).
   *
   * @param hash The object's sha256.
   * @returns Its bytes, or undefined when no system has an intact copy.
   */
  fetchResult(hash: string): Promise<Uint8Array | undefined> {
    return this.#remote.fetchResult(hash);
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
    const label = !options.route && router.active
      ? options.label ?? currentLabel() ?? def.options.label
      : undefined;
    const routing = options.route || !router.active
      ? undefined
      : options.siteStack === undefined
      ? router.capture(label, this.call)
      : router.captureText(label, options.siteStack);
    if (routing) router.recordSite(this.store, this.runId, def, routing);
    // A routed call holds local work from now on, not only once its key is known: the
    // code identity may take event-loop turns, and a CPU-bound local step takes each one.
    const early = options.route || (routing && router.route(def, routing))
      ? Symbol(def.name)
      : undefined;
    if (early) {
      this.#gate.routed(early);
      // Its bundle builds while the code identity, keys and claims are worked out.
      if (def.options.cache !== false) this.#remote.prepare(def);
    }
    try {
      return await this.#callChecked(def, inputs, options, routing, early);
    } finally {
      if (early) this.#gate.submitted([early]);
    }
  }

  async #callChecked<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    options: SessionCallOptions,
    routing: RemoteRouting | undefined,
    early: symbol | undefined,
  ): Promise<O> {
    const checked = validate(def, inputs);
    if (def.options.cache === false) {
      if (early) this.#gate.submitted([early]);
      return await this.#local.execute(
        def,
        checked,
        { key: "", codeHash: "", argHashes: {} },
        null,
        options.limiter,
        options.signal,
      );
    }
    const identity = this.#identityValues.get(def) ?? await this.identityOf(def);
    const info = keyInfo(def, checked, identity);
    const flight = options.lazy ? `ref:${info.key}` : info.key;
    const shared = this.#inflight.get(flight);
    if (shared) {
      if (early) this.#gate.submitted([early]);
      return await (shared as Promise<O>);
    }
    const p = this.#resolve(def, checked, info, options, routing);
    // #resolve marked the key (synchronously) if the call goes out: the early mark is done.
    if (early) this.#gate.submitted([early]);
    this.#inflight.set(flight, p);
    try {
      return await p;
    } finally {
      this.#inflight.delete(flight);
    }
  }

  /**
   * Many calls of one step looked up at once (what a flow's map does before calling): every
   * key computed in one loop and the finished ones read in one query, so a replayed map
   * costs no promise per element. Each hit counts as a cached call (`call-cached`); the
   * others (absent, running, failed, still in a group commit, or with invalid inputs) are
   * left for {@linkcode Session.call}. With the session's remote info active, nothing is
   * answered here (routed call sites are recorded by `call`).
   *
   * @param def The step.
   * @param inputs The inputs of each call.
   * @param options `lookup: false` computes the keys only (a caller that found nothing in
   *   the previous chunks of a fresh run leaves the lookups to `call`).
   * @returns The key of each call (undefined where its inputs are not valid) and the values
   * of those the cache holds, by position.
   */
  async cachedMany<I, O>(
    def: StepDefinition<I, O>,
    inputs: readonly I[],
    options: { readonly lookup?: boolean } = {},
  ): Promise<CachedCalls<O>> {
    const keys = new Array<string | undefined>(inputs.length);
    const hits = new Map<number, O>();
    if (def.options.cache === false) return { keys, hits };
    const identity = this.#identityValues.get(def) ?? await this.identityOf(def);
    for (let i = 0; i < inputs.length; i++) {
      try {
        keys[i] = keyInfo(def, validate(def, inputs[i]), identity).key;
      } catch {
        // Invalid inputs: `call` throws the same error for this element.
      }
    }
    if (this.router.active || options.lookup === false) return { keys, hits };
    const wanted: string[] = [];
    for (const k of keys) if (k && !this.#writer.get(k) && !this.#inflight.has(k)) wanted.push(k);
    const results = wanted.length === keys.length
      ? this.#resultSet(wanted)
      : this.store.doneResults(wanted);
    for (let i = 0; i < keys.length; i++) {
      const bytes = Array.isArray(results) ? results[i] : keys[i] && results.get(keys[i]!);
      if (!bytes) continue;
      hits.set(i, decode(bytes) as O);
      this.#emit({ type: "call-cached", step: def.name, key: keys[i]! });
    }
    return { keys, hits };
  }

  /**
   * The results of `keys` (every one valid and settled here) from their result set, or
   * looked up call by call; a list that is done in full is kept as a set for the next time.
   */
  #resultSet(keys: readonly string[]): Uint8Array[] | ReadonlyMap<string, Uint8Array> {
    if (keys.length < MIN_RESULT_SET) return this.store.doneResults(keys);
    const sets = this.store.resultSets;
    const kept = sets.get(keys);
    if (kept) return kept;
    const generation = sets.generation();
    const found = this.store.doneResults(keys);
    if (keys.every((k) => found.has(k))) {
      sets.keep(keys, keys.map((k) => found.get(k)!), generation);
    }
    return found;
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
      const lookup = lookupWithPending(this.store, this.#writer, info.key);
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
          options.onStored?.(info.key, decision.bytes);
          return decode(decision.bytes) as O;
        case "fetch": {
          if (options.lazy) {
            const call = { key: info.key, step: def.name };
            return storedRef(this.store, call, decision.resultRef, lookup?.location ?? "") as O;
          }
          const bytes = await this.#remote.fetchResult(decision.resultRef);
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
            options.route ?? this.router.route(def, routing),
            true,
            options,
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
          if (decision.expect === "absent" && this.store.mayHoldLegacyKeys) {
            const old = legacyHit(
              this.store,
              info,
              inputs as Record<string, unknown>,
              ignoredOf(def),
            );
            if (old) {
              this.#emit({ type: "call-cached", step: def.name, key: info.key });
              return decode(old) as O;
            }
          }
          const match = options.route ?? this.router.route(def, routing);
          // Routed: local work waits at the gate until its job is submitted (or it ends).
          if (match) this.#gate.routed(info.key);
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
          try {
            if (claim === "changed" || claim === "held") continue;
            if (claim === "taken-over" && this.store.jobs.inLiveJob(info.key)) {
              return await this.#runRemote(def, inputs, info, prepare(), match, true, options);
            }
            if (match) {
              return await this.#runRemote(
                def,
                inputs,
                info,
                prepare(),
                match,
                false,
                options,
              );
            }
          } finally {
            if (match) this.#gate.submitted([info.key]);
          }
          return await this.#local.execute(
            def,
            inputs,
            prepare(),
            lookup ?? null,
            options.limiter,
            options.signal,
            options.onStored,
          );
        }
      }
    }
  }

  async #runRemote<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: CallKeyInfo,
    prepared: PreparedCall,
    match: RouteMatch | undefined,
    attach: boolean,
    options: SessionCallOptions,
  ): Promise<O> {
    const r = await this.#remote.run(def, inputs, info, prepared, match, attach, {
      lazy: options.lazy,
      onRouted: options.onRouted,
    });
    // The result object went missing on the system: it was forgotten; run once more.
    return r.found ? r.value as O : await this.#resolve(def, inputs, info, {}, undefined);
  }

  #emit(event: DroverEvent): void {
    if (event.type === "call-cached") this.#cachedCalls++;
    if ((event.type === "job-submitted" || event.type === "job-recovered") && event.keys) {
      this.#gate.submitted(event.keys);
    }
    try {
      this.#onEvent(event);
    } catch {
      // A faulty listener must not break the runtime.
    }
  }

  /**
   * Marks the run as ended. The first status given wins: a run ended as failed or
   * interrupted stays so when the session closes afterwards.
   *
   * @param status How the process ended.
   * @param error Message when failed.
   */
  endRun(status: "done" | "failed" | "interrupted", error?: string): void {
    if (this.#closed || this.#ended) return;
    this.#ended = true;
    this.flush();
    for (const u of this.#router?.unused() ?? []) {
      this.#emit({ type: "remote-info-unused", key: u.key, nearest: u.nearest });
    }
    if (this.runId === null) return;
    const runId = this.runId;
    // The store's transaction waits for another process's write lock in short steps; a
    // lock held past its busy timeout is waited for again, up to END_RUN_ATTEMPTS rounds.
    // Only then, or on a full disk, does the run row stay `running` (listed as
    // `interrupted` once this process is gone; its calls are written), rather than the
    // script dying at its very end.
    for (let attempt = 1;; attempt++) {
      try {
        this.store.transaction(() => this.store.runs.end(runId, status, error, this.#cachedCalls));
        return;
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
        if (!(e instanceof StoreLockedError)) {
          this.#emit({ type: "run-end-unrecorded", message: e.message });
          return;
        }
        if (attempt >= END_RUN_ATTEMPTS) return;
      }
    }
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
    await this.#remote.close();
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

/**
 * Opens a session on a project store.
 *
 * @param options Store location, limits, event sink, clock.
 * @returns The session.
 */
export function openSession(options: SessionOptions = {}): Session {
  return new Session(options);
}
