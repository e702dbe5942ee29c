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
import { SchedulerCommandError } from "../scheduler/mod.ts";
import type { FailureReason, JobRecord, Store } from "../store/mod.ts";
import type { System } from "../systems/mod.ts";
import { TransportError } from "../transport/mod.ts";
import { crashPoint } from "./_crash.ts";
import { Batcher } from "./batcher.ts";
import { bundleStepModule, type StepBundle } from "./bundle.ts";
import { type RemoteCallEvent, type RemoteCallPhase, transition } from "./call_machine.ts";
import { type Clock, systemClock } from "./clock.ts";
import { expandInputFiles } from "./input_files.ts";
import { jobEnv, jobLayout, wrapperBody } from "./job_layout.ts";
import { type JobPlan, parseJobPlan, safeParseJobPlan } from "./job_plan.ts";
import { jobName, jobResources, packElements, planArrays } from "./job_planner.ts";
import { pollSystem } from "./poller.ts";
import type { RemoteCall, RemoteEvent, RemoteOutcome } from "./remote_call.ts";
import { decideRetry, JobFailedError } from "./retry_policy.ts";
import { stageAndSubmit } from "./submitter.ts";
import type { SystemLink } from "./system_link.ts";

const encoder = new TextEncoder();
/** How far back each look for decided calls reaches before the previous look, ms. */
const CURSOR_MARGIN_MS = 5_000;

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
  /** Calls arriving within this many ms go into one job array. Default: 20. */
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

interface Entry {
  readonly call: RemoteCall;
  phase: RemoteCallPhase;
  /** The system whose poll loop decides it. */
  system: string;
  restartsThisRun: number;
  readonly resolve: (outcome: RemoteOutcome) => void;
  readonly reject: (error: unknown) => void;
}

interface Unreachable {
  since: number;
  attempt: number;
}

/**
 * Runs remote calls as job arrays. One per session; `close()` (or `await using`) stops its
 * loops and rejects what still waits.
 */
export class RemoteRuntime implements AsyncDisposable {
  readonly #o: RemoteRuntimeOptions;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #emit: (event: RemoteEvent) => void;
  readonly #graceMs: number;
  readonly #leaseMs: number;
  readonly #unreachableLimitMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #links = new Map<string, SystemLink>();
  readonly #bundles = new Map<string, Promise<StepBundle>>();
  readonly #loops = new Map<string, Promise<void>>();
  readonly #submitting = new Set<number>();
  readonly #unreachable = new Map<string, Unreachable>();
  readonly #cursor = new Map<string, number>();
  readonly #kick = new Set<string>();
  readonly #abort = new AbortController();
  readonly #batcher: Batcher<string>;
  #submitChain: Promise<void> = Promise.resolve();

  /**
   * @param options Store, owner, systems, connector, clock, timings.
   */
  constructor(options: RemoteRuntimeOptions) {
    this.#o = options;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#emit = (e) => {
      try {
        options.onEvent?.(e);
      } catch {
        // A faulty listener must not break the runtime.
      }
    };
    this.#graceMs = options.graceMs ?? 60_000;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#unreachableLimitMs = options.unreachableLimitMs ?? 600_000;
    this.#batcher = new Batcher({
      clock: this.#clock,
      windowMs: options.batchMs ?? 20,
      flush: (keys) => {
        this.#submitChain = this.#submitChain.then(() => this.#flush(keys));
        return this.#submitChain;
      },
    });
  }

  /** Calls this runtime waits for. */
  get waiting(): number {
    return this.#entries.size;
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
      this.#batcher.add(call.key);
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
    const latest = this.#store.jobs.latestCallOf(call.key);
    if (!latest) return undefined;
    if (latest.call.state === "pending") {
      this.#emit({
        type: "job-attached",
        system: latest.job.system,
        job: latest.job.name,
        ...(latest.job.schedulerId ? { schedulerId: latest.job.schedulerId } : {}),
        keys: [call.key],
      });
    }
    return this.#wait(call, "in-job", latest.job.system, options.signal, () => {
      this.#settleKey(call.key);
    });
  }

  /**
   * The route a call's last job was sent with (for re-attaching without remote info).
   *
   * @param key The call.
   * @returns The route, or undefined when no job holds the call.
   */
  routeOfLastJob(key: string): { route: Route; routeKey: string } | undefined {
    const latest = this.#store.jobs.latestCallOf(key);
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
    systems: readonly string[] = this.#store.jobs.systemsHolding(hash),
  ): Promise<Uint8Array | undefined> {
    const local = this.#store.objects.get(hash);
    if (local) return local;
    const config = this.#o.systems();
    for (const name of systems) {
      const system = config[name];
      if (!system) continue;
      const bytes = await this.#link(system.name).fetchObject(hash);
      if (bytes) {
        this.#store.objects.put(bytes, hash);
        return bytes;
      }
    }
    return undefined;
  }

  /** Stops every loop and rejects every call still waited for. Idempotent. */
  async close(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort(new DOMException("the remote runtime was closed", "AbortError"));
    this.#batcher.close();
    for (const [key, e] of this.#entries) {
      this.#entries.delete(key);
      e.reject(this.#abort.signal.reason);
    }
    await Promise.allSettled([...this.#loops.values(), this.#submitChain]);
  }

  /** Same as {@linkcode RemoteRuntime.close}. */
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
    if (this.#abort.signal.aborted) return Promise.reject(this.#abort.signal.reason);
    const existing = this.#entries.get(call.key);
    if (existing) {
      return new Promise((resolve, reject) => {
        const prev = { resolve: existing.resolve, reject: existing.reject };
        this.#entries.set(call.key, {
          ...existing,
          resolve: (o) => (prev.resolve(o), resolve(o)),
          reject: (e) => (prev.reject(e), reject(e)),
        });
      });
    }
    return new Promise<RemoteOutcome>((resolve, reject) => {
      const entry: Entry = { call, phase, system, restartsThisRun: 0, resolve, reject };
      this.#entries.set(call.key, entry);
      signal?.addEventListener("abort", () => {
        if (this.#entries.get(call.key) === entry) {
          this.#entries.delete(call.key);
          reject(signal.reason);
        }
      }, { once: true });
      try {
        start();
        this.#ensurePolling(system);
      } catch (e) {
        this.#entries.delete(call.key);
        reject(e);
      }
    });
  }

  #move(entry: Entry, event: RemoteCallEvent): boolean {
    const next = transition(entry.phase, event);
    if (next === undefined) return false;
    entry.phase = next;
    return true;
  }

  #settle(key: string, outcome: RemoteOutcome): void {
    const entry = this.#entries.get(key);
    if (
      !entry ||
      !this.#move(
        entry,
        outcome.ok ? "decided" : outcome.reason === "refused" ? "refused" : "decided",
      )
    ) return;
    this.#entries.delete(key);
    entry.resolve(outcome);
  }

  #fail(key: string, error: unknown): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    entry.reject(error);
  }

  #link(name: string): SystemLink {
    let link = this.#links.get(name);
    if (!link) {
      const systems = this.#o.systems();
      const system = systems[name];
      if (!system) {
        const known = Object.keys(systems);
        throw new TypeError(
          `Cannot run on system "${name}": it is not in the systems config (${
            known.length ? `known: ${known.join(", ")}` : "no systems are configured"
          })`,
        );
      }
      link = this.#o.connect(system);
      this.#links.set(name, link);
    }
    return link;
  }

  #bundle(module: string): Promise<StepBundle> {
    let p = this.#bundles.get(module);
    if (!p) {
      p = (this.#o.bundle ?? bundleStepModule)(module);
      this.#bundles.set(module, p);
      p.catch(() => this.#bundles.delete(module));
    }
    return p;
  }

  async #flush(keys: readonly string[]): Promise<void> {
    const groups = new Map<string, { entries: Entry[]; attempt: number }>();
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (!entry || !this.#move(entry, "flushed")) continue;
      const attempt = this.#store.jobs.attemptsOf(key) + 1;
      const c = entry.call;
      const id = [c.route.system, c.routeKey, c.step, c.module, attempt].join("\0");
      let g = groups.get(id);
      if (!g) groups.set(id, g = { entries: [], attempt });
      g.entries.push(entry);
    }
    for (const g of groups.values()) {
      try {
        await this.#submitGroup(g.entries, g.attempt);
      } catch (e) {
        this.#submitFailed(g.entries, e);
      }
    }
  }

  /** A group could not be submitted: unreachable systems wait and retry, the rest fails. */
  #submitFailed(entries: readonly Entry[], e: unknown): void {
    const system = entries[0].call.route.system;
    const left = entries.filter((x) =>
      this.#entries.get(x.call.key) === x && x.phase === "submitting"
    );
    if (isUnreachable(e)) {
      if (this.#noteUnreachable(system, e)) {
        for (const x of left) this.#giveUpUnreachable(x, e);
        return;
      }
      for (const x of left) this.#move(x, "unrecorded");
      const pause = this.#o.systems()[system]?.pollMs ?? 2000;
      void this.#clock.sleep(pause, this.#abort.signal).then(() => {
        for (const x of left) if (x.phase === "batched") this.#batcher.add(x.call.key);
      }, () => {});
      return;
    }
    if (this.#abort.signal.aborted) {
      for (const x of left) this.#fail(x.call.key, e);
      return;
    }
    // Anything else (a bad config, authentication, a bundle that cannot be built) will not
    // mend by itself within this run: the calls fail as refused, retried by a later run.
    const message = e instanceof Error ? e.message : String(e);
    this.#emit({ type: "job-refused", system, calls: left.length, message });
    for (const x of left) this.#refuse(x, message, e);
  }

  #refuse(entry: Entry, message: string, cause?: unknown): void {
    const error = new JobFailedError(
      { reason: "refused", detail: message, system: entry.call.route.system },
      { cause },
    );
    this.#store.ledger.giveUp(
      entry.call.key,
      {
        reason: "refused",
        retryable: true,
        retryState: "refused",
      },
      error.toStored(),
      this.#clock.now(),
    );
    this.#settle(entry.call.key, {
      ok: false,
      error: error.toStored(),
      reason: "refused",
      retryState: "refused",
    });
  }

  async #submitGroup(entries: Entry[], attempt: number): Promise<void> {
    const first = entries[0].call;
    const route = first.route;
    const link = this.#link(route.system);
    const system = link.system;
    let resources: JobPlan["resources"];
    try {
      resources = jobResources(system, route, attempt);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // No partition can take these resources: refused before anything is submitted.
      this.#emit({
        type: "job-refused",
        system: system.name,
        calls: entries.length,
        message: e.message,
      });
      for (const x of entries) this.#refuse(x, e.message);
      return;
    }
    const bundle = await this.#bundle(first.module);
    const bundleRef = this.#store.objects.put(bundle.bytes, bundle.hash);
    const limits = await link.limits();
    const rundir = await link.rundir();
    const deno = await link.deno();
    this.#noteReachable(system.name);
    let elements = packElements(entries, route.inputsPerJob);
    while (elements.length > 0) {
      if (this.#abort.signal.aborted) return;
      const { now, later } = planArrays(elements, {
        maxArraySize: limits.maxArraySize,
        maxJobs: system.maxJobs,
        inFlight: this.#store.jobs.elementsInFlight(system.name),
      });
      for (const array of now) {
        await this.#submitArray(link, array, { attempt, resources, bundleRef, rundir, deno });
      }
      elements = later;
      if (later.length > 0) await this.#clock.sleep(system.pollMs, this.#abort.signal);
    }
  }

  async #submitArray(
    link: SystemLink,
    elements: readonly (readonly Entry[])[],
    ctx: {
      attempt: number;
      resources: JobPlan["resources"];
      bundleRef: string;
      rundir: string;
      deno: string;
    },
  ): Promise<void> {
    const system = link.system;
    const first = elements[0][0].call;
    const layout = jobLayout(ctx.rundir);
    const name = jobName(first.route.jobName ?? first.step);
    const dir = layout.job(name);
    const manifest = JSON.stringify({
      format: 1,
      step: first.step,
      bundle: ctx.bundleRef,
      elements: elements.map((el) =>
        el.map((e) => ({ key: e.call.key, inputs: e.call.inputsRef }))
      ),
    });
    const script = link.driver.render({
      name,
      array: { size: elements.length, throttle: Math.min(elements.length, system.maxJobs) },
      resources: ctx.resources,
      header: system.header,
      setup: [...system.setup, ...(first.route.setup ?? [])],
      env: { ...first.route.env, ...jobEnv(layout, dir) },
      workdir: dir.dir,
      body: wrapperBody(ctx.deno, layout.object(ctx.bundleRef), dir),
      stdout: dir.log("stdout"),
      stderr: dir.log("stderr"),
    });
    const files = expandInputFiles(first.route.inputFiles, this.#o.cwd ?? Deno.cwd()).map((f) => ({
      target: f.target,
      ref: this.#store.objects.put(Deno.readFileSync(f.source)),
      ...(f.mode === undefined ? {} : { mode: f.mode }),
    }));
    const plan: JobPlan = {
      routeKey: first.routeKey,
      module: first.module,
      inputsPerJob: first.route.inputsPerJob,
      maxRestarts: first.route.maxRestarts,
      resources: ctx.resources,
      bundle: ctx.bundleRef,
      manifest: this.#store.objects.put(encoder.encode(manifest)),
      script: this.#store.objects.put(encoder.encode(script)),
      files,
      env: first.route.env,
    };
    const inputs = new Map<string, Uint8Array>();
    for (const el of elements) {
      for (const e of el) {
        this.#store.objects.put(e.call.inputs, e.call.inputsRef);
        inputs.set(e.call.inputsRef, e.call.inputs);
      }
    }
    const now = this.#clock.now();
    const recorded = this.#store.ledger.enqueueJob(
      {
        name,
        system: system.name,
        step: first.step,
        size: elements.length,
        attempt: ctx.attempt,
        spec: { ...plan },
        dir: dir.dir,
        runId: this.#o.runId,
        createdAt: now,
      },
      elements.flatMap((el, i) =>
        el.map((e) => ({ key: e.call.key, element: i, inputsRef: e.call.inputsRef }))
      ),
      { owner: this.#o.owner, now, leaseMs: this.#leaseMs },
    );
    if ("conflicts" in recorded) {
      // Another live process holds some of these calls: wait for its outcome instead.
      const held = new Set(recorded.conflicts);
      for (const key of held) {
        const e = this.#entries.get(key);
        if (e) this.#move(e, "held-by-other");
        const latest = this.#store.jobs.latestCallOf(key);
        if (latest) {
          this.#emit({
            type: "job-attached",
            system: system.name,
            job: latest.job.name,
            keys: [key],
          });
        }
        // It may have been decided already (the cursor of the poll loop would miss it).
        this.#settleKey(key);
      }
      const rest = elements.map((el) => el.filter((e) => !held.has(e.call.key)))
        .filter((el) => el.length > 0);
      if (rest.length > 0) await this.#submitArray(link, rest, ctx);
      return;
    }
    for (const el of elements) for (const e of el) this.#move(e, "recorded");
    const job = this.#store.jobs.getJob(recorded.jobId)!;
    await this.#submitJob(link, job, plan, inputs);
  }

  async #submitJob(
    link: SystemLink,
    job: JobRecord,
    plan: JobPlan,
    inputs?: ReadonlyMap<string, Uint8Array>,
  ): Promise<void> {
    this.#submitting.add(job.id);
    try {
      const r = await stageAndSubmit(link, job, {
        store: this.#store,
        clock: this.#clock,
        plan,
        inputs,
        signal: this.#abort.signal,
      });
      if (r.kind === "submitted") {
        this.#noteReachable(job.system);
        this.#kick.add(job.system);
        this.#emit({
          type: "job-submitted",
          system: job.system,
          job: job.name,
          schedulerId: r.schedulerId,
          elements: job.size,
          calls: this.#store.jobs.callsOf(job.id).length,
          attempt: job.attempt,
          keys: this.#store.jobs.callsOf(job.id).map((c) => c.key),
        });
      } else if (r.kind === "refused") {
        const calls = this.#store.jobs.callsOf(job.id);
        this.#emit({
          type: "job-refused",
          system: job.system,
          calls: calls.length,
          message: r.error.message,
        });
        for (const c of calls) this.#settleKey(c.key);
      } else if (r.kind === "unreachable") {
        // The job stays staged: the poll loop finds it by name or submits it again.
        if (this.#noteUnreachable(job.system, r.error)) {
          for (const c of this.#store.jobs.callsOf(job.id)) {
            const e = this.#entries.get(c.key);
            if (e) this.#giveUpUnreachable(e, r.error);
          }
        }
      } else {
        for (const c of this.#store.jobs.callsOf(job.id)) this.#settleKey(c.key);
      }
    } finally {
      this.#submitting.delete(job.id);
    }
  }

  /** Records that a system failed to answer; returns true once the limit is reached. */
  #noteUnreachable(system: string, e: unknown): boolean {
    const now = this.#clock.now();
    const u = this.#unreachable.get(system) ?? { since: now, attempt: 0 };
    u.attempt++;
    this.#unreachable.set(system, u);
    const message = e instanceof Error ? e.message : String(e);
    const retryInMs = this.#o.systems()[system]?.pollMs ?? 2000;
    const common = {
      system,
      attempt: u.attempt,
      sinceMs: now - u.since,
      limitMs: this.#unreachableLimitMs,
      retryInMs,
      message,
    };
    if (e instanceof TransportError) {
      this.#emit({ type: "waiting-for-host", host: e.target, ...common });
    } else {
      this.#emit({ type: "scheduler-unreachable", ...common });
    }
    return now - u.since >= this.#unreachableLimitMs;
  }

  #noteReachable(system: string): void {
    const u = this.#unreachable.get(system);
    if (!u) return;
    this.#unreachable.delete(system);
    this.#emit({ type: "system-reachable", system, afterMs: this.#clock.now() - u.since });
  }

  #giveUpUnreachable(entry: Entry, e: unknown): void {
    const system = entry.call.route.system;
    const u = this.#unreachable.get(system);
    const error = new JobFailedError({
      reason: "lost",
      detail: `system "${system}" could not be reached for ${
        Math.round((this.#clock.now() - (u?.since ?? this.#clock.now())) / 1000)
      } s (${u?.attempt ?? 1} attempts): ${e instanceof Error ? e.message : String(e)}`,
      system,
    }, { cause: e });
    if (!this.#store.jobs.inLiveJob(entry.call.key)) {
      this.#store.ledger.giveUp(
        entry.call.key,
        {
          reason: "lost",
          retryable: true,
          retryState: "max-restarts",
        },
        error.toStored(),
        this.#clock.now(),
      );
    }
    this.#settle(entry.call.key, {
      ok: false,
      error: error.toStored(),
      reason: "lost",
      retryState: "max-restarts",
    });
  }

  #ensurePolling(system: string): void {
    if (this.#loops.has(system) || this.#abort.signal.aborted) return;
    const loop = this.#pollLoop(system).catch((e) => {
      for (const [key, entry] of this.#entries) if (entry.system === system) this.#fail(key, e);
    }).finally(() => {
      this.#loops.delete(system);
      // Work may have arrived while the loop was ending.
      if (this.#hasWork(system)) this.#ensurePolling(system);
    });
    this.#loops.set(system, loop);
  }

  #hasWork(system: string): boolean {
    for (const e of this.#entries.values()) if (e.system === system) return true;
    return false;
  }

  async #pollLoop(systemName: string): Promise<void> {
    const link = this.#link(systemName);
    const pollMs = link.system.pollMs;
    const maxMs = this.#o.maxPollMs ?? Math.min(60_000, 30 * pollMs);
    let interval = pollMs;
    this.#cursor.set(systemName, this.#clock.now() - CURSOR_MARGIN_MS);
    while (this.#hasWork(systemName) && !this.#abort.signal.aborted) {
      try {
        await this.#clock.sleep(interval, this.#abort.signal);
      } catch {
        return;
      }
      let changed = 0;
      const now = this.#clock.now();
      try {
        if (this.#store.jobs.takePollTurn(systemName, this.#o.owner, now, pollMs)) {
          const report = await pollSystem(this.#store, link, {
            now,
            graceMs: this.#graceMs,
            submitting: this.#submitting,
            runAlive: this.#o.runAlive ?? ((id) => this.#runAlive(id)),
            submitGraceMs: this.#o.submitGraceMs ?? 60_000,
          });
          if (report.jobs > 0) this.#noteReachable(systemName); // it answered
          changed += report.decided.length + report.recovered.length;
          if (report.decided.length > 0) crashPoint("after-gather");
          for (const r of report.recovered) {
            this.#emit({ type: "job-recovered", system: systemName, job: r.job.name, how: r.how });
          }
          for (const p of report.pending) {
            this.#emit({
              type: "job-state",
              system: systemName,
              job: p.job.name,
              ...(p.job.schedulerId ? { schedulerId: p.job.schedulerId } : {}),
              state: "pending",
              reason: p.reason,
            });
          }
          for (const job of report.orphans) {
            changed++;
            this.#submitChain = this.#submitChain.then(() => this.#resubmit(link, job));
          }
          this.#emit({
            type: "job-poll",
            system: systemName,
            jobs: report.jobs,
            changed,
            nextMs: changed ? pollMs : Math.min(maxMs, Math.round(interval * 1.5)),
          });
        }
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        if (this.#noteUnreachable(systemName, e)) {
          for (const entry of [...this.#entries.values()]) {
            if (entry.system === systemName) this.#giveUpUnreachable(entry, e);
          }
          return;
        }
      }
      changed += this.#settleSystem(systemName);
      if (this.#kick.delete(systemName)) changed++;
      interval = changed ? pollMs : Math.min(maxMs, Math.round(interval * 1.5));
    }
  }

  async #resubmit(link: SystemLink, job: JobRecord): Promise<void> {
    const fresh = this.#store.jobs.getJob(job.id);
    if (!fresh || fresh.state !== "staged") return;
    try {
      await this.#submitJob(link, fresh, parseJobPlan(fresh.spec, fresh.name));
      this.#emit({ type: "job-recovered", system: job.system, job: job.name, how: "resubmitted" });
    } catch (e) {
      this.#emit({
        type: "remote-error",
        system: job.system,
        message: e instanceof Error ? e.message : String(e),
      });
    }
  }

  /** Settles the waiters of a system whose calls were decided since the last look. */
  #settleSystem(system: string): number {
    const since = this.#cursor.get(system) ?? 0;
    const now = this.#clock.now();
    const keys = this.#store.jobs.changedSince(system, since);
    // Another process's clock may lag a little: look a few seconds back (settling is idempotent).
    this.#cursor.set(system, now - CURSOR_MARGIN_MS);
    let n = 0;
    for (const key of keys) {
      if (this.#entries.has(key) && this.#settleKey(key)) n++;
    }
    return n;
  }

  /** Settles one waiter if its outcome is known; returns whether anything changed. */
  #settleKey(key: string): boolean {
    const entry = this.#entries.get(key);
    if (
      !entry || entry.phase === "batched" || entry.phase === "submitting" ||
      entry.phase === "restart-pending"
    ) {
      return false;
    }
    const latest = this.#store.jobs.latestCallOf(key);
    if (!latest) return false;
    const { job, call } = latest;
    entry.system = job.system;
    if (call.state === "pending") {
      if (job.state === "staged" || job.state === "submitted") return false;
      if (job.state === "refused") return this.#settleFromRow(key, "refused");
      // The job ended without deciding the call (cancelled by hand): restart it.
      return this.#retryOrGiveUp(
        entry,
        job,
        "cancelled-by-user",
        `job ${job.name} was ${job.state}`,
      );
    }
    if (call.state === "done" && call.resultRef) {
      this.#settle(key, { ok: true, resultRef: call.resultRef, system: job.system });
      return true;
    }
    const reason = (call.reason ?? "lost") as FailureReason;
    return this.#retryOrGiveUp(entry, job, reason, call.detail ?? reason);
  }

  #settleFromRow(key: string, fallback: FailureReason): boolean {
    const row = this.#store.getCall(key);
    const failure = row?.failure;
    this.#settle(key, {
      ok: false,
      error: row?.error ?? { name: "JobFailedError", message: "the call failed" },
      reason: failure?.reason ?? fallback,
      retryState: failure?.retryState ?? "non-retryable",
    });
    return true;
  }

  #retryOrGiveUp(entry: Entry, job: JobRecord, reason: FailureReason, detail: string): boolean {
    const key = entry.call.key;
    const attemptsStarted = this.#store.jobs.attemptsOf(key);
    const decision = decideRetry(reason, {
      attemptsStarted,
      restartsThisRun: entry.restartsThisRun,
    }, entry.call.route);
    if (decision.action === "restart") {
      if (!this.#move(entry, "retry")) return false;
      if (reason !== "not-started") entry.restartsThisRun++;
      entry.system = entry.call.route.system;
      this.#emit({
        type: "job-restart",
        system: job.system,
        job: job.name,
        calls: 1,
        reason,
        attempt: decision.attempt,
        keys: [key],
        ...(job.schedulerId ? { schedulerId: job.schedulerId } : {}),
      });
      this.#batcher.add(key);
      return true;
    }
    if (decision.retryState === "non-retryable") return this.#settleFromRow(key, reason);
    const error = new JobFailedError({
      reason,
      detail: `${detail} (after ${attemptsStarted} attempt${attemptsStarted === 1 ? "" : "s"})`,
      system: job.system,
      job: job.name,
      schedulerId: job.schedulerId,
    });
    const failure = { reason, retryable: true, retryState: decision.retryState };
    if (!this.#store.ledger.giveUp(key, failure, error.toStored(), this.#clock.now())) {
      return this.#settleFromRow(key, reason);
    }
    this.#settle(key, {
      ok: false,
      error: error.toStored(),
      reason,
      retryState: decision.retryState,
    });
    return true;
  }

  #runAlive(runId: number | null): boolean {
    if (runId === null || runId === this.#o.runId) return false;
    this.#store.markInterruptedRuns();
    return this.#store.getRun(runId)?.status === "running";
  }
}

/** Whether an error means the system or its scheduler could not be reached (transient). */
function isUnreachable(e: unknown): boolean {
  return (e instanceof TransportError && e.retryable) ||
    (e instanceof SchedulerCommandError && e.unreachable);
}
