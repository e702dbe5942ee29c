/**
 * `task()`: a stage of a table-queue campaign. It pulls the best rows of its source table
 * that pass its filter and have no result yet, and runs a step (or a function of the row that
 * calls steps) on each, keeping a number of them in flight.
 *
 * @module
 */
import type { Step } from "../step/mod.ts";
import { NAME_PATTERN } from "./expr.ts";
import type { ScoreFunction } from "./score.ts";

/** What a task's function gets for one row. */
export interface TaskCall<R> {
  /** The row. */
  readonly row: R;
  /** The row's key. */
  readonly key: string;
  /** The task's name. */
  readonly task: string;
  /** Which attempt this is (1 for the first). */
  readonly attempt: number;
}

/** What `onEmpty` gets: the task and the filter that found nothing. */
export interface EmptyQueue {
  /** The task. */
  readonly task: string;
  /** Its filter now (undefined: none). */
  readonly where: string | undefined;
}

/** Options of {@linkcode task} apart from its work. */
export interface TaskSetup<R = Record<string, unknown>> {
  /** The source table. */
  readonly from: string;
  /** A filter over the row's fields and earlier tasks' results (`rough.barrier < 0.5`). */
  readonly where?: string;
  /**
   * The order rows are taken in: `field [ASC|DESC], ...`, or a scoring function of the row
   * (higher first), materialised into an indexed rank when rows are added or the function
   * changes. Default: insertion order.
   */
  readonly priority?: string | ScoreFunction<R>;
  /** Most rows in flight at once, across all runners. Default: 4. */
  readonly inFlight?: number;
  /**
   * Called when no row passes the filter and none is in flight: return a wider filter to
   * go on, or undefined to stop this task.
   */
  readonly onEmpty?: (empty: EmptyQueue) => string | undefined | Promise<string | undefined>;
}

/** Options of {@linkcode task}. */
export interface TaskOptions<R, O> extends TaskSetup<R> {
  /** A step called with the row, or a function of the row that calls steps. */
  readonly step: Step<R, O> | ((call: TaskCall<R>) => O | Promise<O>);
}

/** A task, ready for {@linkcode runQueue}. */
export interface Task<R = Record<string, unknown>, O = unknown> {
  /** Its name: its results table, and the prefix other tasks' filters use. */
  readonly name: string;
  /** Its options. */
  readonly options: TaskOptions<R, O>;
  /**
   * Runs the task's work on one row.
   *
   * @param call The row and its context.
   * @returns The result stored for the row.
   */
  run(call: TaskCall<R>): Promise<O>;
}

const TASKS = new Map<string, Task>();

/**
 * A task defined in this process, by name (`drover queue run` imports a module and looks its
 * tasks up here).
 *
 * @param name The task.
 * @returns It, or undefined.
 */
export function lookupTask(name: string): Task | undefined {
  return TASKS.get(name);
}

/**
 * The names of the tasks defined in this process.
 *
 * @returns Their names, sorted.
 */
export function listTasks(): string[] {
  return [...TASKS.keys()].sort();
}

/** The default number of rows in flight per task. */
export const DEFAULT_IN_FLIGHT = 4;

/**
 * Defines a task.
 *
 * @param name Task name (letters, digits, `_`).
 * @param options Source, filter, priority, step, in flight, onEmpty.
 * @returns The task.
 * @throws {TypeError} For a bad name or a missing step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { task } from "./task.ts";
 * const rough = task("rough", {
 *   from: "pathways",
 *   where: "nsites <= 150",
 *   priority: "nsites ASC",
 *   step: ({ row }: { row: { nsites: number } }) => ({ barrier: row.nsites / 100 }),
 * });
 * assert.deepEqual(await rough.run({ row: { nsites: 50 }, key: "1", task: "rough", attempt: 1 }), {
 *   barrier: 0.5,
 * });
 * ```
 */
export function task<R, O>(
  name: string,
  options: TaskSetup<R> & { readonly step: Step<R, O> },
): Task<R, O>;
/**
 * Defines a task whose work is a function of the row (that calls steps).
 *
 * @param name Task name (letters, digits, `_`).
 * @param options Source, filter, priority, function, in flight, onEmpty.
 * @returns The task.
 */
export function task<R = Record<string, unknown>, O = unknown>(
  name: string,
  options: TaskSetup<R> & { readonly step: (call: TaskCall<R>) => O | Promise<O> },
): Task<R, O>;
export function task<R, O>(name: string, options: TaskOptions<R, O>): Task<R, O> {
  if (!NAME_PATTERN.test(name)) {
    throw new TypeError(
      `Cannot define task ${JSON.stringify(name)}: names use letters, digits and _`,
    );
  }
  const fn = options.step;
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot define task "${name}": step must be a step or a function`);
  }
  const isStep = "stepName" in fn;
  const defined: Task<R, O> = {
    name,
    options,
    run: async (call) =>
      isStep
        ? await (fn as Step<R, O>)(call.row)
        : await (fn as (call: TaskCall<R>) => O | Promise<O>)(call),
  };
  TASKS.set(name, defined as unknown as Task);
  return defined;
}
