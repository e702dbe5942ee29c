/**
 * The shape of a step definition and its options.
 *
 * @module
 */
import type { Limiter } from "../runtime/mod.ts";
import type { CallSite } from "../routing/mod.ts";

/** A schema that validates and types a step's inputs (a zod schema fits). */
export interface InputSchema<I> {
  /** zod-style safe parse. */
  safeParse(data: unknown):
    | { success: true; data: I }
    | {
      success: false;
      error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
    };
}

/** Options of {@linkcode step}. */
export interface StepOptions<I> {
  /** Salt mixed into every key: bump it to invalidate all cached calls. Default: "". */
  readonly version?: string;
  /** Argument names left out of the key (seeds, log levels). Default: none. */
  readonly ignore?: readonly (keyof I & string)[];
  /** Whether calls are cached at all. Default: true. */
  readonly cache?: boolean;
  /**
   * Name(s) of the output, used by flows: one name for the whole result, or several for a
   * tuple (by position) or object (by key) result. Default: the step name.
   */
  readonly returns?: string | readonly string[];
  /**
   * Names of the inputs, used by flows. Default: read from the function's destructured
   * parameter (`({ a, b = 1 }) => ...`; `b` has a default, so a flow need not provide it).
   */
  readonly inputs?: readonly string[];
  /** Schema that validates (and types) the inputs before hashing. */
  readonly input?: InputSchema<I>;
  /** Re-run calls whose stored outcome is a failure instead of rethrowing it. Default: false. */
  readonly retryFailed?: boolean;
  /** Run calls in a pool of worker processes so a crash cannot take the driver down. Default: false. */
  readonly isolate?: boolean;
  /** A label that remote info can route by. */
  readonly label?: string;
}

/** Everything the runtime needs about one step. */
export interface StepDefinition<I, O> {
  /** Unique step name. */
  readonly name: string;
  /** The user function. */
  readonly fn: (inputs: I) => O | Promise<O>;
  /** Options as given. */
  readonly options: StepOptions<I>;
  /** Where `step(...)` was written, when it could be told. */
  readonly site: CallSite | undefined;
}

/** Per-call options. */
export interface CallOptions {
  /** Re-run this call if its stored outcome is a failure. */
  readonly retryFailed?: boolean;
  /** A label remote info can route this call by (overrides the step's). */
  readonly label?: string;
  /**
   * An extra limit on running this call here (what `map`'s `concurrency` uses). A routed call
   * is never held back by it: every routed call of a map goes into one job array.
   */
  readonly limiter?: Limiter;
  /** Stops the call before it starts running here (its reason is thrown). */
  readonly signal?: AbortSignal;
  /**
   * Called once when the call has been routed to a system and handed to the remote runtime
   * (queued for its job), long before it ends; not for calls run here or answered from the
   * store. `map` uses it to start its next input while routed calls wait for their jobs.
   */
  readonly onRouted?: () => void;
  /**
   * The stack of the place the call was made, as text, for routing: `map` captures its own
   * call site once for all its calls (their stacks differ only in drover's frames, which
   * routing does not read). Default: the call's own stack.
   */
  readonly siteStack?: string;
  /**
   * Called with the call's key and its result's bytes as stored, when the call ends done
   * here (after its record is committed) or is answered from the store; not for routed
   * calls, failures or calls joined to one already in flight. `map` uses it to keep a chunk
   * of finished calls as one result set, which its replay reads in one row.
   */
  readonly onStored?: (key: string, bytes: Uint8Array) => void;
}
