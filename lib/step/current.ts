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
  const session = new Session();
  current = session;
  let failure: string | undefined;
  const onError = (e: ErrorEvent | PromiseRejectionEvent): void => {
    const reason = "reason" in e ? e.reason : e.error;
    failure = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    session.endRun("failed", failure);
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onError);
  globalThis.addEventListener("unload", () => {
    if (failure === undefined) session.endRun("done");
  });
  return session;
}

/**
 * Replaces the current session with a new one opened with these options.
 *
 * @param options Session options.
 * @returns The new session.
 */
export function configure(options: SessionOptions): Session {
  const session = new Session(options);
  useSession(session);
  return session;
}
