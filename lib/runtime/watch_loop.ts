/**
 * Watching (folder private): one poll loop per system (politely paced, backing off while
 * nothing changes, quick looks at the markers while elements are young (see poll_pace.ts), sharing the store's poll turn with other processes), settling waiting
 * calls from what was decided, and the retry decision for each failed one.
 *
 * @module
 */
import type { FailureReason, JobRecord } from "../store/mod.ts";
import { crashPoint } from "./_crash.ts";
import { type Entry, isUnreachable, type RuntimeState } from "./_runtime_state.ts";
import { pollPace } from "./poll_pace.ts";
import { pollSystem } from "./poller.ts";
import { decideRetry, JobFailedError } from "./retry_policy.ts";

/** The watching part of a remote runtime. */
export class Watcher {
  readonly #s: RuntimeState;

  /**
   * @param state The runtime's state.
   */
  constructor(state: RuntimeState) {
    this.#s = state;
  }

  ensurePolling(system: string): void {
    if (this.#s.loops.has(system) || this.#s.abort.signal.aborted) return;
    const loop = this.pollLoop(system).catch((e) => {
      for (const [key, entry] of this.#s.entries) if (entry.system === system) this.#s.fail(key, e);
    }).finally(() => {
      this.#s.loops.delete(system);
      // Work may have arrived while the loop was ending.
      if (this.hasWork(system)) this.ensurePolling(system);
    });
    this.#s.loops.set(system, loop);
  }

  hasWork(system: string): boolean {
    for (const e of this.#s.entries.values()) if (e.system === system) return true;
    return false;
  }

  async pollLoop(systemName: string): Promise<void> {
    const link = this.#s.link(systemName);
    const pollMs = link.system.pollMs;
    const maxMs = this.#s.o.maxPollMs ?? Math.min(60_000, 30 * pollMs);
    let interval = pollMs;
    // Changes from here on are read by sequence; what was decided before is looked at once.
    this.#s.store.jobs.pruneChanges();
    this.#s.cursor.set(systemName, this.#s.store.jobs.changeCursor());
    this.settleAll(systemName);
    while (this.hasWork(systemName) && !this.#s.abort.signal.aborted) {
      // Quick looks while elements are young, between the scheduler's answers.
      const wait = this.pace(systemName, interval);
      link.reuseStatus(wait < pollMs);
      try {
        await this.#s.clock.sleep(wait, this.#s.abort.signal);
      } catch {
        return;
      }
      let changed = 0;
      const now = this.#s.clock.now();
      try {
        if (this.#s.store.jobs.takePollTurn(systemName, this.#s.o.owner, now, pollMs)) {
          const live = (): string[] =>
            this.#s.store.jobs.listJobs({ system: systemName, states: ["staged", "submitted"] })
              .map((j) => j.name);
          const before = live();
          const report = await pollSystem(this.#s.store, link, {
            now,
            graceMs: this.#s.graceMs,
            submitting: this.#s.submitting,
            runAlive: this.#s.o.runAlive ?? ((id) => this.runAlive(id)),
            submitGraceMs: this.#s.o.submitGraceMs ?? 60_000,
          });
          if (report.jobs > 0) this.#s.noteReachable(systemName); // it answered
          const after = new Set(live());
          link.jobsEnded(before.filter((name) => !after.has(name)));
          changed += report.decided.length + report.recovered.length;
          if (report.decided.length > 0) crashPoint("after-gather");
          for (const r of report.recovered) {
            this.#s.emit({
              type: "job-recovered",
              system: systemName,
              job: r.job.name,
              how: r.how,
            });
          }
          for (const p of report.pending) {
            this.#s.emit({
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
            this.#s.submitChain = this.#s.submitChain.then(() =>
              this.#s.submitter.resubmit(link, job)
            );
          }
          this.#s.emit({
            type: "job-poll",
            system: systemName,
            jobs: report.jobs,
            changed,
            nextMs: changed ? pollMs : Math.min(maxMs, Math.round(interval * 1.5)),
          });
        }
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        if (this.#s.noteUnreachable(systemName, e)) {
          for (const entry of [...this.#s.entries.values()]) {
            if (entry.system === systemName) this.#s.giveUpUnreachable(entry, e);
          }
          return;
        }
      }
      changed += this.settleSystem(systemName);
      if (this.#s.kick.delete(systemName)) changed++;
      interval = changed ? pollMs : Math.min(maxMs, Math.round(interval * 1.5));
    }
  }

  /** How long to wait before the next look at a system (see {@linkcode pollPace}). */
  pace(system: string, backoffMs: number): number {
    const jobs = this.#s.store.jobs.listJobs({ system, states: ["staged", "submitted"] });
    return pollPace(
      jobs.map((job) => ({
        submittedAt: job.state === "submitted" ? job.submittedAt ?? job.createdAt : null,
        elements: this.#s.store.jobs.elementsOf(job.id),
      })),
      { now: this.#s.clock.now(), backoffMs },
    );
  }

  settleSystem(system: string): number {
    const since = this.#s.cursor.get(system) ?? 0;
    // With no live job left on the system, every waiting call is settled from the store (a
    // call another process decided while this one attached to its job), as it is when the
    // change log was pruned past this loop's cursor.
    const live = this.#s.store.jobs.listJobs({ system, states: ["staged", "submitted"] }).length;
    if (live === 0) {
      this.#s.cursor.set(system, this.#s.store.jobs.changeCursor());
      return this.settleAll(system);
    }
    const changed = this.#s.store.jobs.changedSince(system, since);
    this.#s.cursor.set(system, changed.cursor);
    return changed.complete ? this.#settleKeys(changed.keys) : this.settleAll(system);
  }

  /**
   * Settles every waiting call of a system that the store has decided.
   *
   * @param system The system.
   * @returns How many settled.
   */
  settleAll(system: string): number {
    return this.#settleKeys(
      [...this.#s.entries.values()].filter((e) => e.system === system).map((e) => e.call.key),
    );
  }

  #settleKeys(keys: readonly string[]): number {
    let n = 0;
    for (const key of keys) {
      if (this.#s.entries.has(key) && this.settleKey(key)) n++;
    }
    return n;
  }

  settleKey(key: string): boolean {
    const entry = this.#s.entries.get(key);
    if (
      !entry || entry.phase === "batched" || entry.phase === "submitting" ||
      entry.phase === "restart-pending"
    ) {
      return false;
    }
    const latest = this.#s.store.jobs.latestCallOf(key);
    if (!latest) return false;
    const { job, call } = latest;
    entry.system = job.system;
    if (call.state === "pending") {
      if (job.state === "staged" || job.state === "submitted") return false;
      if (job.state === "refused") return this.settleFromRow(key, "refused");
      // The job ended without deciding the call (cancelled by hand): restart it.
      return this.retryOrGiveUp(
        entry,
        job,
        "cancelled-by-user",
        `job ${job.name} was ${job.state}`,
      );
    }
    if (call.state === "done" && call.resultRef) {
      this.#s.settle(key, { ok: true, resultRef: call.resultRef, system: job.system });
      return true;
    }
    const reason = (call.reason ?? "lost") as FailureReason;
    return this.retryOrGiveUp(entry, job, reason, call.detail ?? reason);
  }

  settleFromRow(key: string, fallback: FailureReason): boolean {
    const row = this.#s.store.getCall(key);
    const failure = row?.failure;
    this.#s.settle(key, {
      ok: false,
      error: row?.error ?? { name: "JobFailedError", message: "the call failed" },
      reason: failure?.reason ?? fallback,
      retryState: failure?.retryState ?? "non-retryable",
    });
    return true;
  }

  retryOrGiveUp(entry: Entry, job: JobRecord, reason: FailureReason, detail: string): boolean {
    const key = entry.call.key;
    const attemptsStarted = this.#s.store.jobs.attemptsOf(key);
    const decision = decideRetry(reason, {
      attemptsStarted,
      restartsThisRun: entry.restartsThisRun,
    }, entry.call.route);
    if (decision.action === "restart") {
      if (!this.#s.move(entry, "retry")) return false;
      if (reason !== "not-started") entry.restartsThisRun++;
      entry.system = entry.call.route.system;
      this.#s.emit({
        type: "job-restart",
        system: job.system,
        job: job.name,
        calls: 1,
        reason,
        attempt: decision.attempt,
        keys: [key],
        ...(job.schedulerId ? { schedulerId: job.schedulerId } : {}),
      });
      this.#s.batcher.add(key);
      return true;
    }
    if (decision.retryState === "non-retryable") return this.settleFromRow(key, reason);
    const error = new JobFailedError({
      reason,
      detail: `${detail} (after ${attemptsStarted} attempt${attemptsStarted === 1 ? "" : "s"})`,
      system: job.system,
      job: job.name,
      schedulerId: job.schedulerId,
    });
    const failure = { reason, retryable: true, retryState: decision.retryState };
    if (!this.#s.store.ledger.giveUp(key, failure, error.toStored(), this.#s.clock.now())) {
      return this.settleFromRow(key, reason);
    }
    this.#s.settle(key, {
      ok: false,
      error: error.toStored(),
      reason,
      retryState: decision.retryState,
    });
    return true;
  }

  runAlive(runId: number | null): boolean {
    if (runId === null || runId === this.#s.o.runId) return false;
    this.#s.store.runs.markInterrupted();
    return this.#s.store.runs.get(runId)?.status === "running";
  }
}
