/**
 * {@linkcode ProgressReporter}: shows a run's progress from drover's event stream, as one
 * live block on a terminal or as one-line events in a log. It writes through an injected
 * writer and reads an injected clock, so it never touches the process itself.
 *
 * @module
 */
import type { ProgressEvent } from "./events.ts";
import { ProgressState, type RunSummary } from "./progress_state.ts";
import { describeEvent, renderBlock, renderSummary, stepPhrase } from "./progress_render.ts";
import { escapeLine, escapeText } from "./_text.ts";

/** How progress is shown: a live block, one-line events, or not at all. */
export type ProgressMode = "tty" | "plain" | "off";

/** Receives text to show (a terminal or log stream); the text ends in "\n" when whole lines. */
export type TextWriter = (text: string) => void;

/** A source of the current time in ms. */
export interface NowClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Options of {@linkcode ProgressReporter}. */
export interface ProgressOptions {
  /** How to show progress. */
  readonly mode: ProgressMode;
  /** Where the text goes (stderr, in the program that installs the reporter). */
  readonly write: TextWriter;
  /** The time. */
  readonly clock: NowClock;
  /** Terminal width for the live block. Default 80. */
  readonly columns?: number;
  /** Least ms between two redraws of the live block. Default 100 (10 redraws a second). */
  readonly redrawMs?: number;
  /** Least ms between two per-step lines of the plain display. Default 10 000. */
  readonly plainIntervalMs?: number;
  /** Failures printed one by one per step; more are only counted. Default 3. */
  readonly failuresShown?: number;
}

const CSI = "\x1b[";

/**
 * Shows a run's progress. Pass {@linkcode ProgressReporter.onEvent} as the session's event
 * sink, call {@linkcode ProgressReporter.tick} from a timer (every `redrawMs`, so the
 * elapsed time and throttled changes show), and {@linkcode ProgressReporter.finish} at the
 * end for the one-line summary.
 *
 * - `tty`: one block redrawn in place (cursor up, clear line), at most every `redrawMs`.
 * - `plain`: job-level events as they happen, the first failures of each step, and each
 *   changed step's counts at most every `plainIntervalMs`.
 * - `off`: nothing.
 *
 * @example
 * ```ts
 * import { ProgressReporter } from "./progress_reporter.ts";
 * import assert from "node:assert/strict";
 * let now = 0, out = "";
 * const r = new ProgressReporter({
 *   mode: "plain", write: (t) => out += t, clock: { now: () => now },
 * });
 * r.onEvent({ type: "call-cached", step: "relax", key: "k1" });
 * now = 2000;
 * r.finish();
 * assert.equal(out, [
 *   "drover: relax: 1 cached",
 *   "drover: done in 2s: 0 ran, 1 cached, 0 failed, 0 jobs",
 *   "",
 * ].join("\n"));
 * ```
 */
export class ProgressReporter {
  /** How progress is shown. */
  readonly mode: ProgressMode;
  readonly #write: TextWriter;
  readonly #clock: NowClock;
  readonly #columns: number;
  readonly #redrawMs: number;
  readonly #plainIntervalMs: number;
  readonly #failuresShown: number;
  readonly #state: ProgressState;
  #drawnLines = 0;
  #lastDraw = -Infinity;
  #dirty = false;
  #lastPlain: number;
  readonly #printedSteps = new Map<string, string>();
  readonly #printedNotices = new Map<string, { line: string; at: number }>();
  readonly #printedJobStates = new Map<string, string>();
  #finished = false;

  /**
   * Creates an instance; the run's wall time counts from now.
   *
   * @param options Mode, writer, clock and pacing.
   */
  constructor(options: ProgressOptions) {
    this.mode = options.mode;
    this.#write = options.write;
    this.#clock = options.clock;
    this.#columns = options.columns ?? 80;
    this.#redrawMs = options.redrawMs ?? 100;
    this.#plainIntervalMs = options.plainIntervalMs ?? 10_000;
    this.#failuresShown = options.failuresShown ?? 3;
    this.#state = new ProgressState(this.#clock.now());
    this.#lastPlain = this.#state.startedAt;
  }

  /** The folded events (counts, jobs, notices). */
  get state(): ProgressState {
    return this.#state;
  }

  /**
   * Takes one event; a bound function, so it can be passed as `onEvent` directly.
   *
   * @param event Any drover event; unknown ones are ignored.
   */
  readonly onEvent = (event: ProgressEvent): void => {
    if (this.#finished) return;
    const now = this.#clock.now();
    const failure = this.#state.apply(event, now);
    if (this.mode === "off") return;
    if (event.type === "remote-info-note") {
      this.log(`drover: ${escapeLine(event.message)}\n`);
      return;
    }
    if (event.type === "run-end-unrecorded") {
      this.log(
        `drover: warning: the end of this run was not recorded: ${escapeLine(event.message)}\n`,
      );
      return;
    }
    if (event.type === "remote-info-unused") {
      const near = event.nearest.length
        ? `; calls made here: ${event.nearest.map(escapeLine).join(", ")}`
        : "";
      this.log(
        `drover: warning: remote info key "${escapeLine(event.key)}" matched no call${near}\n`,
      );
      return;
    }
    if (this.mode === "tty") this.#dirty = true;
    if (failure && failure.nth <= this.#failuresShown) {
      const shown = failure.nth === this.#failuresShown
        ? " (more failures of this step are counted, not shown)"
        : "";
      this.log(
        `drover: ${escapeLine(failure.step)} failed: ${
          escapeLine(failure.error)
        } (drover calls show ${escapeLine(failure.key.slice(0, 12))})${shown}\n`,
      );
    }
    if (this.mode === "tty") {
      this.#drawIfDue(now);
      return;
    }
    const line = describeEvent(event);
    if (line !== undefined && this.#isNews(event, line, now)) this.#write(`${line}\n`);
    this.#plainStepsIfDue(now);
  };

  /**
   * Lets time show: redraws the live block when it changed (or every second for the
   * elapsed time), prints due per-step lines in plain mode. Call it from a timer.
   */
  tick(): void {
    if (this.#finished || this.mode === "off") return;
    const now = this.#clock.now();
    if (this.mode === "tty") {
      if (this.#dirty || now - this.#lastDraw >= 1000) {
        this.#dirty = true;
        this.#drawIfDue(now);
      }
    } else this.#plainStepsIfDue(now);
  }

  /**
   * Prints text above the live block (or as is in plain mode), so messages and progress
   * do not overwrite each other. Control characters other than "\n" are escaped.
   *
   * @param text The text; end it with "\n".
   */
  log(text: string): void {
    if (this.mode === "off") return;
    if (this.mode === "tty" && this.#drawnLines > 0 && !this.#finished) {
      this.#write(`${CSI}${this.#drawnLines}A\r${CSI}J${escapeText(text)}`);
      this.#drawnLines = 0;
      this.#draw(this.#clock.now());
      return;
    }
    this.#write(escapeText(text));
  }

  /**
   * Ends the display: the block's last state (tty) or the unprinted step counts (plain),
   * then the one-line summary. Later events and ticks are ignored.
   *
   * @param options `interrupted` when the run was stopped by Ctrl-C.
   * @returns The run's totals.
   */
  finish(options: { readonly interrupted?: boolean } = {}): RunSummary {
    const now = this.#clock.now();
    const summary = this.#state.summary(now);
    if (this.#finished) return summary;
    if (this.mode === "tty") this.#draw(now);
    if (this.mode === "plain") this.#plainSteps();
    this.#finished = true;
    if (this.mode !== "off") this.#write(`${renderSummary(summary, options)}\n`);
    return summary;
  }

  #drawIfDue(now: number): void {
    if (this.#dirty && now - this.#lastDraw >= this.#redrawMs) this.#draw(now);
  }

  #draw(now: number): void {
    const lines = renderBlock(this.#state, now, { columns: this.#columns });
    const up = this.#drawnLines > 0 ? `${CSI}${this.#drawnLines}A\r` : "";
    this.#write(`${up}${lines.map((l) => `${CSI}2K${l}\n`).join("")}${CSI}J`);
    this.#drawnLines = lines.length;
    this.#lastDraw = now;
    this.#dirty = false;
  }

  /** Plain mode: repeated system notices and unchanged job states are not news. */
  #isNews(event: ProgressEvent, line: string, now: number): boolean {
    if (event.type === "job-state") {
      const before = this.#printedJobStates.get(event.job);
      this.#printedJobStates.set(event.job, line);
      return before !== line;
    }
    if (
      event.type === "remote-error" || event.type === "waiting-for-host" ||
      event.type === "scheduler-unreachable"
    ) {
      const before = this.#printedNotices.get(event.system);
      if (before && before.line === line && now - before.at < this.#plainIntervalMs) return false;
      this.#printedNotices.set(event.system, { line, at: now });
    }
    return true;
  }

  #plainStepsIfDue(now: number): void {
    if (now - this.#lastPlain < this.#plainIntervalMs) return;
    this.#lastPlain = now;
    this.#plainSteps();
  }

  #plainSteps(): void {
    for (const s of this.#state.steps()) {
      const phrase = stepPhrase({ ...s, etaMs: undefined });
      if (this.#printedSteps.get(s.step) === phrase) continue;
      this.#printedSteps.set(s.step, phrase);
      this.#write(`drover: ${escapeLine(s.step)}: ${stepPhrase(s)}\n`);
    }
  }
}
