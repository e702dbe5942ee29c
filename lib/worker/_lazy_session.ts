/**
 * A session opened only when first used (folder private): a job element installs it as the
 * current session, and only a step that calls other steps (or reads the session) pays for
 * opening the element's store (SQLite, schema check, code identities): about 50 ms of CPU at
 * every element start otherwise.
 *
 * @module
 */
import { Session } from "../step/mod.ts";

/** A session that opens on first use, and what was opened. */
export interface LazySession {
  /** Stands for the session: any property read opens it and is read from it. */
  readonly session: Session;
  /** The session if it was opened, else undefined. */
  opened(): Session | undefined;
}

/**
 * Makes a session that is opened by `open` when first used.
 *
 * @param open Opens the real session (called at most once; a throw is thrown at the use).
 * @returns The stand-in and the session opened so far.
 */
export function lazySession(open: () => Session): LazySession {
  let real: Session | undefined;
  const get = (): Session => real ??= open();
  const session = new Proxy(Object.create(Session.prototype) as Session, {
    get(_target, prop): unknown {
      const s = get();
      const value = Reflect.get(s, prop, s);
      // Methods run on the real session (its #private fields are not on the stand-in).
      return typeof value === "function" ? value.bind(s) : value;
    },
    set(_target, prop, value): boolean {
      return Reflect.set(get(), prop, value);
    },
    has(_target, prop): boolean {
      return Reflect.has(get(), prop);
    },
  });
  return { session, opened: () => real };
}
