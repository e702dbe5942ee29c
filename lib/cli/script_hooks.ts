/**
 * The terminal side of a workflow script run with `deno run`: progress on stderr (a live
 * block on a terminal, one line per event otherwise, nothing with `DROVER_PROGRESS=off`),
 * a first Ctrl-C that saves what finished and says how to resume or cancel (a second one
 * exits at once), and failed calls printed as short blocks without drover's stack frames.
 * The root module installs it; jobs and isolate workers stay silent.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  formatUncaught,
  InterruptPolicy,
  progressFromEnv,
  type ProgressReporter,
} from "../report/mod.ts";
import { systemClock } from "../runtime/mod.ts";
import { mapJobStack } from "./_bundle_stack.ts";
import { type Session, setScriptHooks } from "../step/mod.ts";

const encoder = new TextEncoder();
const DROVER_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Installs the script hooks (idempotent). Inside a job element or an isolate worker it does
 * nothing: their stderr is a log, not a terminal.
 *
 * @example
 * ```ts
 * import { installScriptHooks } from "./script_hooks.ts";
 * installScriptHooks(); // what importing drover's root module does
 * ```
 */
export function installScriptHooks(): void {
  if (installed) return;
  installed = true;
  const env = readEnv();
  if (env.DROVER_ISOLATE_WORKER === "1" || env.DROVER_JOB_DIR !== undefined) return;
  let reporter: ProgressReporter | undefined;
  let tick: ReturnType<typeof setInterval> | undefined;
  let onSigint: (() => void) | undefined;
  const write = (text: string): void => {
    try {
      Deno.stderr.writeSync(encoder.encode(text));
    } catch {
      // stderr closed: nothing to show
    }
  };
  const stop = (): void => {
    if (tick !== undefined) clearInterval(tick);
    tick = undefined;
    if (onSigint) {
      try {
        Deno.removeSignalListener("SIGINT", onSigint);
      } catch {
        // not installed
      }
      onSigint = undefined;
    }
  };
  setScriptHooks({
    onEvent: (e) => reporter?.onEvent(e),
    adopted: (session: Session) => {
      stop();
      try {
        reporter = progressFromEnv({
          env: { get: (name: string) => env[name] },
          isTty: isTerminal(),
          write,
          clock: systemClock,
          columns: columns(),
        });
      } catch (e) {
        write(`drover: ${(e as Error).message}\n`);
        reporter = undefined;
      }
      if (reporter && reporter.mode !== "off") {
        const r = reporter;
        tick = setInterval(() => r.tick(), 100);
        Deno.unrefTimer(tick);
      }
      const policy = new InterruptPolicy({
        write,
        flush: () => {
          session.endRun("interrupted");
          return session.close();
        },
        exit: (code) => Deno.exit(code),
        runId: () => session.runId === null ? undefined : String(session.runId),
        ...(reporter ? { progress: reporter } : {}),
      });
      onSigint = policy.onSignal;
      try {
        Deno.addSignalListener("SIGINT", onSigint);
      } catch {
        onSigint = undefined;
      }
    },
    ended: () => {
      stop();
      reporter?.finish();
      reporter = undefined;
    },
  });
  globalThis.addEventListener("unhandledrejection", (e) => {
    const text = formatUncaught(e.reason, {
      droverRoot: DROVER_ROOT,
      cwd: Deno.cwd(),
      mapStack: (stack) => mapJobStack(stack),
    });
    if (text === undefined) return;
    e.preventDefault();
    write(text.endsWith("\n") ? text : `${text}\n`);
    Deno.exitCode = 1;
  });
}

let installed = false;

function readEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

function isTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

function columns(): number | undefined {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return undefined;
  }
}
