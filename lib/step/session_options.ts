/**
 * The options of a session and of its calls.
 *
 * @module
 */
import type { RemoteInfo, RemoteInfoInput, RouteMatch } from "../routing/mod.ts";
import type { Clock } from "../runtime/mod.ts";
import type { System } from "../systems/mod.ts";
import type { CallOptions } from "./definition.ts";
import type { EventSink } from "./events.ts";
import type { KeyParts } from "./key.ts";

/** Remote execution options of a session. */
export interface RemoteOptions {
  /** Remote info given in code; default: `DROVER_REMOTE_INFO`, if set. */
  readonly remoteInfo?: RemoteInfo | RemoteInfoInput;
  /** Systems given in code; default: the project's `drover.yaml` over the user's config. */
  readonly systems?: Readonly<Record<string, System>>;
  /** An element missing from its scheduler with no markers is lost after this, ms. Default: 60 000. */
  readonly graceMs?: number;
  /** Calls arriving within this many ms share a job array. Default: 20. */
  readonly batchMs?: number;
  /** Poll interval ceiling, ms. Default: 30 x the system's `pollMs`, at most 60 000. */
  readonly maxPollMs?: number;
  /** How long a system may stay unreachable before its calls fail, ms. Default: 600 000. */
  readonly unreachableLimitMs?: number;
}

/** Options of {@linkcode openSession}. */
export interface SessionOptions extends RemoteOptions {
  /** The `.drover` directory. Default: found from `cwd` or `DROVER_PROJECT`. */
  readonly dir?: string;
  /** Where to look for the project and read input files. Default: `Deno.cwd()`. */
  readonly cwd?: string;
  /** The environment (remote info, flags). Default: `Deno.env.toObject()`, read once. */
  readonly env?: Readonly<Record<string, string>>;
  /** Most in-process calls running at once. Default: 64. */
  readonly concurrency?: number;
  /** Most isolate workers. Default: `navigator.hardwareConcurrency`. */
  readonly isolateWorkers?: number;
  /** Run every step isolated. Default: each step's own option. */
  readonly isolate?: boolean;
  /** Re-run failed calls instead of rethrowing. Default: `DROVER_RETRY_FAILED=1`, else false. */
  readonly retryFailed?: boolean;
  /** Receives runtime events. */
  readonly onEvent?: EventSink;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /** Longest a finished call waits for its group commit, ms. Default: 0 (this turn). */
  readonly flushMs?: number;
  /** Record this process as a run (script, argv). Default: true. */
  readonly recordRun?: boolean;
  /** How long a claim on a call lasts without renewal, ms. Default: 60 000. */
  readonly leaseMs?: number;
}

/** The key of one call and what it is made of. */
export interface CallKeyInfo extends KeyParts {
  /** The key. */
  readonly key: string;
  /** The identity parts behind `codeHash`. */
  readonly codeParts: Readonly<Record<string, string>>;
}

/** Per-call options of `Session.call` (the same as a step call's). */
export type SessionCallOptions = CallOptions & {
  /** Hand back a `ResultRef` to a result left on a system instead of reading it (callRef). */
  readonly lazy?: boolean;
  /**
   * Send the call this way instead of matching the session's remote info (what a flow's
   * `.on(...)` decided). Default: the session's remote info routes it.
   */
  readonly route?: RouteMatch;
};

/** What `Session.cachedMany` found, by position of the calls. */
export interface CachedCalls<O> {
  /** The key of each call; undefined where its inputs are not valid. */
  readonly keys: readonly (string | undefined)[];
  /** The values of the calls the cache answered. */
  readonly hits: ReadonlyMap<number, O>;
}
