/**
 * The current session: the one `step` calls go through.
 *
 * @module
 */
import { Session, type SessionOptions } from "./session.ts";

let current: Session | undefined;

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
  if (current) return current;
  // An isolate worker's nested step calls share the driver's store but are not a run of their own.
  return adopt(new Session({ recordRun: !isIsolateWorker() }));
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
  const session = new Session(options);
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
  if (hooked) return session;
  hooked = true;
  let failure: string | undefined;
  const onError = (e: ErrorEvent | PromiseRejectionEvent): void => {
    const reason = "reason" in e ? e.reason : e.error;
    failure = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    if (current && owned.has(current)) current.endRun("failed", failure);
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onError);
  globalThis.addEventListener("unload", () => {
    if (failure === undefined && current && owned.has(current)) current.endRun("done");
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
