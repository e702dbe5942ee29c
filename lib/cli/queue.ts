/**
 * `drover queue status|set|promote|demote|run|purge`: watch and steer table-queue tasks while they
 * run. Settings go to the store; runners read them at their next claim.
 *
 * @module
 */
import {
  Command,
  type CommandUnknownOpts,
  InvalidArgumentError,
  Option,
} from "npm:@commander-js/extra-typings@^14.0.0";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  listTasks,
  lookupTask,
  moveRows,
  purgeQueue,
  queueStatus,
  runQueue,
  setTask,
  type Task,
  task as defineTask,
  type TaskStatus,
} from "../queue/mod.ts";
import { configure } from "../step/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { durationArg, formatDurationText } from "./_duration.ts";
import { formatDuration, renderTable, toJson } from "./_output.ts";
import { withQueueErrors } from "./_queue_errors.ts";

function parsePositive(value: string): number {
  if (!/^[1-9]\d*$/.test(value.trim())) {
    throw new InvalidArgumentError("expected a whole number, 1 or more");
  }
  return Number(value);
}

/**
 * Builds the `queue` command group.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function queueCommand(ctx: Context): CommandUnknownOpts {
  return new Command("queue")
    .description("watch and steer table-queue tasks while they run")
    .helpCommand(false)
    .addCommand(statusCommand(ctx))
    .addCommand(setCommand(ctx))
    .addCommand(moveCommand(ctx, "promote"))
    .addCommand(moveCommand(ctx, "demote"))
    .addCommand(runCommand(ctx))
    .addCommand(purgeCommand(ctx));
}

function purgeCommand(ctx: Context): CommandUnknownOpts {
  return new Command("purge")
    .description(
      "forget done and failed rows (results, errors, claims) that ended before --older-than; " +
        "says what it would remove unless --yes",
    )
    .argument("[tasks...]", "only these tasks (default: all)")
    .addOption(
      new Option("--older-than <age>", "required: rows that ended longer ago, e.g. 30d, 12h")
        .argParser(durationArg),
    )
    .option("-y, --yes", "remove them (without it, only say what would go)")
    .action((names, options) =>
      withQueueErrors(ctx, () => {
        if (options.olderThan === undefined) {
          throw new UsageError(
            "Cannot purge: --older-than is required (e.g. --older-than 30d), so recent results are never removed by accident",
          );
        }
        using store = ctx.openStore();
        const dryRun = !options.yes;
        const purged = purgeQueue(store, {
          before: ctx.io.now() - options.olderThan,
          tasks: names.length > 0 ? names : undefined,
          dryRun,
        });
        const age = formatDurationText(options.olderThan);
        if (purged.length === 0) return ctx.out(`Nothing ended more than ${age} ago\n`);
        for (const p of purged) {
          ctx.out(
            `${
              dryRun ? "Would remove" : "Removed"
            } ${p.task}: ${p.done} done, ${p.failed} failed\n`,
          );
        }
        if (dryRun) ctx.out("Nothing removed: run again with --yes to remove them\n");
      })
    );
}

function statusCommand(ctx: Context): CommandUnknownOpts {
  return new Command("status")
    .description(
      "per task: pending, running, expired, done, failed, the oldest lease, the remaining cost " +
        "(pending × median call time) and its ETA at the in-flight cap, the next rows",
    )
    .option("--json", "print the status as JSON")
    .action((options) =>
      withQueueErrors(ctx, () => {
        using store = ctx.openStore();
        const now = ctx.io.now();
        const status = queueStatus(store, now);
        if (options.json) return ctx.out(toJson(status));
        if (status.length === 0) return ctx.out("No tasks\n");
        ctx.out(renderTable(
          [
            "TASK",
            "FLIGHT",
            "PENDING",
            "RUNNING",
            "EXPIRED",
            "DONE",
            "FAILED",
            "LEASE",
            "COST",
            "ETA",
            "NEXT",
          ],
          status.map((s) => row(s, now)),
          { right: [1, 2, 3, 4, 5, 6], style: ctx.style },
        ));
        for (const s of status) {
          const { where, priority, overridden } = s.settings;
          const set = overridden.length > 0 ? ` (set: ${overridden.join(", ")})` : "";
          ctx.out(
            `${s.settings.name}: from ${s.settings.source}` +
              `${where ? `, where ${where}` : ""}${priority ? `, by ${priority}` : ""}${set}\n`,
          );
        }
      })
    );
}

function row(s: TaskStatus, now: number): string[] {
  return [
    s.settings.name,
    String(s.settings.inFlight),
    String(s.pending),
    String(s.running),
    String(s.expired),
    String(s.done),
    String(s.failed),
    s.oldestLease === null
      ? "-"
      : s.oldestLease <= now
      ? "over"
      : formatDuration(s.oldestLease - now),
    s.remainingMs === null ? "-" : formatDuration(s.remainingMs),
    s.etaMs === null ? "-" : formatDuration(s.etaMs),
    s.next.join(" ") || "-",
  ];
}

function setCommand(ctx: Context): CommandUnknownOpts {
  return new Command("set")
    .description(
      "change a task's in-flight, priority or filter; runners use it at their next claim",
    )
    .argument("<task>", "the task")
    .addOption(new Option("--in-flight <n>", "most rows in flight").argParser(parsePositive))
    .option("--priority <order>", 'the order rows are taken in: "nsites ASC, length DESC"')
    .option("--where <filter>", 'the filter ("" for none)')
    .option("--reset", "drop what queue set changed: back to the code's settings")
    .action((name, options) =>
      withQueueErrors(ctx, () => {
        const change = options.reset
          ? { where: null, priority: null, inFlight: null }
          : { where: options.where, priority: options.priority, inFlight: options.inFlight };
        if (Object.values(change).every((v) => v === undefined)) {
          throw new UsageError(
            `Cannot set task "${name}": give --in-flight, --priority, --where or --reset`,
          );
        }
        using store = ctx.openStore();
        const s = setTask(store, name, change);
        ctx.out(
          `Task "${name}": in flight ${s.inFlight}, priority ${
            s.priority ?? "(insertion order)"
          }, ` +
            `filter ${s.where ?? "(none)"}\n`,
        );
      })
    );
}

function moveCommand(ctx: Context, how: "promote" | "demote"): CommandUnknownOpts {
  return new Command(how)
    .description(`move rows to the ${how === "promote" ? "front" : "back"} of a task's queue`)
    .argument("<task>", "the task")
    .argument("<rows...>", "row keys")
    .action((name, keys) =>
      withQueueErrors(ctx, () => {
        using store = ctx.openStore();
        const moved = moveRows(store, name, keys, how);
        const missing = keys.filter((k) => !moved.includes(k));
        if (missing.length > 0) {
          throw new CommandError(
            `Cannot ${how} rows of task "${name}": no row with key ${
              missing.map((k) => JSON.stringify(k)).join(", ")
            } in its table`,
          );
        }
        ctx.out(`${how === "promote" ? "Promoted" : "Demoted"} ${moved.join(" ")}\n`);
      })
    );
}

function runCommand(ctx: Context): CommandUnknownOpts {
  return new Command("run")
    .description("run tasks defined in a module until their queues are empty")
    .argument("<tasks...>", "the tasks")
    .requiredOption("--module <file>", "the module that defines the tasks (with task(...))")
    .addOption(
      new Option("--in-flight <n>", "most rows in flight per task").argParser(parsePositive),
    )
    .option("--watch", "keep running when the queues are empty, for rows added later")
    .option("--retry-failed", "put failed rows back in the queue first")
    .action((names, options) =>
      withQueueErrors(ctx, async () => {
        const session = configure({ dir: ctx.storeDir(), cwd: ctx.io.cwd });
        try {
          await import(pathToFileURL(resolve(ctx.io.cwd, options.module)).href);
        } catch (e) {
          throw new CommandError(`Cannot load module "${options.module}": ${(e as Error).message}`);
        }
        const tasks: Task[] = names.map((name) => {
          const t = lookupTask(name);
          if (t === undefined) {
            throw new CommandError(
              `Cannot run task "${name}": "${options.module}" does not define it (tasks: ${
                listTasks().join(", ") || "none"
              })`,
            );
          }
          return options.inFlight === undefined
            ? t
            : defineTask(name, { ...t.options, inFlight: options.inFlight, step: t.run });
        });
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        Deno.addSignalListener("SIGINT", stop);
        try {
          const report = await runQueue(tasks, {
            store: session.store,
            signal: controller.signal,
            watch: options.watch,
            retryFailed: options.retryFailed,
          });
          for (const t of tasks) {
            ctx.out(
              `${t.name}: ${report.done[t.name]} done, ${report.failed[t.name]} failed` +
                `${report.refused[t.name] ? `, ${report.refused[t.name]} refused` : ""}\n`,
            );
          }
        } finally {
          Deno.removeSignalListener("SIGINT", stop);
        }
      })
    );
}
