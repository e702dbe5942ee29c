/**
 * `drover systems ls`: the systems jobs can run on, from the project's `drover.yaml` merged
 * over the user's `~/.config/drover/systems.yaml`.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { dirname } from "node:path";
import {
  ConfigError,
  formatMemory,
  formatWalltime,
  type LoadedSystems,
  loadSystems,
  type Partition,
  type System,
  systemsConfigFiles,
} from "../systems/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { renderTable, toJson } from "./_output.ts";

/** One system as `systems ls --json` prints it. */
export interface SystemListing extends Omit<System, "host"> {
  /** The SSH host, or null for this machine. */
  readonly host: string | null;
  /** The file the system was read from. */
  readonly source: string;
}

/**
 * Describes a partition in a few words: `short (48 cores, 4:00:00, 192G)`.
 *
 * @param partition The partition.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describePartition({ name: "gpu", coresPerNode: 32, maxTime: 86_400_000, gpus: 4 }),
 *   "gpu (32 cores, 4 GPUs, 1-00:00:00)",
 * );
 * assert.equal(describePartition({ name: "any" }), "any");
 * ```
 */
export function describePartition(partition: Partition): string {
  const parts: string[] = [];
  if (partition.coresPerNode !== undefined) parts.push(`${partition.coresPerNode} cores`);
  if (partition.gpus) parts.push(`${partition.gpus} GPU${partition.gpus === 1 ? "" : "s"}`);
  if (partition.memory !== undefined) parts.push(formatMemory(partition.memory));
  if (partition.maxTime !== undefined) parts.push(formatWalltime(partition.maxTime));
  return parts.length === 0 ? partition.name : `${partition.name} (${parts.join(", ")})`;
}

/**
 * Builds the `systems ls` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function systemsLsCommand(ctx: Context): CommandUnknownOpts {
  return new Command("ls")
    .description("list the systems jobs can run on")
    .option("--json", "print the systems as JSON")
    .action((options) => {
      const options_ = { cwd: ctx.io.cwd, env: ctx.io.env, projectDir: dirname(ctx.storeDir()) };
      const loaded = load(() => loadSystems(options_));
      const names = Object.keys(loaded.systems).sort();
      if (options.json) {
        ctx.out(toJson(names.map((name) => listing(loaded, name))));
        return;
      }
      if (names.length === 0) {
        const files = systemsConfigFiles(options_);
        const where = files.user === undefined
          ? `"${files.project}"`
          : `"${files.project}" or "${files.user}"`;
        ctx.out(`No systems configured; define them under "systems:" in ${where}\n`);
        return;
      }
      ctx.out(renderTable(
        ["NAME", "HOST", "SCHEDULER", "PARTITIONS", "RUNDIR"],
        names.map((name) => {
          const s = loaded.systems[name];
          return [
            name,
            s.host ?? "local",
            s.scheduler,
            s.partitions.length === 0 ? "-" : s.partitions.map(describePartition).join(", "),
            s.rundir,
          ];
        }),
        { style: ctx.style },
      ));
    });
}

function listing(loaded: LoadedSystems, name: string): SystemListing {
  const s = loaded.systems[name];
  return {
    name,
    host: s.host ?? null,
    scheduler: s.scheduler,
    rundir: s.rundir,
    partitions: s.partitions,
    header: s.header,
    setup: s.setup,
    deno: s.deno,
    maxJobs: s.maxJobs,
    pollMs: s.pollMs,
    source: loaded.sources[name],
  };
}

function load(read: () => LoadedSystems): LoadedSystems {
  try {
    return read();
  } catch (e) {
    if (e instanceof ConfigError) throw new CommandError(e.message, { cause: e });
    throw e;
  }
}
