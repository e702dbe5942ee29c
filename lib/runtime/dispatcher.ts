/**
 * The job runtime of one process: batches remote calls into job arrays, writes each job
 * to the store before submitting it, polls each system politely, gathers outcomes,
 * restarts what failed transiently, and re-attaches to jobs of earlier runs.
 *
 * @module
 */
import { dirname } from "node:path";
import { sha256Hex } from "../codec/mod.ts";
import { resourcesFor, type Route } from "../routing/mod.ts";
import {
  type FailureReason,
  type JobResources,
  type JobSpec,
  shellJoin,
  SubmitError,
} from "../scheduler/mod.ts";
import type { JobRecord, Store, StoredError } from "../store/mod.ts";
import { pickPartition, type System } from "../systems/mod.ts";
import { TransportError } from "../transport/mod.ts";
import { bundleStepModule } from "./bundle.ts";
import { crashPoint } from "./_crash.ts";
import { expandInputFiles } from "./input_files.ts";
import { exitMarkerPath, jobDir, logPath, manifestPath, objectPath } from "./job_files.ts";
import { type Clock, systemClock } from "./clock.ts";
import { failCall, jobFailure, pollJobs } from "./job_poller.ts";
import type { RemoteCall, RemoteEvent, RemoteOutcome } from "./remote_call.ts";
import type { SystemLink } from "./system_link.ts";

const encoder = new TextEncoder();

/** Options of {@linkcode RemoteDispatcher}. */
export interface DispatcherOptions {
  /** The project store. */
  readonly store: Store;
  /** The run of this process (jobs record it), or null. */
  readonly runId: number | null;
  /** The systems by name (read when first needed). */
  readonly systems: () => Readonly<Record<string, System>>;
  /** Connects a system (one link per system per process). */
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
  /** Whether a run (by id) is still alive. Default: asks the store. */
  readonly runAlive?: (runId: number | null) => boolean;
}

interface Waiter {
  readonly call: RemoteCall;
  readonly resolve: (outcome: RemoteOutcome) => void;
  readonly reject: (error: unknown) => void;
}

interface Pending {
  readonly call: RemoteCall;
  readonly attempt: number;
}

/** The route and calls of one job as written into its `spec`. */
interface JobPlan {
  readonly routeKey: string;
  readonly module: string;
  readonly inputsPerJob: number;
  readonly maxRestarts: number;
  readonly resources: JobResources;
  readonly bundle: string;
  readonly manifest: string;
  readonly script: string;
  /** Input files staged into the job directory: path there and object. */
  readonly files?: readonly { readonly target: string; readonly ref: string }[];
}

/**
 * Sends remote calls to systems and brings their outcomes back. One per session.
 */
export class RemoteDispatcher {
  readonly #store: Store;
  readonly #runId: number | null;
  readonly #systems: () => Readonly<Record<string, System>>;
  readonly #connect: (system: System) => SystemLink;
  readonly #clock: Clock;
  readonly #onEvent: (event: RemoteEvent) => void;
  readonly #graceMs: number;
  readonly #batchMs: number;
  readonly #maxPollMs: number | undefined;
  readonly #runAlive: (runId: number | null) => boolean;
  readonly #owner = `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
  readonly #links = new Map<string, SystemLink>();
  readonly #waiters = new Map<string, Waiter>();
  readonly #queue: Pending[] = [];
  readonly #polling = new Map<string, Promise<void>>();
  readonly #submitting = new Set<number>();
  readonly #missingSince = new Map<string, number>();
  readonly #bundles = new Map<string, Promise<{ bytes: Uint8Array; hash: string }>>();
  #submitChain: Promise<void> = Promise.resolve();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param options Store, systems, connector, clock, timings.
   */
  constructor(options: DispatcherOptions) {
    this.#store = options.store;
    this.#runId = options.runId;
    this.#systems = options.systems;
    this.#connect = options.connect;
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#graceMs = options.graceMs ?? 60_000;
    this.#batchMs = options.batchMs ?? 20;
    this.#maxPollMs = options.maxPollMs;
    this.#runAlive = options.runAlive ?? ((id) => this.#defaultRunAlive(id));
  }

  /**
   * Runs a call remotely: it joins the job array being gathered for its route and step,
   * and the promise settles when its outcome is known (after restarts of transient
   * failures, up to the route's `maxRestarts`).
   *
   * @param call The call.
   * @returns Its outcome.
   */
  run(call: RemoteCall): Promise<RemoteOutcome> {
    return this.#wait(call, () => {
      this.#queue.push({ call, attempt: this.#store.jobs.attemptsOf(call.key) + 1 });
      this.#scheduleFlush();
    });
  }

  /**
   * Re-attaches to a call that an earlier run (or this one) put in a job: waits for the job
   * if it is still live, restarts the call if its job failed transiently, or returns the
   * outcome already known.
   *
   * @param call The call, with the route that would send it now.
   * @returns Its outcome, or undefined when the call was never put in a job.
   */
  attach(call: RemoteCall): Promise<RemoteOutcome> | undefined {
    const latest = this.#store.jobs.latestCallOf(call.key);
    if (!latest) return undefined;
    return this.#wait(call, () => this.#settleKey(call.key), latest.job.system);
  }

  /** Keys waited for. */
  get waiting(): number {
    return this.#waiters.size;
  }

  #wait(call: RemoteCall, start: () => void, system = call.route.system): Promise<RemoteOutcome> {
    return new Promise<RemoteOutcome>((resolve, reject) => {
      this.#waiters.set(call.key, { call, resolve, reject });
      try {
        start();
        this.#ensurePolling(system);
      } catch (e) {
        this.#waiters.delete(call.key);
        reject(e);
      }
    });
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      const batch = this.#queue.splice(0);
      this.#submitChain = this.#submitChain.then(() => this.#submitBatch(batch));
    }, this.#batchMs);
  }

  async #submitBatch(batch: readonly Pending[]): Promise<void> {
    const groups = new Map<string, Pending[]>();
    for (const p of batch) {
      const id = [p.call.route.system, p.call.routeKey, p.call.step, p.call.module, p.attempt]
        .join("\0");
      groups.set(id, [...(groups.get(id) ?? []), p]);
    }
    for (const group of groups.values()) {
      try {
        await this.#submitGroup(group.map((p) => p.call), group[0].attempt);
      } catch (e) {
        if (!(e instanceof TransportError && e.retryable)) {
          for (const p of group) this.#fail(p.call.key, e);
          continue;
        }
        // A dropped connection: staged jobs are recovered or resubmitted by polling; calls
        // that did not get as far as a job row are tried again after a pause.
        const system = group[0].call.route.system;
        this.#onEvent({ type: "remote-error", system, message: e.message });
        const unrecorded = group.filter((p) => {
          const latest = this.#store.jobs.latestCallOf(p.call.key);
          return !latest || latest.call.state !== "queued" ||
            !(latest.job.state === "staged" || latest.job.state === "submitted");
        });
        if (unrecorded.length > 0) {
          const pause = this.#systems()[system]?.pollMs ?? 2000;
          void this.#clock.sleep(pause).then(() => {
            this.#queue.push(...unrecorded);
            this.#scheduleFlush();
          });
        }
      }
      for (const p of group) {
        const w = this.#requeued.get(p.call.key);
        const latest = this.#store.jobs.latestCallOf(p.call.key);
        const live = latest?.call.state === "queued" &&
          (latest.job.state === "staged" || latest.job.state === "submitted");
        if (w && live) {
          this.#requeued.delete(p.call.key);
          this.#waiters.set(p.call.key, w);
        }
      }
    }
  }

  #linkFor(systemName: string): SystemLink {
    let link = this.#links.get(systemName);
    if (!link) {
      const systems = this.#systems();
      const system = systems[systemName];
      if (!system) {
        const known = Object.keys(systems);
        throw new TypeError(
          `Cannot run on system "${systemName}": it is not in the systems config (${
            known.length ? `known: ${known.join(", ")}` : "no systems are configured"
          })`,
        );
      }
      link = this.#connect(system);
      this.#links.set(systemName, link);
    }
    return link;
  }

  async #bundle(module: string): Promise<{ bytes: Uint8Array; hash: string }> {
    let p = this.#bundles.get(module);
    if (!p) {
      p = bundleStepModule(module);
      this.#bundles.set(module, p);
      p.catch(() => this.#bundles.delete(module));
    }
    return await p;
  }

  async #submitGroup(calls: readonly RemoteCall[], attempt: number): Promise<void> {
    const first = calls[0];
    const route = first.route;
    const link = this.#linkFor(route.system);
    const system = link.system;
    const resources = jobResources(system, route, attempt);
    const bundle = await this.#bundle(first.module);
    const bundleRef = this.#store.objects.put(bundle.bytes, bundle.hash);
    const limits = await link.limits();
    const perJob = Math.max(1, route.inputsPerJob);
    const elements: RemoteCall[][] = [];
    for (let i = 0; i < calls.length; i += perJob) elements.push(calls.slice(i, i + perJob));
    const maxSize = Math.max(1, Math.min(limits.maxArraySize, system.maxJobs));
    for (let start = 0; start < elements.length; start += maxSize) {
      const chunk = elements.slice(start, start + maxSize);
      await this.#waitForRoom(system, chunk.length);
      await this.#submitArray(link, chunk, {
        attempt,
        resources,
        bundleRef,
        routeKey: first.routeKey,
      });
    }
  }

  async #waitForRoom(system: System, size: number): Promise<void> {
    while (true) {
      const inFlight = this.#store.jobs.elementsInFlight(system.name);
      if (inFlight === 0 || inFlight + size <= system.maxJobs) return;
      await this.#clock.sleep(system.pollMs);
    }
  }

  async #submitArray(
    link: SystemLink,
    elements: readonly (readonly RemoteCall[])[],
    plan: { attempt: number; resources: JobResources; bundleRef: string; routeKey: string },
  ): Promise<void> {
    const system = link.system;
    const first = elements[0][0];
    const rundir = await link.rundir();
    const deno = await link.deno();
    const name = jobName(first.route.jobName ?? first.step);
    const dir = jobDir(rundir, name);
    const manifest = JSON.stringify({
      format: 1,
      step: first.step,
      bundle: plan.bundleRef,
      elements: elements.map((el) => el.map((c) => ({ key: c.key, inputs: c.inputsRef }))),
    });
    const spec: JobSpec = {
      name,
      array: { size: elements.length, throttle: Math.min(elements.length, system.maxJobs) },
      resources: plan.resources,
      header: system.header,
      setup: system.setup,
      env: { ...first.route.env, DROVER_RUNDIR: rundir, DROVER_JOB_DIR: dir },
      workdir: dir,
      body: jobBody(deno, objectPath(rundir, plan.bundleRef), dir),
      stdout: logPath(dir, "stdout"),
      stderr: logPath(dir, "stderr"),
    };
    const script = link.driver.render(spec);
    const files = expandInputFiles(first.route.inputFiles, Deno.cwd()).map((f) => ({
      target: f.target,
      ref: this.#store.objects.put(Deno.readFileSync(f.source)),
    }));
    const jobPlan: JobPlan = {
      routeKey: plan.routeKey,
      module: first.module,
      inputsPerJob: first.route.inputsPerJob,
      maxRestarts: first.route.maxRestarts,
      resources: plan.resources,
      bundle: plan.bundleRef,
      manifest: this.#store.objects.put(encoder.encode(manifest)),
      script: this.#store.objects.put(encoder.encode(script)),
      files,
    };
    const now = this.#clock.now();
    const jobId = this.#store.transaction(() => {
      const id = this.#store.jobs.createJob(
        {
          name,
          system: system.name,
          step: first.step,
          size: elements.length,
          attempt: plan.attempt,
          spec: { ...jobPlan },
          dir,
          runId: this.#runId,
          createdAt: now,
        },
        elements.flatMap((el, i) =>
          el.map((c) => ({ key: c.key, element: i, inputsRef: c.inputsRef }))
        ),
      );
      for (const c of elements.flat()) {
        this.#store.objects.put(c.inputs, c.inputsRef);
        const previous = this.#store.getCall(c.key);
        this.#store.putCall({
          key: c.key,
          step: c.step,
          state: "running",
          codeHash: c.codeHash,
          version: c.version,
          argHashes: c.argHashes,
          inputsRef: c.inputsRef,
          resultRef: null,
          error: null,
          runId: this.#runId,
          location: system.name,
          attempts: plan.attempt,
          createdAt: previous?.createdAt ?? c.createdAt ?? now,
          startedAt: now,
          endedAt: null,
        });
      }
      return id;
    });
    this.#submitting.add(jobId);
    try {
      await this.#stageAndSubmit(link, this.#store.jobs.getJob(jobId)!, elements.flat());
    } finally {
      this.#submitting.delete(jobId);
    }
  }

  /** Stages a recorded job's files and submits it; the job row exists already. */
  async #stageAndSubmit(
    link: SystemLink,
    job: JobRecord,
    calls?: readonly { inputsRef: string; inputs?: Uint8Array }[],
  ): Promise<void> {
    const plan = job.spec as unknown as JobPlan;
    const objects = this.#store.objects;
    const inputs = calls ??
      this.#store.jobs.callsOf(job.id).map((c) => ({ inputsRef: c.inputsRef }));
    const need = (hash: string): Uint8Array => {
      const bytes = objects.get(hash);
      if (!bytes) {
        throw new Error(`Cannot stage job ${job.name}: object ${hash} is missing from the store`);
      }
      return bytes;
    };
    await link.stageObjects([
      { hash: plan.bundle, bytes: () => need(plan.bundle) },
      ...inputs.map((c) => ({
        hash: c.inputsRef,
        bytes: () => ("inputs" in c && c.inputs) ? c.inputs : need(c.inputsRef),
      })),
    ]);
    const empty = new Uint8Array();
    await link.transport.writeFiles([
      { path: manifestPath(job.dir), data: need(plan.manifest) },
      { path: `${job.dir}/job.sh`, data: need(plan.script), mode: 0o755 },
      ...(plan.files ?? []).map((f) => ({ path: `${job.dir}/${f.target}`, data: need(f.ref) })),
      { path: `${dirname(logPath(job.dir, "stdout", 0))}/.keep`, data: empty },
      { path: `${dirname(exitMarkerPath(job.dir, 0))}/.keep`, data: empty },
    ]);
    let schedulerId: string;
    try {
      crashPoint("before-submit");
      schedulerId = await link.driver.submit(link.transport, `${job.dir}/job.sh`);
      crashPoint("after-submit");
    } catch (e) {
      if (e instanceof SubmitError) {
        // The scheduler refused the job: nothing runs, nothing is stored as an outcome.
        this.#store.transaction(() => {
          this.#store.jobs.markEnded(job.id, "cancelled", this.#clock.now(), e.message);
          for (const c of this.#store.jobs.callsOf(job.id, "queued")) {
            this.#store.jobs.decideCall(job.id, c.key, {
              state: "failed",
              reason: "exception",
              detail: e.message,
            });
            this.#store.removeCalls({ keys: [c.key], states: ["running"] });
          }
        });
        for (const c of this.#store.jobs.callsOf(job.id)) this.#fail(c.key, e);
        return;
      }
      throw e; // A dropped connection: the job stays staged; polling finds it or resubmits it.
    }
    this.#store.jobs.markSubmitted(job.id, schedulerId, this.#clock.now());
    this.#submittedSince.add(job.system);
    this.#onEvent({
      type: "job-submitted",
      system: job.system,
      job: job.name,
      schedulerId,
      elements: job.size,
      calls: this.#store.jobs.callsOf(job.id).length,
      attempt: job.attempt,
    });
  }

  #ensurePolling(systemName: string): void {
    if (this.#polling.has(systemName)) return;
    const loop = this.#pollLoop(systemName).finally(() => this.#polling.delete(systemName));
    this.#polling.set(systemName, loop);
  }

  #hasWork(systemName: string): boolean {
    for (const w of [...this.#waiters.values(), ...this.#requeued.values()]) {
      if (w.call.route.system === systemName) return true;
    }
    return false;
  }

  async #pollLoop(systemName: string): Promise<void> {
    let link: SystemLink;
    try {
      link = this.#linkFor(systemName);
    } catch (e) {
      for (const [key, w] of this.#waiters) {
        if (w.call.route.system === systemName) this.#fail(key, e);
      }
      return;
    }
    const pollMs = link.system.pollMs;
    const maxMs = this.#maxPollMs ?? Math.min(60_000, 30 * pollMs);
    let interval = pollMs;
    while (this.#hasWork(systemName)) {
      await this.#clock.sleep(interval);
      let changed = 0;
      try {
        const now = this.#clock.now();
        if (this.#store.jobs.takePollTurn(systemName, this.#owner, now, pollMs)) {
          const report = await pollJobs(this.#store, link, {
            now,
            graceMs: this.#graceMs,
            missingSince: this.#missingSince,
            submitting: this.#submitting,
            runAlive: this.#runAlive,
          });
          changed += report.decided.length + report.recovered.length;
          if (report.decided.length > 0) crashPoint("after-gather");
          for (const r of report.recovered) {
            this.#onEvent({
              type: "job-recovered",
              system: systemName,
              job: r.job.name,
              how: r.how,
            });
          }
          for (const job of report.orphans) {
            this.#submitChain = this.#submitChain.then(() => this.#resubmit(link, job));
            changed++;
          }
          this.#onEvent({
            type: "job-poll",
            system: systemName,
            jobs: report.jobs,
            changed,
            nextMs: changed ? pollMs : Math.min(maxMs, interval * 1.5),
          });
        }
        changed += this.#settle(systemName);
      } catch (e) {
        this.#onEvent({
          type: "remote-error",
          system: systemName,
          message: e instanceof Error ? e.message : String(e),
        });
        if (!(e instanceof TransportError) || !e.retryable) {
          for (const [key, w] of this.#waiters) {
            if (w.call.route.system === systemName) this.#fail(key, e);
          }
          return;
        }
      }
      if (this.#submittedSince.delete(systemName)) changed++;
      interval = changed ? pollMs : Math.min(maxMs, Math.round(interval * 1.5));
    }
  }

  async #resubmit(link: SystemLink, job: JobRecord): Promise<void> {
    const fresh = this.#store.jobs.getJob(job.id);
    if (!fresh || fresh.state !== "staged") return;
    this.#submitting.add(job.id);
    try {
      await this.#stageAndSubmit(link, fresh);
      this.#onEvent({
        type: "job-recovered",
        system: job.system,
        job: job.name,
        how: "resubmitted",
      });
    } catch (e) {
      this.#onEvent({
        type: "remote-error",
        system: job.system,
        message: e instanceof Error ? e.message : String(e),
      });
    } finally {
      this.#submitting.delete(job.id);
    }
  }

  /** Settles the waiters of a system from the store; returns how many changed. */
  #settle(systemName: string): number {
    let n = 0;
    for (const [key, w] of [...this.#waiters]) {
      if (
        w.call.route.system !== systemName &&
        this.#store.jobs.latestCallOf(key)?.job.system !== systemName
      ) {
        continue;
      }
      if (this.#settleKey(key)) n++;
    }
    return n;
  }

  /** Settles one waiter if its outcome is known; returns whether anything changed. */
  #settleKey(key: string): boolean {
    const w = this.#waiters.get(key);
    if (!w) return false;
    const latest = this.#store.jobs.latestCallOf(key);
    if (!latest) return false;
    const { job, call } = latest;
    if (call.state === "queued") {
      if (job.state === "staged" || job.state === "submitted") return false;
      // The job ended without deciding the call (cancelled by hand): restart it.
      return this.#restartOrGiveUp(w, job, "cancelled", `job ${job.name} was ${job.state}`);
    }
    if (call.state === "done" && call.resultRef) {
      this.#waiters.delete(key);
      const row = this.#store.getCall(key);
      if (row && row.state !== "done") {
        this.#store.putCall({ ...row, state: "done", resultRef: call.resultRef, error: null });
      }
      w.resolve({ ok: true, resultRef: call.resultRef, system: job.system });
      return true;
    }
    const reason = (call.reason ?? "lost") as FailureReason;
    if (reason === "exception") {
      this.#waiters.delete(key);
      const row = this.#store.getCall(key);
      const error: StoredError = row?.state === "failed" && row.error
        ? row.error
        : jobFailure(job, reason, call.detail ?? "the step failed");
      w.resolve({ ok: false, error, reason });
      return true;
    }
    return this.#restartOrGiveUp(w, job, reason, call.detail ?? reason);
  }

  #restartOrGiveUp(w: Waiter, job: JobRecord, reason: FailureReason, detail: string): boolean {
    const key = w.call.key;
    const attempts = this.#store.jobs.attemptsOf(key);
    // Restarts are counted per run: a rerun after giving up tries again, as a user expects.
    const used = this.#restarts.get(key) ?? 0;
    if (used < w.call.route.maxRestarts) {
      this.#restarts.set(key, used + 1);
      this.#onEvent({
        type: "job-restart",
        system: job.system,
        job: job.name,
        calls: 1,
        reason,
        attempt: attempts + 1,
      });
      this.#queue.push({ call: w.call, attempt: attempts + 1 });
      this.#scheduleFlush();
      // The waiter stays: its outcome comes from the new job.
      this.#markRequeued(key);
      return true;
    }
    this.#waiters.delete(key);
    const error = jobFailure(job, reason, `${detail} (after ${attempts} attempts)`);
    const row = this.#store.getCall(key);
    if (row) failCall(this.#store, row, error, this.#clock.now());
    w.resolve({ ok: false, error, reason });
    return true;
  }

  /** Keeps a restarted call from being restarted twice before its new job is recorded. */
  #markRequeued(key: string): void {
    const w = this.#waiters.get(key);
    if (!w) return;
    this.#waiters.delete(key);
    this.#requeued.set(key, w);
  }

  readonly #requeued = new Map<string, Waiter>();
  readonly #restarts = new Map<string, number>();
  /** Systems that got a job since their last poll: polling starts again from `pollMs`. */
  readonly #submittedSince = new Set<string>();

  #fail(key: string, error: unknown): void {
    const w = this.#waiters.get(key) ?? this.#requeued.get(key);
    this.#waiters.delete(key);
    this.#requeued.delete(key);
    w?.reject(error);
  }

  #defaultRunAlive(runId: number | null): boolean {
    if (runId === null) return false;
    if (runId === this.#runId) return false;
    this.#store.markInterruptedRuns();
    return this.#store.getRun(runId)?.status === "running";
  }
}

/** The resources of a job for one attempt, with the partition that fits them. */
function jobResources(system: System, route: Route, attempt: number): JobResources {
  const r = resourcesFor(route, attempt);
  let partition = r.partition;
  if (partition === undefined && system.partitions.length > 0) {
    const fit = pickPartition(system, r);
    if (!fit) {
      throw new RangeError(
        `Cannot run on system "${system.name}": no partition fits ${JSON.stringify(r)}`,
      );
    }
    partition = fit.name;
  }
  return {
    ...(r.nodes === undefined ? {} : { nodes: r.nodes }),
    ...(r.cores === undefined ? {} : { cores: r.cores }),
    ...(r.time === undefined ? {} : { time: r.time }),
    ...(r.memory === undefined ? {} : { memory: r.memory }),
    ...(r.gpus === undefined ? {} : { gpus: r.gpus }),
    ...(partition === undefined ? {} : { partition }),
  };
}

/** A unique, scheduler-safe job name: `dr-<step>-<random>`. */
function jobName(base: string): string {
  const slug = base.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z]+/, "").slice(0, 40);
  return `dr-${slug || "step"}-${
    sha256Hex(crypto.getRandomValues(new Uint8Array(16))).slice(0, 10)
  }`;
}

/** The body of every job script: run the bundle, then record the exit code. */
function jobBody(deno: string, bundle: string, dir: string): string[] {
  const quoted = shellJoin([dirname(exitMarkerPath(dir, 0))]);
  return [
    "unset DROVER_REMOTE_INFO",
    "export DENO_NO_UPDATE_CHECK=1",
    "code=0",
    `${
      shellJoin([deno, "run", "-A", "--no-prompt", "--no-config", "--no-lock", bundle])
    } || code=$?`,
    `m=${quoted}/"$DROVER_ARRAY_INDEX".exit; printf '%s\\n' "$code" > "$m.tmp" && mv -f "$m.tmp" "$m"`,
    'exit "$code"',
  ];
}
