/**
 * The remote side of a session: routes calls by remote info, hands them to the job
 * runtime, re-attaches to calls of earlier runs, and brings results home.
 *
 * @module
 */
import { dirname } from "node:path";
import { decode, encode, sha256Hex } from "../codec/mod.ts";
import {
  captureStack,
  loadRemoteInfo,
  matchRoute,
  parseRemoteInfo,
  type RemoteInfo,
  type RemoteInfoInput,
  type Route,
  type RouteMatch,
  type StackFrame,
} from "../routing/mod.ts";
import {
  type Clock,
  type RemoteCall,
  RemoteDispatcher,
  type RemoteEvent,
  SystemLink,
} from "../runtime/mod.ts";
import { driverFor } from "../scheduler/mod.ts";
import type { CallRecord, Store } from "../store/mod.ts";
import { loadSystems, type System } from "../systems/mod.ts";
import { transportFor } from "../transport/mod.ts";
import type { StepDefinition } from "./definition.ts";
import { StepFailedError } from "./errors.ts";
import { argumentHashes, type KeyParts } from "./key.ts";

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
}

/** Where a call was routed. */
export interface RemoteRouting {
  /** The stack at the call, when remote info exists. */
  readonly stack: readonly StackFrame[];
  /** The label of the call. */
  readonly label: string | undefined;
}

/**
 * Routes and runs remote calls for one session.
 */
export class RemoteCaller {
  /** The remote info in force, if any. */
  readonly info: RemoteInfo | undefined;
  readonly #store: Store;
  readonly #options: RemoteOptions;
  readonly #dispatcher: RemoteDispatcher;
  readonly #links = new Map<string, SystemLink>();
  readonly #sites = new Set<string>();
  readonly #runId: number | null;
  #systems: Readonly<Record<string, System>> | undefined;

  /**
   * @param store The project store.
   * @param runId The session's run.
   * @param clock Time.
   * @param emit Event sink.
   * @param options Remote info, systems, timings.
   */
  constructor(
    store: Store,
    runId: number | null,
    clock: Clock,
    emit: (e: RemoteEvent) => void,
    options: RemoteOptions = {},
  ) {
    this.#store = store;
    this.#runId = runId;
    this.#options = options;
    const given = options.remoteInfo;
    this.info = given === undefined
      ? loadRemoteInfo(Deno.env.toObject(), { cwd: Deno.cwd() })
      : "rules" in given && Array.isArray(given.rules)
      ? given as RemoteInfo
      : parseRemoteInfo(given as RemoteInfoInput);
    this.#dispatcher = new RemoteDispatcher({
      store,
      runId,
      clock,
      onEvent: emit,
      systems: () => this.#systemsConfig(),
      connect: (system) => this.#link(system),
      graceMs: options.graceMs,
      batchMs: options.batchMs,
      maxPollMs: options.maxPollMs,
    });
  }

  /** Whether routing is on (remote info exists). */
  get active(): boolean {
    return this.info !== undefined && this.info.rules.length > 0;
  }

  /**
   * The stack and label of a call, captured synchronously where the call is made.
   *
   * Also records the call site for `drover routes explain --script` (once per step, label
   * and stack in a run, cached calls included).
   *
   * @param def The step.
   * @param label The call's label, if any.
   * @returns What routing needs, or undefined when routing is off.
   */
  // deno-lint-ignore no-explicit-any
  capture(def: StepDefinition<any, any>, label: string | undefined): RemoteRouting | undefined {
    if (!this.active) return undefined;
    const routing = { stack: captureStack(), label };
    this.#recordSite(def, routing);
    return routing;
  }

  /**
   * The route of a call, if remote info routes it.
   *
   * @param def The step.
   * @param routing The stack and label.
   * @returns The match, or undefined (run locally).
   */
  // deno-lint-ignore no-explicit-any
  route(def: StepDefinition<any, any>, routing: RemoteRouting | undefined): RouteMatch | undefined {
    if (!this.info || !routing) return undefined;
    return matchRoute(this.info, routing.stack, {
      stepName: def.name,
      stepFile: def.site?.file,
      label: routing.label,
    });
  }

  /**
   * Runs a call remotely, or re-attaches to it when an earlier run put it in a job.
   *
   * @param def The step.
   * @param inputs Its inputs.
   * @param parts The key and its parts.
   * @param match The route (absent: re-attach only, with the route of its last job).
   * @param previous The call's row, if any.
   * @returns The decoded result.
   * @throws {StepFailedError} When the call failed.
   */
  async run<I, O>(
    def: StepDefinition<I, O>,
    inputs: I,
    parts: KeyParts & { key: string },
    match: RouteMatch | undefined,
    previous: Pick<CallRecord, "state" | "createdAt"> | undefined,
  ): Promise<O> {
    if (!def.site) {
      throw new TypeError(
        `Cannot run step "${def.name}" remotely: the module that defines it is unknown`,
      );
    }
    const bytes = encode(inputs, { root: "args" });
    const route = match?.route ?? this.#routeOfLastJob(parts.key);
    if (!route) throw new Error(`Cannot re-attach call ${parts.key}: no job holds it`);
    const call: RemoteCall = {
      key: parts.key,
      step: def.name,
      module: def.site.file,
      codeHash: parts.codeHash,
      version: parts.version,
      argHashes: argumentHashes(
        inputs as Record<string, unknown>,
        new Set(def.options.ignore ?? []),
      ),
      inputs: bytes,
      inputsRef: sha256Hex(bytes),
      routeKey: match?.key ?? "(re-attached)",
      route,
      createdAt: previous?.createdAt,
    };
    const outcome = previous?.state === "running"
      ? await (this.#dispatcher.attach(call) ?? this.#dispatcher.run(call))
      : await this.#dispatcher.run(call);
    if (!outcome.ok) {
      throw new StepFailedError({
        step: def.name,
        key: parts.key,
        error: outcome.error,
        fromStore: false,
      });
    }
    return decode(await this.#result(outcome.resultRef, outcome.system)) as O;
  }

  async #result(hash: string, system: string): Promise<Uint8Array> {
    const bytes = await this.fetchResult(hash, [system]);
    if (!bytes) {
      throw new Error(`Cannot fetch result ${hash} from system "${system}": it is missing there`);
    }
    return bytes;
  }

  /**
   * A result object: from the local store, else downloaded from a system that holds it
   * (and kept locally from then on).
   *
   * @param hash The object.
   * @param systems Where to look. Default: the systems the store knows hold it.
   * @returns The bytes, or undefined when no system has it.
   */
  async fetchResult(
    hash: string,
    systems: readonly string[] = this.#store.jobs.systemsHolding(hash),
  ): Promise<Uint8Array | undefined> {
    const local = this.#store.objects.get(hash);
    if (local) return local;
    const config = this.#systemsConfig();
    for (const name of systems) {
      const system = config[name];
      if (!system) continue;
      const bytes = await this.#link(system).fetchObject(hash);
      if (bytes) {
        this.#store.objects.put(bytes, hash);
        return bytes;
      }
    }
    return undefined;
  }

  #routeOfLastJob(key: string): Route | undefined {
    const latest = this.#store.jobs.latestCallOf(key);
    if (!latest) return undefined;
    const spec = latest.job.spec as {
      inputsPerJob?: number;
      maxRestarts?: number;
      resources?: Route["resources"];
    };
    return {
      system: latest.job.system,
      resources: spec.resources ?? {},
      inputsPerJob: spec.inputsPerJob ?? 1,
      inputFiles: [],
      env: {},
      maxRestarts: spec.maxRestarts ?? 2,
    };
  }

  // deno-lint-ignore no-explicit-any
  #recordSite(def: StepDefinition<any, any>, routing: RemoteRouting): void {
    if (this.#runId === null) return;
    const id = `${def.name}\0${routing.label ?? ""}\0${
      routing.stack.map((f) => `${f.file}:${f.line}:${f.function}`).join("|")
    }`;
    if (this.#sites.has(id)) return;
    this.#sites.add(id);
    this.#store.jobs.putCallSite({
      runId: this.#runId,
      step: def.name,
      stepFile: def.site?.file,
      label: routing.label,
      frames: routing.stack,
    });
  }

  #systemsConfig(): Readonly<Record<string, System>> {
    this.#systems ??= this.#options.systems ??
      loadSystems({ projectDir: dirname(this.#store.dir) }).systems;
    return this.#systems;
  }

  #link(system: System): SystemLink {
    let link = this.#links.get(system.name);
    if (!link) {
      link = new SystemLink(system, transportFor(system), driverFor(system.scheduler));
      this.#links.set(system.name, link);
    }
    return link;
  }
}
