/**
 * Planning jobs (pure): which calls go into which array element, how many elements fit in
 * one submission, what resources and which partition a job asks for, and its unique name.
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";
import { resourcesFor, type Route } from "../routing/mod.ts";
import { type JobResources, splitArray } from "../scheduler/mod.ts";
import { pickPartition, type System } from "../systems/mod.ts";
import { type AutoPacking, chooseCallsPerElement } from "./auto_packing.ts";

/**
 * Cuts calls into array elements of `perElement` calls each, in order.
 *
 * @param calls The calls.
 * @param perElement Calls per element (at least 1).
 * @returns The elements.
 *
 * @example
 * ```ts
 * import { packElements } from "./job_planner.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(packElements([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
 * ```
 */
export function packElements<T>(calls: readonly T[], perElement: number): T[][] {
  const per = Math.max(1, Math.floor(perElement));
  const out: T[][] = [];
  for (let i = 0; i < calls.length; i += per) out.push(calls.slice(i, i + per));
  return out;
}

/** Calls per element for a route: fixed, or chosen by adaptive packing. */
export type ElementPacking = AutoPacking | { readonly perElement: number; readonly basis: "fixed" };

/**
 * Calls per element for a route's calls: its `inputsPerJob` when a number; for `"auto"`,
 * chosen from the step's measured durations, the route's `targetElementTime` and the
 * job's walltime (its `time`, else its partition's limit).
 *
 * @param route The route.
 * @param ctx How many calls, their step's measured durations (ms), and the job's
 *   resources and system (for the walltime).
 * @returns Calls per element and how they were chosen.
 *
 * @example
 * ```ts
 * import { elementPacking } from "./job_planner.ts";
 * import assert from "node:assert/strict";
 * const route = { system: "hpc", resources: {}, inputsPerJob: "auto" as const, inputFiles: [], env: {}, maxRestarts: 0 };
 * const ctx = { calls: 1000, durationsMs: [1000], resources: { time: 60_000 } };
 * assert.equal(elementPacking(route, ctx).perElement, 48);
 * assert.equal(elementPacking({ ...route, inputsPerJob: 10 }, ctx).perElement, 10);
 * ```
 */
export function elementPacking(
  route: Route,
  ctx: {
    readonly calls: number;
    readonly durationsMs: readonly number[];
    readonly resources: JobResources;
    readonly system?: System;
  },
): ElementPacking {
  if (route.inputsPerJob !== "auto") return { perElement: route.inputsPerJob, basis: "fixed" };
  const partition = ctx.system?.partitions.find((p) => p.name === ctx.resources.partition) ??
    ctx.system?.partitions[0];
  return chooseCallsPerElement({
    durationsMs: ctx.durationsMs,
    calls: ctx.calls,
    targetMs: route.targetElementTime,
    walltimeMs: ctx.resources.time ?? partition?.maxTime,
    parallelism: parallelismOf(ctx.resources, partition, ctx.system),
  });
}

/**
 * How many elements of a job a system runs at once, as far as drover knows: one node's
 * worth (its partition's cores over the cores an element asks for, else
 * {@linkcode DEFAULT_PARALLELISM}), within the system's cap on elements in flight.
 *
 * @param resources The job's resources.
 * @param partition Its partition, if known.
 * @param system The system, if known.
 * @returns At least 1.
 *
 * @example
 * ```ts
 * import { parallelismOf } from "./job_planner.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parallelismOf({ cores: 4 }, { coresPerNode: 32 }), 8);
 * assert.equal(parallelismOf({}, undefined), 16);
 * ```
 */
export function parallelismOf(
  resources: JobResources,
  partition: { readonly coresPerNode?: number } | undefined,
  system?: { readonly maxJobs: number },
): number {
  const perNode = partition?.coresPerNode
    ? Math.floor(partition.coresPerNode / Math.max(1, resources.cores ?? 1))
    : DEFAULT_PARALLELISM;
  return Math.max(1, Math.min(perNode, system?.maxJobs ?? Infinity));
}

/** Elements taken to run at once on a partition whose cores are not configured. */
export const DEFAULT_PARALLELISM = 16;

/**
 * The longest an element of an `"auto"` route may last: its `targetElementTime` (default 5
 * minutes), within the safe share of the job's walltime (its `time`, else its partition's).
 *
 * @param route The route.
 * @param resources The job's resources.
 * @param system The system (for the partition's limit).
 * @returns The bound, ms.
 *
 * @example
 * ```ts
 * import { autoBoundMs } from "./job_planner.ts";
 * import assert from "node:assert/strict";
 * const route = { system: "hpc", resources: {}, inputsPerJob: "auto" as const, inputFiles: [], env: {}, maxRestarts: 0 };
 * assert.equal(autoBoundMs(route, {}), 300_000);
 * assert.equal(autoBoundMs(route, { time: 60_000 }), 48_000);
 * ```
 */
export function autoBoundMs(route: Route, resources: JobResources, system?: System): number {
  const partition = system?.partitions.find((p) => p.name === resources.partition);
  return chooseCallsPerElement({
    durationsMs: [],
    calls: 1,
    targetMs: route.targetElementTime,
    walltimeMs: resources.time ?? partition?.maxTime,
  }).boundMs;
}

/** Limits that bound one round of submissions. */
export interface ArrayLimits {
  /** The scheduler's largest array. */
  readonly maxArraySize: number;
  /** The system's cap on elements in flight (`maxJobs`). */
  readonly maxJobs: number;
  /** Elements of this system in flight now. */
  readonly inFlight: number;
}

/**
 * Cuts elements into the arrays that may be submitted now (each within the array limit,
 * all within the in-flight cap); the rest waits. When nothing is in flight, at least one
 * array goes out even if it alone exceeds the cap, so a cap below the array size cannot
 * stall a run.
 *
 * @param elements The elements.
 * @param limits Array size, cap and what is in flight.
 * @returns Arrays to submit now, and the elements that wait.
 *
 * @example
 * ```ts
 * import { planArrays } from "./job_planner.ts";
 * import assert from "node:assert/strict";
 * const plan = planArrays([1, 2, 3, 4, 5], { maxArraySize: 2, maxJobs: 4, inFlight: 1 });
 * assert.deepEqual(plan.now, [[1, 2], [3]]);
 * assert.deepEqual(plan.later, [4, 5]);
 * ```
 */
export function planArrays<T>(
  elements: readonly T[],
  limits: ArrayLimits,
): { now: T[][]; later: T[] } {
  if (elements.length === 0) return { now: [], later: [] };
  const room = Math.max(0, limits.maxJobs - limits.inFlight);
  const maxJobCount = room === 0 && limits.inFlight === 0 ? elements.length : limits.maxJobs;
  const split = splitArray(elements.length, {
    maxArraySize: Math.max(1, Math.min(limits.maxArraySize, limits.maxJobs)),
    maxJobCount: Math.max(1, maxJobCount),
    inFlight: limits.inFlight === 0 ? 0 : Math.min(limits.inFlight, maxJobCount),
  });
  const now = split.arrays.map((a) => elements.slice(a.start, a.start + a.size));
  const taken = split.arrays.reduce((n, a) => n + a.size, 0);
  return { now, later: elements.slice(taken) };
}

/**
 * A job's resources for one attempt, with the partition that fits them.
 *
 * @param system The system.
 * @param route The route.
 * @param attempt 1 for the first submission.
 * @returns The resources.
 * @throws {RangeError} When no partition of the system fits (nothing is submitted).
 *
 * @example
 * ```ts
 * import { jobResources } from "./job_planner.ts";
 * import { parseSystemsConfig } from "../systems/mod.ts";
 * import assert from "node:assert/strict";
 * const { systems } = parseSystemsConfig(
 *   "systems:\n  hpc: { scheduler: slurm, rundir: /r, partitions: [{ name: short, coresPerNode: 8, maxTime: '1:00:00' }] }",
 *   "drover.yaml",
 * );
 * const route = { system: "hpc", resources: { cores: 4 }, inputsPerJob: 1, inputFiles: [], env: {}, maxRestarts: 0 };
 * assert.equal(jobResources(systems.hpc, route, 1).partition, "short");
 * assert.throws(() => jobResources(systems.hpc, { ...route, resources: { cores: 64 } }, 1), /Cannot pick a partition of system "hpc"/);
 * ```
 */
export function jobResources(system: System, route: Route, attempt: number): JobResources {
  const r = resourcesFor(route, attempt);
  let partition = r.partition;
  if (partition === undefined && system.partitions.length > 0) {
    const fit = pickPartition(system, r);
    if (!fit) {
      throw new RangeError(
        `Cannot run on system "${system.name}": no partition fits ${describe(r)} (partitions: ${
          system.partitions.map((p) => p.name).join(", ")
        })`,
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

function describe(r: object): string {
  return Object.entries(r).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`)
    .join(", ") || "the default resources";
}

/**
 * A unique, scheduler-safe job name: `dr-<step>-<random>`.
 *
 * @param base The step (or the route's job name).
 * @returns The name.
 *
 * @example
 * ```ts
 * import { jobName } from "./job_planner.ts";
 * import assert from "node:assert/strict";
 * assert.match(jobName("my step!"), /^dr-my-step--[0-9a-f]{10}$/);
 * ```
 */
export function jobName(base: string): string {
  const slug = base.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z]+/, "").slice(0, 40);
  return `dr-${slug || "step"}-${
    sha256Hex(crypto.getRandomValues(new Uint8Array(16))).slice(0, 10)
  }`;
}
