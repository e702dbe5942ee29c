/** A scripted run: cached calls, local calls, a Slurm array, a restart, problems, a re-attach. */
import type { ProgressEvent } from "../../lib/report/mod.ts";

/** Events with the time (ms after start) they arrive. */
export const SCENARIO: readonly (readonly [number, ProgressEvent])[] = [
  [0, { type: "run-start", runId: "r-7f3a" }],
  ...[1, 2, 3, 4, 5].map((i) =>
    [2 * i, { type: "call-cached", step: "relax", key: `c${i}` }] as const
  ),
  [10, { type: "call-start", step: "relax", key: "l1", location: "local" }],
  [10, { type: "call-start", step: "relax", key: "l2abcdef0123456789", location: "local:isolate" }],
  ...[1, 2, 3, 4].map((i) =>
    [20, { type: "call-start", step: "relax", key: `r${i}`, location: "hpc" }] as const
  ),
  [30, { type: "call-start", step: "bands", key: "b1", location: "hpc" }],
  [30, { type: "call-start", step: "bands", key: "b2", location: "hpc" }],
  [40, {
    type: "job-attached",
    system: "hpc",
    job: "bands-1",
    schedulerId: "4100",
    keys: ["b1", "b2"],
  }],
  [50, {
    type: "job-submitted",
    system: "hpc",
    job: "relax-1",
    schedulerId: "4242",
    elements: 4,
    calls: 4,
    attempt: 1,
    keys: ["r1", "r2", "r3", "r4"],
  }],
  [60, {
    type: "job-state",
    system: "hpc",
    job: "relax-1",
    schedulerId: "4242",
    state: "pending",
    reason: "Priority",
  }],
  [70, {
    type: "job-state",
    system: "hpc",
    job: "relax-1",
    schedulerId: "4242",
    state: "pending",
    reason: "Priority",
  }],
  [80, { type: "job-state", system: "hpc", job: "bands-1", schedulerId: "4100", state: "running" }],
  [1200, { type: "call-done", step: "relax", key: "l1", location: "local", durationMs: 1190 }],
  [1300, {
    type: "call-failed",
    step: "relax",
    key: "l2abcdef0123456789",
    location: "local:isolate",
    error: "RangeError: fmax too small \x1b[31mred\x1b[0m",
  }],
  [5000, {
    type: "job-state",
    system: "hpc",
    job: "relax-1",
    schedulerId: "4242",
    state: "running",
  }],
  [5100, { type: "remote-error", system: "hpc", message: "Cannot poll hpc: connection reset" }],
  [5200, { type: "remote-error", system: "hpc", message: "Cannot poll hpc: connection reset" }],
  [6000, {
    type: "waiting-for-host",
    system: "hpc",
    host: "login.hpc.example",
    attempt: 2,
    retryInMs: 10_000,
    message: "connect ECONNREFUSED",
  }],
  [7000, {
    type: "scheduler-unreachable",
    system: "hpc",
    message: "squeue: error: slurm_load_jobs: Unable to contact slurm controller",
    retryInMs: 30_000,
  }],
  [8000, { type: "job-poll", system: "hpc", jobs: 2, changed: 1, nextMs: 30_000 }],
  [9000, {
    type: "job-restart",
    system: "hpc",
    job: "relax-1",
    schedulerId: "4242",
    calls: 1,
    reason: "timeout",
    attempt: 2,
    keys: ["r4"],
  }],
  [9000, {
    type: "job-submitted",
    system: "hpc",
    job: "relax-2",
    schedulerId: "4243",
    elements: 1,
    calls: 1,
    attempt: 2,
    keys: ["r4"],
  }],
  ...[1, 2, 3].map((i) =>
    [12_000, {
      type: "call-done",
      step: "relax",
      key: `r${i}`,
      location: "hpc",
      durationMs: 11_980,
    }] as const
  ),
  [15_000, { type: "call-done", step: "bands", key: "b1", location: "hpc", durationMs: 14_970 }],
  [15_000, { type: "call-done", step: "bands", key: "b2", location: "hpc", durationMs: 14_970 }],
  [20_000, { type: "call-start", step: "analyse", key: "a1", location: "local" }],
  [20_000, { type: "code-identity", step: "analyse", hash: "h", cached: true, durationMs: 1 }],
  [20_500, { type: "call-done", step: "analyse", key: "a1", location: "local", durationMs: 500 }],
  [21_000, { type: "call-done", step: "relax", key: "r4", location: "hpc", durationMs: 11_900 }],
];

/** When the scripted run ends. */
export const SCENARIO_END = 22_000;
