/**
 * The remote job runtime of one process: takes remote calls, batches them into job
 * arrays, records each job through the ledger before submitting it, polls each system
 * politely, restarts what failed transiently (by {@linkcode decideRetry}), and re-attaches
 * to calls already in jobs. It imports nothing from the step layer; the step layer hands it
 * {@linkcode RemoteCall}s and gets {@linkcode RemoteOutcome}s back.
 *
 * @module
 */
import type { Route } from "../routing/mod.ts";
import { type Entry, RuntimeState } from "./_runtime_state.ts";
import { type RemoteCallPhase } from "./call_machine.ts";
import { safeParseJobPlan } from "./job_plan.ts";
import type { RemoteCall, RemoteEvent, RemoteOutcome } from "./remote_call.ts";
import type { StepBundle } from "./bundle.ts";
import type { Clock } from "./clock.ts";
import type { Store } from "../store/mod.ts";
import type { System } from "../systems/mod.ts";
import type { SystemLink } from "./system_link.ts";
import { JobSubmission } from "./job_submission.ts";
import { Watcher } from "./watch_loop.ts";

/** Options of {@linkcode RemoteRuntime}. */
export interface RemoteRuntimeOptions {
  /** The project store. */
  readonly store: Store;
  /** The run of this process (jobs record it), or null. */
  readonly runId: number | null;
  /** This process's claim owner id (see the ledger). */
  readonly owner: string;
  /** The systems by name (read when first needed). */
  readonly systems: () => Readonly<Record<string, System>>;
  /** Connects a system (one link per system per runtime). */
  readonly connect: (system: System) => SystemLink;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /** Receives what the runtime does. */
  readonly onEvent?: (event: RemoteEvent) => void;
  /** An element missing from the scheduler with no markers is lost after this, ms. Default: 60 000. */
  readonly graceMs?: number;
  /**
   * Calls arriving within this many ms of each other go into one job array (the window
   * closes after this long without a call, or 25 times this long after it opened). Default: 20.
   */
  readonly batchMs?: number;
  /** Poll interval ceiling, ms. Default: 30 x the system's `pollMs`, at most 60 000. */
  readonly maxPollMs?: number;
  /** How long a claim lasts without renewal, ms. Default: 60 000. */
  readonly leaseMs?: number;
  /**
   * How long a system (or its scheduler) may stay unreachable before its calls fail,
   * ms. Default: 600 000 (10 minutes).
   */
  readonly unreachableLimitMs?: number;
  /**
   * How long a submission that started in a process that died may still arrive at the
   * scheduler, ms. Default: 60 000.
   */
  readonly submitGraceMs?: number;
  /** Where input files are read from. Default: `Deno.cwd()`. */
  readonly cwd?: string;
  /** Whether a run (by id) is still alive. Default: asks the store. */
  readonly runAlive?: (runId: number | null) => boolean;
  /** Builds a step module's bundle. Default: {@linkcode bundleStepModule}. */
  readonly bundle?: (module: string) => Promise<StepBundle>;
}

/** Options of {@linkcode RemoteRuntime.run}. */
export interface RemoteRunOptions {
  /** Stops waiting (the call's job, if any, goes on). */
  readonly signal?: AbortSignal;
}

/**
 * Runs remote calls as job arrays. One per session; `close()` (or `await using`) stops its
 * loops and rejects what still waits.
 */
export class RemoteRuntime implements AsyncDisposable {
  readonly #s: RuntimeState;

  /**
   * @param options Store, owner, systems, connector, clock, timings.
   */
  constructor(options: RemoteRuntimeOptions) {
    this.#s = new RuntimeState(options);
    this.#s.submitter = new JobSubmission(this.#s);
    this.#s.watcher = new Watcher(this.#s);
  }

  get waiting(): number {
    return this.#s.entries.size;
  }

  /**
   * Starts building a step module's bundle ahead of its first remote call (once per
   * module), so that bundling overlaps the work before the call reaches the runtime (the
   * step's code identity, keys, claims). A build that fails is retried, and its error
   * reported, when a call needs the bundle.
   *
   * @param module The file that defines the step.
   */
  prepare(module: string): void {
    if (this.#s.abort.signal.aborted || this.#s.bundles.has(module)) return;
    this.#s.bundle(module).catch(() => {});
  }

  /**
   * Runs a call (already claimed by this process) remotely: it joins the job array being
   * gathered for its route and step, and the promise settles when its outcome is known
   * (after restarts of transient failures, up to the route's `maxRestarts`).
   *
   * @param call The call.
   * @param options Abort signal.
   * @returns Its outcome.
   */
  run(call: RemoteCall, options: RemoteRunOptions = {}): Promise<RemoteOutcome> {
    return this.#wait(call, "batched", call.route.system, options.signal, () => {
      // Bundling starts with the first call, while the batch gathers.
      this.#s.bundle(call.module).catch(() => {});
      this.#s.batcher.add(call.key);
    });
  }

  /**
   * Re-attaches to a call an earlier run (or another process, or this one) put in a job:
   * waits for the job if it is still live, restarts the call if its job failed
   * transiently, or returns the outcome already known.
   *
   * @param call The call, with the route that would send it now (or its last job's).
   * @param options Abort signal.
   * @returns Its outcome, or undefined when the call was never put in a job.
   */
  attach(call: RemoteCall, options: RemoteRunOptions = {}): Promise<RemoteOutcome> | undefined {
    const latest = this.#s.store.jobs.latestCallOf(call.key);
    if (!latest) return undefined;
    if (latest.call.state === "pending") {
      this.#s.emit({
        type: "job-attached",
        system: latest.job.system,
        job: latest.job.name,
        ...(latest.job.schedulerId ? { schedulerId: latest.job.schedulerId } : {}),
        keys: [call.key],
      });
    }
    return this.#wait(call, "in-job", latest.job.system, options.signal, () => {
      this.#s.watcher.settleKey(call.key);
    });
  }

  /**
   * The route a call's last job was sent with (for re-attaching without remote info).
   *
   * @param key The call.
   * @returns The route, or undefined when no job holds the call.
   */
  routeOfLastJob(key: string): { route: Route; routeKey: string } | undefined {
    const latest = this.#s.store.jobs.latestCallOf(key);
    if (!latest) return undefined;
    const plan = safeParseJobPlan(latest.job.spec, latest.job.name);
    const spec = plan.success ? plan.data : undefined;
    return {
      routeKey: spec?.routeKey ?? "(re-attached)",
      route: {
        system: latest.job.system,
        resources: spec?.resources ?? {},
        inputsPerJob: spec?.inputsPerJob ?? 1,
        inputFiles: [],
        env: spec?.env ?? {},
        maxRestarts: spec?.maxRestarts ?? 2,
      },
    };
  }

  /**
   * A result object: from the local store, else downloaded from a system that holds it
   * (and kept locally from then on). A copy that does not match its hash counts as missing.
   *
   * @param hash The object.
   * @param systems Where to look. Default: the systems the store knows hold it.
   * @returns The bytes and the system they came from, or undefined when no system has it.
   */
  async fetchResult(
    hash: string,
    systems: readonly string[] = this.#s.store.jobs.systemsHolding(hash),
  ): Promise<Uint8Array | undefined> {
    const local = this.#s.store.objects.get(hash);
    if (local) return local;
    const config = this.#s.o.systems();
    for (const name of systems) {
      const system = config[name];
      if (!system) continue;
      const bytes = await this.#s.link(system.name).fetchObject(hash);
      if (bytes) {
        this.#s.store.objects.put(bytes, hash);
        return bytes;
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    if (this.#s.abort.signal.aborted) return;
    this.#s.abort.abort(new DOMException("the remote runtime was closed", "AbortError"));
    this.#s.batcher.close();
    for (const [key, e] of this.#s.entries) {
      this.#s.entries.delete(key);
      e.reject(this.#s.abort.signal.reason);
    }
    await Promise.allSettled([...this.#s.loops.values(), this.#s.submitChain]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #wait(
    call: RemoteCall,
    phase: RemoteCallPhase,
    system: string,
    signal: AbortSignal | undefined,
    start: () => void,
  ): Promise<RemoteOutcome> {
    if (this.#s.abort.signal.aborted) return Promise.reject(this.#s.abort.signal.reason);
    const existing = this.#s.entries.get(call.key);
    if (existing) {
      return new Promise((resolve, reject) => {
        const prev = { resolve: existing.resolve, reject: existing.reject };
        this.#s.entries.set(call.key, {
          ...existing,
          resolve: (o) => (prev.resolve(o), resolve(o)),
          reject: (e) => (prev.reject(e), reject(e)),
        });
      });
    }
    return new Promise<RemoteOutcome>((resolve, reject) => {
      const entry: Entry = { call, phase, system, restartsThisRun: 0, resolve, reject };
      this.#s.entries.set(call.key, entry);
      signal?.addEventListener("abort", () => {
        if (this.#s.entries.get(call.key) === entry) {
          this.#s.entries.delete(call.key);
          reject(signal.reason);
        }
      }, { once: true });
      try {
        start();
        this.#s.watcher.ensurePolling(system);
      } catch (e) {
        this.#s.entries.delete(call.key);
        reject(e);
      }
    });
  }
}
