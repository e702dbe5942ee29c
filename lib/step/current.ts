/**
 * The current session: the one `step` calls go through.
 *
 * @module
 */
import { Session, type SessionOptions } from "./session.ts";
import type { DroverEvent, EventSink } from "./events.ts";

let current: Session | undefined;

/**
 * What the terminal side of a script adds to the sessions it opens by default or with
 * {@linkcode configure} (the root module installs progress on stderr, Ctrl-C handling and
 * short failure blocks here; lib/ itself never prints).
 */
export interface ScriptHooks {
  /** Receives every event of those sessions. */
  readonly onEvent?: EventSink;
  /** Called when a session becomes the script's session. */
  readonly adopted?: (session: Session) => void;
  /** Called when the process ends normally or by an uncaught error. */
  readonly ended?: (session: Session, status: "done" | "failed") => void;
}

let hooks: ScriptHooks = {};
let guard: string | undefined;
let guardTripped = 0;

/**
 * While set, any step call fails with this message (the element runner sets it while it
 * loads a workflow module in a job: a step called then means the module's own work is not
 * inside `if (import.meta.main)`).
 *
 * @param message The message, or undefined to allow calls again.
 * @returns How many step calls the previous guard refused (even if user code caught them).
 */
export function guardStepCalls(message: string | undefined): number {
  const tripped = guardTripped;
  guard = message;
  guardTripped = 0;
  return tripped;
}

/**
 * Sets the script hooks (see {@linkcode ScriptHooks}); the previous ones are replaced.
 *
 * @param next The hooks.
 * @returns The previous hooks.
 */
export function setScriptHooks(next: ScriptHooks): ScriptHooks {
  const previous = hooks;
  hooks = next;
  return previous;
}

function withHooks(options: SessionOptions): SessionOptions {
  const own = options.onEvent;
  const hook = hooks.onEvent;
  if (!hook) return options;
  return {
    ...options,
    onEvent: own
      ? (e: DroverEvent) => {
        hook(e);
        own(e);
      }
      : hook,
  };
}

/**
 * Makes `session` the one `step` calls use (or, with undefined, forgets it so the next call
 * opens the default one).
 *
 * @param session The session.
 * @returns The previous session.
 */
export function useSession(session: Session | undefined): Session | undefined {
  const previous = current;
  current = session;
  return previous;
}

/**
 * The session `step` calls use: the one set by {@linkcode useSession} or
 * {@linkcode configure}, else a default one opened on the project found from the working
 * directory, recorded as a run and ended when the process exits.
 *
 * @returns The session.
 */
export function currentSession(): Session {
  if (guard !== undefined) {
    guardTripped++;
    throw new TypeError(guard);
  }
  if (current) return current;
  // An isolate worker's nested step calls share the driver's store but are not a run of their own.
  return adopt(new Session(withHooks({ recordRun: !isIsolateWorker() })));
}

/**
 * Replaces the current session with a new one opened with these options. Like the default
 * session, it is recorded as a run, and its buffered calls are written and its run ended
 * when the process exits (normally, by `Deno.exit`, or by an uncaught error). A previous
 * session opened by `configure` or by default is ended first.
 *
 * @param options Session options.
 * @returns The new session.
 */
export function configure(options: SessionOptions): Session {
  const session = new Session(withHooks(options));
  const previous = current;
  if (previous && owned.has(previous)) {
    previous.endRun("done");
    void previous.close();
  }
  return adopt(session);
}

const owned = new WeakSet<Session>();
let hooked = false;

/** Makes `session` current and ends its run with the process. */
function adopt(session: Session): Session {
  owned.add(session);
  current = session;
  hooks.adopted?.(session);
  if (hooked) return session;
  hooked = true;
  let failure: string | undefined;
  const onError = (e: ErrorEvent | PromiseRejectionEvent): void => {
    const reason = "reason" in e ? e.reason : e.error;
    failure = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    if (current && owned.has(current)) {
      current.endRun("failed", failure);
      hooks.ended?.(current, "failed");
    }
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onError);
  globalThis.addEventListener("unload", () => {
    if (failure === undefined && current && owned.has(current)) {
      current.endRun("done");
      hooks.ended?.(current, "done");
    }
  });
  return session;
}

function isIsolateWorker(): boolean {
  try {
    return Deno.env.get("DROVER_ISOLATE_WORKER") === "1";
  } catch {
    return false;
  }
}
