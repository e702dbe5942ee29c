/**
 * {@linkcode InterruptPolicy}: what Ctrl-C does to a running workflow. The first one
 * saves what finished, leaves submitted jobs alone, says how to resume or cancel and then
 * exits; a second one exits at once.
 *
 * @module
 */
import type { TextWriter } from "./progress_reporter.ts";
import { escapeLine } from "./_text.ts";

/** Options of {@linkcode InterruptPolicy}. */
export interface InterruptOptions {
  /** Where the message goes (stderr). */
  readonly write: TextWriter;
  /** Saves what finished (the store's pending writes); awaited before exiting. */
  readonly flush: () => void | Promise<void>;
  /** Ends the process (`Deno.exit`). */
  readonly exit: (code: number) => void;
  /** The run's id, for `drover jobs cancel --run ID`; read when the signal comes. */
  readonly runId?: () => string | undefined;
  /** The command that resumes the run, e.g. "deno run -A flow.ts"; default: described. */
  readonly resume?: string;
  /** The progress display, closed (with an "interrupted" summary) before the message. */
  readonly progress?: { finish(options: { readonly interrupted: boolean }): unknown };
  /** The exit code. Default 130 (128 + SIGINT). */
  readonly exitCode?: number;
}

/**
 * Handles SIGINT for a workflow run. Install {@linkcode InterruptPolicy.onSignal} with
 * `Deno.addSignalListener("SIGINT", policy.onSignal)`; remove it when the run ends.
 *
 * @example
 * ```ts
 * import { InterruptPolicy } from "./interrupt_policy.ts";
 * import assert from "node:assert/strict";
 * let out = "";
 * const exits: number[] = [];
 * const p = new InterruptPolicy({
 *   write: (t) => out += t,
 *   flush: () => {},
 *   exit: (code) => exits.push(code),
 *   runId: () => "r-12",
 * });
 * p.onSignal();
 * await p.handled;
 * assert.deepEqual(exits, [130]);
 * assert.match(out, /drover jobs cancel --run r-12/);
 * ```
 */
export class InterruptPolicy {
  readonly #options: InterruptOptions;
  #signals = 0;
  #handled: Promise<void> = Promise.resolve();

  /**
   * Creates an instance.
   *
   * @param options Writer, flush, exit and what to tell the user.
   */
  constructor(options: InterruptOptions) {
    this.#options = options;
  }

  /** How many interrupts came so far. */
  get signals(): number {
    return this.#signals;
  }

  /** Settles when the first interrupt's flush and exit are done. */
  get handled(): Promise<void> {
    return this.#handled;
  }

  /** The signal listener: bound, so it can be passed to `Deno.addSignalListener`. */
  readonly onSignal = (): void => {
    const o = this.#options;
    const code = o.exitCode ?? 130;
    this.#signals++;
    if (this.#signals > 1) {
      o.write("drover: second interrupt, exiting now\n");
      o.exit(code);
      return;
    }
    try {
      o.progress?.finish({ interrupted: true });
    } catch { /* the message below matters more than the display */ }
    o.write(interruptMessage(o.runId?.(), o.resume));
    this.#handled = (async () => {
      try {
        await o.flush();
      } catch (e) {
        o.write(
          `drover: could not save everything: ${
            escapeLine(e instanceof Error ? e.message : String(e))
          }\n`,
        );
      }
      if (this.#signals === 1) o.exit(code);
    })();
  };
}

/**
 * The text shown at the first Ctrl-C.
 *
 * @param runId The run's id, when known.
 * @param resume The command that resumes the run, when known.
 * @returns Lines ending in "\n".
 *
 * @example
 * ```ts
 * import { interruptMessage } from "./interrupt_policy.ts";
 * import assert from "node:assert/strict";
 * assert.match(interruptMessage("r1", "deno run -A flow.ts"), /resume: deno run -A flow.ts/);
 * assert.match(interruptMessage(undefined), /drover jobs ls/);
 * ```
 */
export function interruptMessage(runId: string | undefined, resume?: string): string {
  const again = resume === undefined ? "run the same `deno run` command again" : escapeLine(resume);
  const cancel = runId === undefined
    ? "drover jobs ls, then drover jobs cancel JOB"
    : `drover jobs cancel --run ${escapeLine(runId)}`;
  return [
    "drover: interrupted; saving what finished. Submitted jobs keep running.",
    `drover:   resume: ${again} (finished calls are reused, running jobs re-attached)`,
    `drover:   cancel: ${cancel}`,
    "drover: press Ctrl-C again to exit at once.",
    "",
  ].join("\n");
}
