/**
 * {@linkcode ProgressState}: drover's event stream folded into counts per step, live
 * jobs and notices. Pure: time comes in with each event.
 *
 * @module
 */
import type { ProgressEvent } from "./events.ts";

/** Where one call stands. */
type CallPlace = "running" | "queued";

/** Counts of one step. */
export interface StepProgress {
  /** The step's name. */
  readonly step: string;
  /** Calls that ran to completion in this run. */
  readonly ran: number;
  /** Calls answered from the store with a result. */
  readonly cached: number;
  /** Calls that failed in this run, or whose stored failure was thrown again. */
  readonly failed: number;
  /** Calls running now, locally or in a job known to run. */
  readonly running: number;
  /** Calls routed to a system whose job is not known to run yet. */
  readonly queued: number;
  /** Estimated ms until the running and queued calls are done, once one call finished. */
  readonly etaMs: number | undefined;
}

/** What the reporter shows of one job. */
export interface JobProgress {
  /** The system. */
  readonly system: string;
  /** drover's job name. */
  readonly job: string;
  /** The scheduler's id, when known. */
  readonly schedulerId: string | undefined;
  /** Array elements, when known. */
  readonly elements: number | undefined;
  /** Steps of its calls, when its keys are known. */
  readonly steps: readonly string[];
  /** The latest thing known about it. */
  readonly state: "submitted" | "re-attached" | "pending" | "running" | "restarting";
  /** The scheduler's pending reason. */
  readonly reason: string | undefined;
  /** Attempt number (1 for the first submission). */
  readonly attempt: number;
}

/** A system-level problem the runtime is working around. */
export interface Notice {
  /** The system. */
  readonly system: string;
  /** One line. */
  readonly message: string;
  /** When it was noticed. */
  readonly at: number;
}

/** Totals of a run, for the closing line. */
export interface RunSummary {
  /** The run id, when a `run-start` event gave it. */
  readonly runId: string | undefined;
  /** Calls run to completion. */
  readonly ran: number;
  /** Calls answered from the store. */
  readonly cached: number;
  /** Calls that failed. */
  readonly failed: number;
  /** Jobs submitted (each restart's job counts too). */
  readonly jobs: number;
  /** Jobs or calls of an earlier run re-attached. */
  readonly reattached: number;
  /** Calls restarted after a transient failure. */
  readonly restarted: number;
  /** ms from the start to now. */
  readonly wallMs: number;
}

/** A failure as the reporter saw it. */
export interface FailureSeen {
  /** The step. */
  readonly step: string;
  /** The call key. */
  readonly key: string;
  /** "Name: message". */
  readonly error: string;
  /** Failures of this step so far, this one included. */
  readonly nth: number;
}

class StepStats {
  ran = 0;
  cached = 0;
  failed = 0;
  running = 0;
  queued = 0;
  doneMs = 0;
  doneCount = 0;
  maxActive = 0;
  constructor(readonly step: string) {}
}

interface JobStats {
  system: string;
  job: string;
  schedulerId: string | undefined;
  elements: number | undefined;
  keys: Set<string>;
  state: JobProgress["state"];
  reason: string | undefined;
  attempt: number;
  at: number;
}

/**
 * Folds drover's events into what a progress display needs. Unknown events are ignored,
 * so the runtime may emit more than this understands.
 *
 * @example
 * ```ts
 * import { ProgressState } from "./progress_state.ts";
 * import assert from "node:assert/strict";
 * const s = new ProgressState(0);
 * s.apply({ type: "call-cached", step: "relax", key: "k1" }, 10);
 * s.apply({ type: "call-start", step: "relax", key: "k2", location: "local" }, 20);
 * s.apply({ type: "call-done", step: "relax", key: "k2", location: "local", durationMs: 5 }, 25);
 * assert.deepEqual(s.steps()[0], {
 *   step: "relax", ran: 1, cached: 1, failed: 0, running: 0, queued: 0, etaMs: undefined,
 * });
 * assert.equal(s.summary(1000).wallMs, 1000);
 * ```
 */
export class ProgressState {
  readonly #startedAt: number;
  #runId: string | undefined;
  readonly #steps = new Map<string, StepStats>();
  readonly #calls = new Map<string, { step: string; place: CallPlace }>();
  readonly #jobs = new Map<string, JobStats>();
  readonly #jobOfKey = new Map<string, string>();
  readonly #notices = new Map<string, Notice>();
  #submitted = 0;
  #reattached = 0;
  #restarted = 0;

  /**
   * Creates an instance.
   *
   * @param startedAt When the run started (ms), for the wall time.
   */
  constructor(startedAt: number) {
    this.#startedAt = startedAt;
  }

  /** The run id from a `run-start` event. */
  get runId(): string | undefined {
    return this.#runId;
  }

  /** When the run started (ms). */
  get startedAt(): number {
    return this.#startedAt;
  }

  /**
   * Applies one event.
   *
   * @param event The event.
   * @param now The time it arrived (ms).
   * @returns The failure, when the event is a failed call (the reporter may print it).
   */
  apply(event: ProgressEvent, now: number): FailureSeen | undefined {
    switch (event.type) {
      case "run-start":
        this.#runId = event.runId;
        return;
      case "call-cached":
        if (event.failed) this.#stats(event.step).failed++;
        else this.#stats(event.step).cached++;
        return;
      case "call-start": {
        const s = this.#stats(event.step);
        const jobName = this.#jobOfKey.get(event.key);
        const place: CallPlace = event.location.startsWith("local") ||
            (jobName !== undefined && this.#jobs.get(jobName)?.state === "running")
          ? "running"
          : "queued";
        this.#leave(event.key);
        this.#calls.set(event.key, { step: event.step, place });
        s[place]++;
        s.maxActive = Math.max(s.maxActive, s.running + s.queued);
        return;
      }
      case "call-done": {
        this.#leave(event.key);
        const s = this.#stats(event.step);
        s.ran++;
        s.doneMs += event.durationMs;
        s.doneCount++;
        this.#settleJobOf(event.key);
        this.#forgetIdleJobs();
        return;
      }
      case "call-failed": {
        this.#leave(event.key);
        const s = this.#stats(event.step);
        s.failed++;
        this.#settleJobOf(event.key);
        this.#forgetIdleJobs();
        return { step: event.step, key: event.key, error: event.error, nth: s.failed };
      }
      case "job-submitted":
        this.#submitted++;
        this.#job(event.system, event.job, now, {
          schedulerId: event.schedulerId,
          elements: event.elements,
          keys: event.keys,
          state: "submitted",
          attempt: event.attempt,
        });
        this.#notices.delete(event.system);
        return;
      case "job-recovered":
        if (event.how !== "resubmitted") this.#reattached++;
        this.#job(event.system, event.job, now, {
          schedulerId: event.schedulerId,
          keys: event.keys,
          state: event.how === "resubmitted" ? "submitted" : "re-attached",
        });
        return;
      case "job-attached":
        this.#reattached++;
        this.#job(event.system, event.job, now, {
          schedulerId: event.schedulerId,
          keys: event.keys,
          state: "re-attached",
        });
        return;
      case "job-restart": {
        this.#restarted += event.calls;
        const job = this.#job(event.system, event.job, now, { state: "restarting" });
        // The calls wait for a new job; this one is left with the others, if any.
        for (const key of event.keys ?? []) {
          this.#move(key, "queued");
          this.#settleJobOf(key);
        }
        if (job.keys.size === 0 && event.keys?.length) this.#jobs.delete(event.job);
        return;
      }
      case "job-state": {
        const job = this.#job(event.system, event.job, now, {
          schedulerId: event.schedulerId,
          state: event.state,
        });
        job.reason = event.state === "pending" ? event.reason : undefined;
        if (event.state === "running") {
          for (const key of job.keys) this.#move(key, "running");
        }
        return;
      }
      case "job-poll":
        this.#notices.delete(event.system);
        return;
      case "remote-error":
        this.#notices.set(event.system, { system: event.system, message: event.message, at: now });
        return;
      case "waiting-for-host":
        this.#notices.set(event.system, {
          system: event.system,
          message: `waiting for ${event.host} (attempt ${event.attempt}): ${event.message}`,
          at: now,
        });
        return;
      case "scheduler-unreachable":
        this.#notices.set(event.system, {
          system: event.system,
          message: `scheduler unreachable: ${event.message}`,
          at: now,
        });
        return;
    }
  }

  /**
   * Counts per step, in order of first appearance.
   *
   * @returns One entry per step seen.
   */
  steps(): StepProgress[] {
    return [...this.#steps.values()].map((s) => ({
      step: s.step,
      ran: s.ran,
      cached: s.cached,
      failed: s.failed,
      running: s.running,
      queued: s.queued,
      etaMs: eta(s),
    }));
  }

  /**
   * Jobs not known to be finished, oldest first (all are finished once no call runs or waits).
   *
   * @returns The live jobs.
   */
  liveJobs(): JobProgress[] {
    return [...this.#jobs.values()].map((j) => ({
      system: j.system,
      job: j.job,
      schedulerId: j.schedulerId,
      elements: j.elements,
      steps: [...new Set([...j.keys].map((k) => this.#calls.get(k)?.step).filter(isString))],
      state: j.state,
      reason: j.reason,
      attempt: j.attempt,
    }));
  }

  /**
   * Current system problems, one per system.
   *
   * @returns The notices.
   */
  notices(): Notice[] {
    return [...this.#notices.values()];
  }

  /**
   * Totals so far.
   *
   * @param now The time (ms).
   * @returns The totals.
   */
  summary(now: number): RunSummary {
    let ran = 0, cached = 0, failed = 0;
    for (const s of this.#steps.values()) {
      ran += s.ran;
      cached += s.cached;
      failed += s.failed;
    }
    return {
      runId: this.#runId,
      ran,
      cached,
      failed,
      jobs: this.#submitted,
      reattached: this.#reattached,
      restarted: this.#restarted,
      wallMs: now - this.#startedAt,
    };
  }

  #stats(step: string): StepStats {
    let s = this.#steps.get(step);
    if (!s) this.#steps.set(step, s = new StepStats(step));
    return s;
  }

  #leave(key: string): void {
    const c = this.#calls.get(key);
    if (!c) return;
    this.#stats(c.step)[c.place]--;
    this.#calls.delete(key);
  }

  /** Once no call runs or waits, jobs whose keys were never given are finished too. */
  #forgetIdleJobs(): void {
    if (this.#calls.size > 0) return;
    this.#jobs.clear();
    this.#jobOfKey.clear();
  }

  #move(key: string, place: CallPlace): void {
    const c = this.#calls.get(key);
    if (!c || c.place === place) return;
    const s = this.#stats(c.step);
    s[c.place]--;
    s[place]++;
    c.place = place;
  }

  #job(
    system: string,
    name: string,
    now: number,
    update: {
      schedulerId?: string;
      elements?: number;
      keys?: readonly string[];
      state: JobProgress["state"];
      attempt?: number;
    },
  ): JobStats {
    let job = this.#jobs.get(name);
    if (!job) {
      job = {
        system,
        job: name,
        schedulerId: undefined,
        elements: undefined,
        keys: new Set(),
        state: update.state,
        reason: undefined,
        attempt: 1,
        at: now,
      };
      this.#jobs.set(name, job);
    }
    job.schedulerId = update.schedulerId ?? job.schedulerId;
    job.elements = update.elements ?? job.elements;
    job.attempt = update.attempt ?? job.attempt;
    job.state = update.state;
    job.reason = undefined;
    for (const key of update.keys ?? []) {
      const before = this.#jobOfKey.get(key);
      if (before !== undefined && before !== name) this.#settleJobOf(key);
      job.keys.add(key);
      this.#jobOfKey.set(key, name);
      if (update.state === "running") this.#move(key, "running");
    }
    return job;
  }

  /** A job whose calls are all settled is no longer live. */
  #settleJobOf(key: string): void {
    const name = this.#jobOfKey.get(key);
    if (name === undefined) return;
    this.#jobOfKey.delete(key);
    const job = this.#jobs.get(name);
    if (!job) return;
    job.keys.delete(key);
    if (job.keys.size === 0) this.#jobs.delete(name);
  }
}

function isString(x: string | undefined): x is string {
  return x !== undefined;
}

/** Mean measured call time × the waves of calls still to go at the parallelism seen. */
function eta(s: StepStats): number | undefined {
  const remaining = s.running + s.queued;
  if (s.doneCount === 0 || remaining === 0) return undefined;
  const mean = s.doneMs / s.doneCount;
  return mean * Math.ceil(remaining / Math.max(1, s.maxActive));
}
