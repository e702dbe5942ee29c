/**
 * The shared state of one `RemoteRuntime` and the small moves on it (folder
 * private): waiting calls and their in-memory phase, links, bundles, the unreachable
 * streak of each system. Submission ({@link ./job_submission.ts}) and watching
 * ({@link ./watch_loop.ts}) work on it.
 *
 * @module
 */
import type { Store } from "../store/mod.ts";
import type { RemoteRuntimeOptions } from "./remote_runtime.ts";
import { SchedulerCommandError } from "../scheduler/mod.ts";
import { TransportError } from "../transport/mod.ts";
import { ProbeBook } from "./auto_probe.ts";
import { Batcher } from "./batcher.ts";
import { bundleStepModule, type StepBundle } from "./bundle.ts";
import { type RemoteCallEvent, type RemoteCallPhase, transition } from "./call_machine.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { RemoteCall, RemoteEvent, RemoteOutcome } from "./remote_call.ts";
import { JobFailedError } from "./retry_policy.ts";
import type { SystemLink } from "./system_link.ts";
import type { JobSubmission } from "./job_submission.ts";
import type { Watcher } from "./watch_loop.ts";

/** A call waited for. */
export interface Entry {
  readonly call: RemoteCall;
  phase: RemoteCallPhase;
  /** The system whose poll loop decides it. */
  system: string;
  restartsThisRun: number;
  readonly resolve: (outcome: RemoteOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** A system that does not answer, since when. */
export interface Unreachable {
  since: number;
  attempt: number;
}

/** The state shared by the parts of a `RemoteRuntime`. */
export class RuntimeState {
  readonly o: RemoteRuntimeOptions;
  readonly store: Store;
  readonly clock: Clock;
  readonly emit: (event: RemoteEvent) => void;
  readonly graceMs: number;
  readonly leaseMs: number;
  readonly unreachableLimitMs: number;
  readonly entries = new Map<string, Entry>();
  readonly links = new Map<string, SystemLink>();
  readonly bundles = new Map<string, Promise<StepBundle>>();
  readonly loops = new Map<string, Promise<void>>();
  readonly submitting = new Set<number>();
  readonly unreachable = new Map<string, Unreachable>();
  /** Per system, the sequence of the last job-call change the watch loop looked at. */
  readonly cursor = new Map<string, number>();
  readonly kick = new Set<string>();
  readonly abort = new AbortController();
  readonly batcher: Batcher<string>;
  /** Probes of `inputsPerJob: "auto"` routes (auto_probe.ts). */
  readonly probes: ProbeBook;
  submitChain: Promise<void> = Promise.resolve();
  /** Set by the runtime right after construction. */
  submitter!: JobSubmission;
  /** Set by the runtime right after construction. */
  watcher!: Watcher;

  /**
   * @param options The runtime's options.
   */
  constructor(options: RemoteRuntimeOptions) {
    this.o = options;
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.emit = (e) => {
      try {
        options.onEvent?.(e);
      } catch {
        // A faulty listener must not break the runtime.
      }
    };
    this.graceMs = options.graceMs ?? 60_000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.unreachableLimitMs = options.unreachableLimitMs ?? 600_000;
    this.probes = new ProbeBook({
      clock: this.clock,
      settled: (key) => !this.entries.has(key),
      startedAt: (keys) => this.#startedAt(keys),
      signal: this.abort.signal,
    });
    this.batcher = new Batcher({
      clock: this.clock,
      windowMs: options.batchMs ?? 20,
      flush: (keys) => {
        this.submitChain = this.submitChain.then(() => this.submitter.flush(keys));
        return this.submitChain;
      },
    });
  }

  move(entry: Entry, event: RemoteCallEvent): boolean {
    const next = transition(entry.phase, event);
    if (next === undefined) return false;
    entry.phase = next;
    return true;
  }

  settle(key: string, outcome: RemoteOutcome): void {
    const entry = this.entries.get(key);
    if (
      !entry ||
      !this.move(
        entry,
        outcome.ok ? "decided" : outcome.reason === "refused" ? "refused" : "decided",
      )
    ) return;
    this.entries.delete(key);
    entry.resolve(outcome);
    this.probes.noteSettled();
  }

  fail(key: string, error: unknown): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.reject(error);
    this.probes.noteSettled();
  }

  /** When the first element holding one of these calls was seen running (ms). */
  #startedAt(keys: readonly string[]): number | undefined {
    let first: number | undefined;
    for (const key of keys) {
      const latest = this.store.jobs.latestCallOf(key);
      if (!latest) continue;
      const el = this.store.jobs.elementsOf(latest.job.id)
        .find((e) => e.element === latest.call.element && e.state === "running");
      if (el && (first === undefined || el.since < first)) first = el.since;
    }
    return first;
  }

  link(name: string): SystemLink {
    let link = this.links.get(name);
    if (!link) {
      const systems = this.o.systems();
      const system = systems[name];
      if (!system) {
        const known = Object.keys(systems);
        throw new TypeError(
          `Cannot run on system "${name}": it is not in the systems config (${
            known.length ? `known: ${known.join(", ")}` : "no systems are configured"
          })`,
        );
      }
      link = this.o.connect(system);
      this.links.set(name, link);
    }
    return link;
  }

  bundle(module: string): Promise<StepBundle> {
    let p = this.bundles.get(module);
    if (!p) {
      p = (this.o.bundle ?? bundleStepModule)(module);
      this.bundles.set(module, p);
      p.catch(() => this.bundles.delete(module));
    }
    return p;
  }

  noteUnreachable(system: string, e: unknown): boolean {
    const now = this.clock.now();
    const u = this.unreachable.get(system) ?? { since: now, attempt: 0 };
    u.attempt++;
    this.unreachable.set(system, u);
    const message = e instanceof Error ? e.message : String(e);
    const retryInMs = this.o.systems()[system]?.pollMs ?? 2000;
    const common = {
      system,
      attempt: u.attempt,
      sinceMs: now - u.since,
      limitMs: this.unreachableLimitMs,
      retryInMs,
      message,
    };
    if (e instanceof TransportError) {
      this.emit({ type: "waiting-for-host", host: e.target, ...common });
    } else {
      this.emit({ type: "scheduler-unreachable", ...common });
    }
    return now - u.since >= this.unreachableLimitMs;
  }

  noteReachable(system: string): void {
    const u = this.unreachable.get(system);
    if (!u) return;
    this.unreachable.delete(system);
    this.emit({ type: "system-reachable", system, afterMs: this.clock.now() - u.since });
  }

  giveUpUnreachable(entry: Entry, e: unknown): void {
    const system = entry.call.route.system;
    const u = this.unreachable.get(system);
    const error = new JobFailedError({
      reason: "lost",
      detail: `system "${system}" could not be reached for ${
        Math.round((this.clock.now() - (u?.since ?? this.clock.now())) / 1000)
      } s (${u?.attempt ?? 1} attempts): ${e instanceof Error ? e.message : String(e)}`,
      system,
    }, { cause: e });
    if (!this.store.jobs.inLiveJob(entry.call.key)) {
      this.store.ledger.giveUp(
        entry.call.key,
        {
          reason: "lost",
          retryable: true,
          retryState: "max-restarts",
        },
        error.toStored(),
        this.clock.now(),
      );
    }
    this.settle(entry.call.key, {
      ok: false,
      error: error.toStored(),
      reason: "lost",
      retryState: "max-restarts",
    });
  }

  refuse(entry: Entry, message: string, cause?: unknown): void {
    const error = new JobFailedError(
      { reason: "refused", detail: message, system: entry.call.route.system },
      { cause },
    );
    this.store.ledger.giveUp(
      entry.call.key,
      {
        reason: "refused",
        retryable: true,
        retryState: "refused",
      },
      error.toStored(),
      this.clock.now(),
    );
    this.settle(entry.call.key, {
      ok: false,
      error: error.toStored(),
      reason: "refused",
      retryState: "refused",
    });
  }
}

/** Whether an error means the system or its scheduler could not be reached (transient). */
export function isUnreachable(e: unknown): boolean {
  return (e instanceof TransportError && e.retryable) ||
    (e instanceof SchedulerCommandError && e.unreachable);
}
