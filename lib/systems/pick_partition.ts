/**
 * What a job asks for, and choosing the partition of a system that can give it.
 *
 * @module
 */
import { formatMemory } from "./memory.ts";
import type { Partition, System } from "./system.ts";
import { formatWalltime } from "./walltime.ts";

/** What one job (one array element) asks the scheduler for. Every field is optional. */
export interface Resources {
  /** Nodes. Default: the scheduler's (1). */
  readonly nodes?: number;
  /** Cores on each node. */
  readonly cores?: number;
  /** Walltime, in ms. */
  readonly time?: number;
  /** Memory on each node, in bytes. */
  readonly memory?: number;
  /** A partition by name, instead of the first that fits. */
  readonly partition?: string;
  /** GPUs on each node. */
  readonly gpus?: number;
}

/**
 * Chooses the partition a job runs in: the one named in `resources.partition` (checked to
 * exist and to fit), else the first of the system's partitions that fits. A partition fits
 * when it has at least the cores, GPUs and memory per node asked for and allows the
 * walltime; limits a partition does not declare are not checked. A system that declares no
 * partitions leaves the choice to the scheduler.
 *
 * @param system The system, with its partitions in order of preference.
 * @param resources What the job asks for. Default: nothing in particular.
 * @returns The partition; `undefined` when the system declares none and none was named
 * (a named partition of such a system is returned unchecked, as `{ name }`).
 * @throws {RangeError} When the named partition does not exist or does not fit, or when
 * none fits; the message says what each partition lacks.
 *
 * @example
 * ```ts
 * import { pickPartition } from "./pick_partition.ts";
 * import { parseSystemsConfig } from "./parse_systems.ts";
 * import assert from "node:assert/strict";
 * const { systems } = parseSystemsConfig(`
 * systems:
 *   hpc:
 *     scheduler: slurm
 *     partitions:
 *       - { name: short, coresPerNode: 16, maxTime: "4:00:00" }
 *       - { name: long, coresPerNode: 16, maxTime: "7-00:00:00" }
 * `, "drover.yaml");
 * assert.equal(pickPartition(systems.hpc, { cores: 8, time: 3_600_000 })?.name, "short");
 * assert.equal(pickPartition(systems.hpc, { time: 86_400_000 })?.name, "long");
 * assert.throws(() => pickPartition(systems.hpc, { cores: 32 }), RangeError);
 * ```
 */
export function pickPartition(system: System, resources: Resources = {}): Partition | undefined {
  const wanted = resources.partition;
  if (wanted !== undefined) {
    if (system.partitions.length === 0) return { name: wanted };
    const partition = system.partitions.find((p) => p.name === wanted);
    if (partition === undefined) {
      throw new RangeError(
        `Cannot use partition "${wanted}" of system "${system.name}": it is not one of ${
          system.partitions.map((p) => p.name).join(", ")
        }`,
      );
    }
    const lacks = shortfalls(partition, resources);
    if (lacks.length > 0) {
      throw new RangeError(
        `Cannot use partition "${wanted}" of system "${system.name}" for ${
          describeRequest(resources)
        }: it has ${lacks.join(", ")}`,
      );
    }
    return partition;
  }
  if (system.partitions.length === 0) return undefined;
  const reasons: string[] = [];
  for (const partition of system.partitions) {
    const lacks = shortfalls(partition, resources);
    if (lacks.length === 0) return partition;
    reasons.push(`${partition.name} has ${lacks.join(", ")}`);
  }
  throw new RangeError(
    `Cannot pick a partition of system "${system.name}" for ${describeRequest(resources)}: ${
      reasons.join("; ")
    }`,
  );
}

/** What a partition lacks for a request: `only 16 cores per node`, ... */
function shortfalls(partition: Partition, resources: Resources): string[] {
  const lacks: string[] = [];
  const { cores, time, memory, gpus } = resources;
  if (
    cores !== undefined && partition.coresPerNode !== undefined && cores > partition.coresPerNode
  ) {
    lacks.push(`only ${plural(partition.coresPerNode, "core")} per node`);
  }
  if (gpus !== undefined && gpus > (partition.gpus ?? 0)) {
    lacks.push(partition.gpus ? `only ${plural(partition.gpus, "GPU")} per node` : "no GPUs");
  }
  if (memory !== undefined && partition.memory !== undefined && memory > partition.memory) {
    lacks.push(`only ${formatMemory(partition.memory)} of memory per node`);
  }
  if (time !== undefined && partition.maxTime !== undefined && time > partition.maxTime) {
    lacks.push(`a time limit of ${formatWalltime(partition.maxTime)}`);
  }
  return lacks;
}

function describeRequest(resources: Resources): string {
  const parts: string[] = [];
  if (resources.nodes !== undefined) parts.push(plural(resources.nodes, "node"));
  if (resources.cores !== undefined) parts.push(`${plural(resources.cores, "core")} per node`);
  if (resources.gpus !== undefined) parts.push(`${plural(resources.gpus, "GPU")} per node`);
  if (resources.memory !== undefined) parts.push(`${formatMemory(resources.memory)} per node`);
  if (resources.time !== undefined) parts.push(formatWalltime(resources.time));
  return parts.length === 0 ? "any job" : parts.join(", ");
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
