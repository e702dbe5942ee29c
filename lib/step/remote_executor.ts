/**
 * Running calls on a system through the remote runtime, as the session sees it: the call
 * built from the step and its key, the runtime opened on first use, the outcome turned
 * into a value or a `StepFailedError`, and the result read back (from the local store, else
 * from the system that holds it).
 *
 * @module
 */
import { dirname } from "node:path";
import { decode, encode, sha256Hex } from "../codec/mod.ts";
import type { RouteMatch } from "../routing/mod.ts";
import { type Clock, RemoteRuntime, SystemLink, userSharedStatus } from "../runtime/mod.ts";
import { driverFor } from "../scheduler/mod.ts";
import type { Store } from "../store/mod.ts";
import { loadSystems, type System } from "../systems/mod.ts";
import { transportFor } from "../transport/mod.ts";
import type { StepDefinition } from "./definition.ts";
import { StepFailedError } from "./errors.ts";
import type { DroverEvent } from "./events.ts";
import type { PreparedCall } from "./local_executor.ts";
import type { CallKeyInfo, RemoteOptions } from "./session_options.ts";
import { hasRefs, resolveRefs } from "./result_ref.ts";
import { storedRef } from "./_stored_ref.ts";

/** What a remote call came to: its value, or its result object missing on the system. */
export type RemoteRunResult = { readonly found: true; readonly value: unknown } | {
  readonly found: false;
};

/** Options of {@linkcode RemoteExecutor}. */
export interface RemoteExecutorOptions extends RemoteOptions {
  /** The project store. */
  readonly store: Store;
  /** The session's run. */
  readonly runId: number | null;
  /** The session's claim owner id. */
  readonly owner: string;
  /** Time. */
  readonly clock: Clock;
  /** Event sink. */
  readonly emit: (event: DroverEvent) => void;
  /** How long claims last, ms. */
  readonly leaseMs?: number;
  /** Where input files are read from. */
  readonly cwd: string;
}

/** The session's door to the remote runtime (opened when first needed). */
export class RemoteExecutor {
  readonly #o: RemoteExecutorOptions;
  #runtime: RemoteRuntime | undefined;
  #systems: Readonly<Record<string, System>> | undefined;
  readonly #prepared = new Set<string>();

  /**
   * @param options Store, run, owner, clock, events, remote options.
   */
  constructor(options: RemoteExecutorOptions) {
    this.#o = options;
  }

  /**
   * A result object: from the local store, else from a system that holds it.
   *
   * @param hash The object.
   * @returns Its bytes, or undefined when no system has an intact copy.
   */
  async fetchResult(hash: string): Promise<Uint8Array | undefined> {
    return await this.#rt().fetchResult(hash);
  }

  /**
   * Runs (or re-attaches to) a call on its system.
   *
   * @param def The step.
   * @param inputs Its inputs.
   * @param info Its key.
   * @param prepared Its argument hashes.
   * @param match Its route (absent: the route of its last job).
   * @param attach Whether the call is already in a job.
   * @param options `lazy`: return a {@linkcode ResultRef} to the result, left on the system;
   * `onRouted`: called once the call is handed to the remote runtime (queued for its job).
   * @returns The value (or ref), or `found: false` when its result object went missing (forgotten).
   * @throws {StepFailedError} When the call failed, with its reason and retry state.
   */
  async run<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    info: CallKeyInfo,
    prepared: PreparedCall,
    match: RouteMatch | undefined,
    attach: boolean,
    options: { readonly lazy?: boolean; readonly onRouted?: () => void } = {},
  ): Promise<RemoteRunResult> {
    const lazy = options.lazy ?? false;
    const { store, clock, emit } = this.#o;
    if (!def.site) {
      throw new TypeError(
        `Cannot run step "${def.name}" remotely: the module that defines it is unknown`,
      );
    }
    const runtime = this.#rt();
    const routed = match
      ? { route: match.route, routeKey: match.key }
      : runtime.routeOfLastJob(info.key);
    if (!routed) throw new Error(`Cannot re-attach call ${info.key}: no job holds it`);
    // Refs to results the call's system holds stay refs (its job reads them there); the
    // others are read here (once each, then kept in the store) and sent as values.
    const system = routed.route.system;
    const values = hasRefs(inputs)
      ? await resolveRefs(inputs, {
        fetch: (r) => runtime.fetchResult(r.hash),
        keep: (r) => store.jobs.systemsHolding(r.hash).includes(system),
      })
      : inputs;
    const bytes = encode(values, { root: "args" });
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
    const startedAt = clock.now();
    emit({ type: "call-start", step: def.name, key: info.key, location });
    const pending = attach ? (runtime.attach(call) ?? runtime.run(call)) : runtime.run(call);
    options.onRouted?.();
    const outcome = await pending;
    if (!outcome.ok) {
      emit({
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
    const done = () =>
      emit({
        type: "call-done",
        step: def.name,
        key: info.key,
        location,
        durationMs: clock.now() - startedAt,
      });
    if (lazy) {
      done();
      const value = storedRef(store, call, outcome.resultRef, outcome.system);
      return { found: true, value };
    }
    const result = await runtime.fetchResult(outcome.resultRef, [outcome.system]);
    if (!result) {
      store.ledger.forgetResult(info.key, outcome.system, clock.now());
      return { found: false };
    }
    done();
    return { found: true, value: decode(result) };
  }

  /**
   * Starts building the bundle of a routed step's module, before its first call is keyed
   * (see {@linkcode RemoteRuntime.prepare}).
   *
   * @param def The step.
   */
  // deno-lint-ignore no-explicit-any
  prepare(def: StepDefinition<any, any>): void {
    const module = def.site?.file;
    if (module === undefined || this.#prepared.has(module)) return;
    this.#prepared.add(module);
    this.#rt().prepare(module);
  }

  /** Closes the runtime, if it was opened. */
  async close(): Promise<void> {
    await this.#runtime?.close();
  }

  #rt(): RemoteRuntime {
    const o = this.#o;
    return this.#runtime ??= new RemoteRuntime({
      store: o.store,
      runId: o.runId,
      owner: o.owner,
      systems: () => this.#systemsConfig(),
      connect: (system) =>
        new SystemLink(system, transportFor(system), driverFor(system.scheduler), {
          shared: userSharedStatus(),
        }),
      clock: o.clock,
      onEvent: o.emit,
      graceMs: o.graceMs,
      batchMs: o.batchMs,
      maxPollMs: o.maxPollMs,
      leaseMs: o.leaseMs,
      unreachableLimitMs: o.unreachableLimitMs,
      cwd: o.cwd,
    });
  }

  #systemsConfig(): Readonly<Record<string, System>> {
    this.#systems ??= this.#o.systems ??
      loadSystems({ projectDir: dirname(this.#o.store.dir) }).systems;
    return this.#systems;
  }
}
