/**
 * Submission (folder private): batches of remote calls grouped by route and attempt, packed
 * into array elements, planned within the system's limits, recorded through the ledger and
 * staged and submitted; failures of the system (unreachable) wait and retry, others refuse
 * the calls.
 *
 * @module
 */
import { type JobRecord, stepDurations } from "../store/mod.ts";
import { lintSystem, type System } from "../systems/mod.ts";
import { type AutoRound, decideAutoRound } from "./auto_probe.ts";
import { type Entry, isUnreachable, type RuntimeState } from "./_runtime_state.ts";
import { expandInputFiles } from "./input_files.ts";
import { jobEnv, jobLayout, wrapperBody } from "./job_layout.ts";
import { type JobPlan, parseJobPlan } from "./job_plan.ts";
import {
  autoBoundMs,
  elementPacking,
  jobName,
  jobResources,
  packElements,
  planArrays,
} from "./job_planner.ts";
import { stageAndSubmit } from "./submitter.ts";
import type { SystemLink } from "./system_link.ts";

const encoder = new TextEncoder();

/** The submitting part of a remote runtime. */
export class JobSubmission {
  readonly #s: RuntimeState;

  /**
   * @param state The runtime's state.
   */
  constructor(state: RuntimeState) {
    this.#s = state;
  }

  async flush(keys: readonly string[]): Promise<void> {
    const groups = new Map<string, { entries: Entry[]; attempt: number }>();
    for (const key of keys) {
      const entry = this.#s.entries.get(key);
      if (!entry || !this.#s.move(entry, "flushed")) continue;
      const attempt = this.#s.store.jobs.attemptsOf(key) + 1;
      const c = entry.call;
      const id = [c.route.system, c.routeKey, c.step, c.module, attempt].join("\0");
      let g = groups.get(id);
      if (!g) groups.set(id, g = { entries: [], attempt });
      g.entries.push(entry);
    }
    for (const g of groups.values()) {
      try {
        await this.submitGroup(g.entries, g.attempt);
      } catch (e) {
        this.submitFailed(g.entries, e);
      }
    }
  }

  submitFailed(entries: readonly Entry[], e: unknown): void {
    const system = entries[0].call.route.system;
    const left = entries.filter((x) =>
      this.#s.entries.get(x.call.key) === x && x.phase === "submitting"
    );
    if (isUnreachable(e)) {
      if (this.#s.noteUnreachable(system, e)) {
        for (const x of left) this.#s.giveUpUnreachable(x, e);
        return;
      }
      for (const x of left) this.#s.move(x, "unrecorded");
      const pause = this.#s.o.systems()[system]?.pollMs ?? 2000;
      void this.#s.clock.sleep(pause, this.#s.abort.signal).then(() => {
        for (const x of left) if (x.phase === "batched") this.#s.batcher.add(x.call.key);
      }, () => {});
      return;
    }
    if (this.#s.abort.signal.aborted) {
      for (const x of left) this.#s.fail(x.call.key, e);
      return;
    }
    // Anything else (a bad config, authentication, a bundle that cannot be built) will not
    // mend by itself within this run: the calls fail as refused, retried by a later run.
    const message = e instanceof Error ? e.message : String(e);
    this.#s.emit({ type: "job-refused", system, calls: left.length, message });
    for (const x of left) this.#s.refuse(x, message, e);
  }

  async submitGroup(entries: Entry[], attempt: number): Promise<void> {
    const first = entries[0].call;
    const route = first.route;
    const link = this.#s.link(route.system);
    const system = link.system;
    // What can never work (a relative rundir, a header line that is no directive, ...) is
    // refused before anything is sent, with the same checks as `drover systems check`.
    const problems = lintSystem(system);
    if (problems.length > 0) {
      const message = `Cannot submit to system "${system.name}": ${problems[0].message}`;
      this.#s.emit({ type: "job-refused", system: system.name, calls: entries.length, message });
      for (const x of entries) this.#s.refuse(x, message);
      return;
    }
    let resources: JobPlan["resources"];
    try {
      resources = jobResources(system, route, attempt);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // No partition can take these resources: refused before anything is submitted.
      this.#s.emit({
        type: "job-refused",
        system: system.name,
        calls: entries.length,
        message: e.message,
      });
      for (const x of entries) this.#s.refuse(x, e.message);
      return;
    }
    // The bundle and what the system says are independent: wait for them together.
    const [bundle, limits, rundir, deno] = await Promise.all([
      this.#s.bundle(first.module),
      link.limits(),
      link.rundir(),
      link.deno(),
    ]);
    const bundleRef = this.#s.store.objects.put(bundle.bytes, bundle.hash);
    this.#s.noteReachable(system.name);
    const auto = route.inputsPerJob === "auto"
      ? this.autoRound(entries, attempt, resources, system)
      : undefined;
    if (auto?.send.length === 0) return;
    const { perElement } = auto?.round.kind === "probe"
      ? { perElement: 1 }
      : elementPacking(route, {
        calls: entries.length,
        durationsMs: auto?.round.kind === "pack" ? auto.round.durationsMs : [],
        resources,
        system,
      });
    let elements = packElements(auto?.send ?? entries, perElement);
    while (elements.length > 0) {
      if (this.#s.abort.signal.aborted) return;
      const { now, later } = planArrays(elements, {
        maxArraySize: limits.maxArraySize,
        maxJobs: system.maxJobs,
        inFlight: this.inFlight(link),
      });
      for (const array of now) {
        await this.submitArray(link, array, {
          attempt,
          resources,
          bundleRef,
          rundir,
          deno,
          perElement,
        });
      }
      elements = later;
      if (later.length > 0) await this.#s.clock.sleep(system.pollMs, this.#s.abort.signal);
    }
  }

  /**
   * An `"auto"` batch: what goes now (all, a probe, or nothing) and the round decided; calls
   * held back go back to the batcher once the step's probe ends (auto_probe.ts).
   */
  autoRound(
    entries: readonly Entry[],
    attempt: number,
    resources: JobPlan["resources"],
    system: System,
  ): { round: AutoRound; send: readonly Entry[] } {
    const c = entries[0].call;
    const group = [c.route.system, c.routeKey, c.step, c.module].join("\0");
    const round = decideAutoRound({
      calls: entries.length,
      durationsMs: stepDurations(this.#s.store, c.step),
      attempt,
      probe: this.#s.probes.get(group),
    });
    if (round.kind === "pack") return { round, send: entries };
    const send = round.kind === "probe" ? entries.slice(0, round.count) : [];
    const held = entries.slice(send.length);
    for (const x of held) this.#s.move(x, "unrecorded");
    const ended = round.kind === "probe"
      ? this.#s.probes.start(
        group,
        send.map((x) => x.call.key),
        autoBoundMs(c.route, resources, system),
      )
      : this.#s.probes.ended(group);
    void ended.then(() => {
      for (const x of held) if (x.phase === "batched") this.#s.batcher.add(x.call.key);
    });
    return { round, send };
  }

  /** Elements in flight on a system: this project's, and other projects' of the user. */
  inFlight(link: SystemLink): number {
    const name = link.system.name;
    const own = this.#s.store.jobs.elementsInFlight(name);
    const live = this.#s.store.jobs.listJobs({ system: name, states: ["staged", "submitted"] });
    return own + link.othersInFlight(new Set(live.map((j) => j.name)));
  }

  async submitArray(
    link: SystemLink,
    elements: readonly (readonly Entry[])[],
    ctx: {
      attempt: number;
      resources: JobPlan["resources"];
      bundleRef: string;
      rundir: string;
      deno: string;
      perElement: number;
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
      packed: true,
    });
    const script = link.driver.render({
      name,
      array: { size: elements.length, throttle: Math.min(elements.length, system.maxJobs) },
      resources: ctx.resources,
      header: system.header,
      setup: [...system.setup, ...(first.route.setup ?? [])],
      env: { ...first.route.env, ...jobEnv(layout, dir) },
      workdir: dir.dir,
      body: wrapperBody(ctx.deno, layout.object(ctx.bundleRef), dir, system.access),
      stdout: dir.log("stdout"),
      stderr: dir.log("stderr"),
    });
    const files = expandInputFiles(first.route.inputFiles, this.#s.o.cwd ?? Deno.cwd()).map((
      f,
    ) => ({
      target: f.target,
      ref: this.#s.store.objects.put(Deno.readFileSync(f.source)),
      ...(f.mode === undefined ? {} : { mode: f.mode }),
    }));
    const plan: JobPlan = {
      routeKey: first.routeKey,
      module: first.module,
      inputsPerJob: ctx.perElement,
      maxRestarts: first.route.maxRestarts,
      resources: ctx.resources,
      bundle: ctx.bundleRef,
      manifest: this.#s.store.objects.put(encoder.encode(manifest)),
      script: this.#s.store.objects.put(encoder.encode(script)),
      files,
      env: first.route.env,
    };
    const inputs = new Map<string, Uint8Array>();
    // One transaction for all the inputs (not one commit each).
    this.#s.store.transaction(() => {
      for (const el of elements) {
        for (const e of el) {
          this.#s.store.objects.put(e.call.inputs, e.call.inputsRef);
          inputs.set(e.call.inputsRef, e.call.inputs);
        }
      }
    });
    const now = this.#s.clock.now();
    const recorded = this.#s.store.ledger.enqueueJob(
      {
        name,
        system: system.name,
        step: first.step,
        size: elements.length,
        attempt: ctx.attempt,
        spec: { ...plan },
        dir: dir.dir,
        runId: this.#s.o.runId,
        createdAt: now,
      },
      elements.flatMap((el, i) =>
        el.map((e) => ({ key: e.call.key, element: i, inputsRef: e.call.inputsRef }))
      ),
      { owner: this.#s.o.owner, now, leaseMs: this.#s.leaseMs },
    );
    if ("conflicts" in recorded) {
      // Another live process holds some of these calls: wait for its outcome instead.
      const held = new Set(recorded.conflicts);
      for (const key of held) {
        const e = this.#s.entries.get(key);
        if (e) this.#s.move(e, "held-by-other");
        const latest = this.#s.store.jobs.latestCallOf(key);
        if (latest) {
          this.#s.emit({
            type: "job-attached",
            system: system.name,
            job: latest.job.name,
            keys: [key],
          });
        }
        // It may have been decided already (the cursor of the poll loop would miss it).
        this.#s.watcher.settleKey(key);
      }
      const rest = elements.map((el) => el.filter((e) => !held.has(e.call.key)))
        .filter((el) => el.length > 0);
      if (rest.length > 0) await this.submitArray(link, rest, ctx);
      return;
    }
    for (const el of elements) for (const e of el) this.#s.move(e, "recorded");
    const job = this.#s.store.jobs.getJob(recorded.jobId)!;
    await this.submitJob(link, job, plan, inputs);
  }

  async submitJob(
    link: SystemLink,
    job: JobRecord,
    plan: JobPlan,
    inputs?: ReadonlyMap<string, Uint8Array>,
  ): Promise<void> {
    this.#s.submitting.add(job.id);
    try {
      const r = await stageAndSubmit(link, job, {
        store: this.#s.store,
        clock: this.#s.clock,
        plan,
        inputs,
        signal: this.#s.abort.signal,
      });
      if (r.kind === "submitted") {
        this.#s.noteReachable(job.system);
        this.#s.kick.add(job.system);
        // The job's calls are read once (a thousand rows each time).
        const keys = this.#s.store.jobs.callsOf(job.id).map((c) => c.key);
        this.#s.emit({
          type: "job-submitted",
          system: job.system,
          job: job.name,
          schedulerId: r.schedulerId,
          elements: job.size,
          calls: keys.length,
          attempt: job.attempt,
          keys,
        });
      } else if (r.kind === "refused") {
        const calls = this.#s.store.jobs.callsOf(job.id);
        this.#s.emit({
          type: "job-refused",
          system: job.system,
          calls: calls.length,
          message: r.error.message,
        });
        for (const c of calls) this.#s.watcher.settleKey(c.key);
      } else if (r.kind === "unreachable") {
        // The job stays staged: the poll loop finds it by name or submits it again.
        if (this.#s.noteUnreachable(job.system, r.error)) {
          for (const c of this.#s.store.jobs.callsOf(job.id)) {
            const e = this.#s.entries.get(c.key);
            if (e) this.#s.giveUpUnreachable(e, r.error);
          }
        }
      } else {
        for (const c of this.#s.store.jobs.callsOf(job.id)) this.#s.watcher.settleKey(c.key);
      }
    } finally {
      this.#s.submitting.delete(job.id);
    }
  }

  async resubmit(link: SystemLink, job: JobRecord): Promise<void> {
    const fresh = this.#s.store.jobs.getJob(job.id);
    if (!fresh || fresh.state !== "staged") return;
    try {
      await this.submitJob(link, fresh, parseJobPlan(fresh.spec, fresh.name));
      this.#s.emit({
        type: "job-recovered",
        system: job.system,
        job: job.name,
        how: "resubmitted",
      });
    } catch (e) {
      this.#s.emit({
        type: "remote-error",
        system: job.system,
        message: e instanceof Error ? e.message : String(e),
      });
    }
  }
}
