/**
 * {@linkcode progressFromEnv}: picks how progress is shown from `DROVER_PROGRESS` and
 * whether stderr is a terminal.
 *
 * @module
 */
import {
  type NowClock,
  type ProgressMode,
  ProgressReporter,
  type TextWriter,
} from "./progress_reporter.ts";

/** Values `DROVER_PROGRESS` accepts. */
const SETTINGS = ["auto", "tty", "plain", "off"] as const;

/** Options of {@linkcode progressFromEnv}. */
export interface ProgressFromEnvOptions {
  /** The environment (`Deno.env`, or a `Map` in tests). */
  readonly env: { get(name: string): string | undefined };
  /** Whether the writer goes to a terminal (`Deno.stderr.isTerminal()`). */
  readonly isTty: boolean;
  /** Where the text goes. */
  readonly write: TextWriter;
  /** The time. */
  readonly clock: NowClock;
  /** Terminal width (`Deno.consoleSize().columns`); default 80. */
  readonly columns?: number;
}

/**
 * Chooses the progress mode: `DROVER_PROGRESS` is `auto` (the default), `tty`, `plain` or
 * `off`. `auto` is `tty` on a terminal whose `TERM` is not `dumb`, `plain` otherwise.
 *
 * @param env The environment.
 * @param isTty Whether the output is a terminal.
 * @returns The mode.
 * @throws {RangeError} when `DROVER_PROGRESS` has another value.
 *
 * @example
 * ```ts
 * import { progressMode } from "./progress_from_env.ts";
 * import assert from "node:assert/strict";
 * assert.equal(progressMode(new Map(), true), "tty");
 * assert.equal(progressMode(new Map(), false), "plain");
 * assert.equal(progressMode(new Map([["DROVER_PROGRESS", "off"]]), true), "off");
 * assert.equal(progressMode(new Map([["TERM", "dumb"]]), true), "plain");
 * assert.throws(() => progressMode(new Map([["DROVER_PROGRESS", "of"]]), true), RangeError);
 * ```
 */
export function progressMode(
  env: { get(name: string): string | undefined },
  isTty: boolean,
): ProgressMode {
  const raw = env.get("DROVER_PROGRESS");
  const setting = raw === undefined || raw === "" ? "auto" : raw.trim().toLowerCase();
  if (!(SETTINGS as readonly string[]).includes(setting)) {
    throw new RangeError(
      `Cannot read environment variable DROVER_PROGRESS: must be one of ${
        SETTINGS.join(", ")
      } (got ${JSON.stringify(raw)})`,
    );
  }
  if (setting !== "auto") return setting as ProgressMode;
  return isTty && env.get("TERM") !== "dumb" ? "tty" : "plain";
}

/**
 * Makes the {@linkcode ProgressReporter} the environment asks for (see
 * {@linkcode progressMode}).
 *
 * @param options Environment, terminal, writer, clock.
 * @returns The reporter.
 * @throws {RangeError} when `DROVER_PROGRESS` is not one of auto, tty, plain, off.
 *
 * @example
 * ```ts
 * import { progressFromEnv } from "./progress_from_env.ts";
 * import assert from "node:assert/strict";
 * const r = progressFromEnv({
 *   env: new Map([["DROVER_PROGRESS", "off"]]),
 *   isTty: true,
 *   write: () => assert.fail("off writes nothing"),
 *   clock: { now: () => 0 },
 * });
 * r.onEvent({ type: "call-cached", step: "s", key: "k" });
 * r.finish();
 * assert.equal(r.mode, "off");
 * ```
 */
export function progressFromEnv(options: ProgressFromEnvOptions): ProgressReporter {
  return new ProgressReporter({
    mode: progressMode(options.env, options.isTty),
    write: options.write,
    clock: options.clock,
    columns: options.columns,
  });
}
