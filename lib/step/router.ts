/**
 * Routing of step calls by remote info: the stack and label of a call (captured where the
 * call is made), the route that matches them, and the record of call sites for
 * `drover routes explain --script` (a write, named as one).
 *
 * @module
 */
import {
  captureStack,
  loadRemoteInfo,
  matchRoute,
  parseRemoteInfo,
  type RemoteInfo,
  type RemoteInfoInput,
  type RouteMatch,
  type StackFrame,
} from "../routing/mod.ts";
import type { Store } from "../store/mod.ts";
import type { StepDefinition } from "./definition.ts";

/** Where a call was made. */
export interface RemoteRouting {
  /** The stack at the call. */
  readonly stack: readonly StackFrame[];
  /** The label of the call. */
  readonly label: string | undefined;
}

/** Options of {@linkcode Router}. */
export interface RouterOptions {
  /** Remote info given in code; default: from `env` (`DROVER_REMOTE_INFO`). */
  readonly remoteInfo?: RemoteInfo | RemoteInfoInput;
  /** The environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Where a remote info path is resolved from. */
  readonly cwd: string;
}

/**
 * Routes calls by remote info.
 *
 * @example
 * ```ts
 * import { Router } from "./router.ts";
 * import assert from "node:assert/strict";
 * const router = new Router({ env: {}, cwd: "/" });
 * assert.equal(router.active, false);
 * ```
 */
export class Router {
  /** The remote info in force, if any. */
  readonly info: RemoteInfo | undefined;
  readonly #sites = new Set<string>();

  /**
   * Reads the remote info (given, or from the environment).
   *
   * @param options Remote info (or the environment to read it from) and cwd.
   * @throws {RemoteInfoError} When the remote info is not valid (named with its source).
   */
  constructor(options: RouterOptions) {
    const given = options.remoteInfo;
    this.info = given === undefined
      ? loadRemoteInfo(options.env, { cwd: options.cwd })
      : "rules" in given && Array.isArray(given.rules)
      ? given as RemoteInfo
      : parseRemoteInfo(given as RemoteInfoInput);
  }

  /** Whether routing is on (remote info with rules exists). */
  get active(): boolean {
    return this.info !== undefined && this.info.rules.length > 0;
  }

  /**
   * The stack and label of a call, captured synchronously where the call is made (pure).
   *
   * @param label The call's label, if any.
   * @returns What routing needs, or undefined when routing is off.
   */
  capture(label: string | undefined): RemoteRouting | undefined {
    if (!this.active) return undefined;
    return { stack: captureStack(), label };
  }

  /**
   * The route of a call, if remote info routes it.
   *
   * @param def The step.
   * @param routing The stack and label.
   * @returns The match, or undefined (run locally).
   */
  // deno-lint-ignore no-explicit-any
  route(def: StepDefinition<any, any>, routing: RemoteRouting | undefined): RouteMatch | undefined {
    if (!this.info || !routing) return undefined;
    return matchRoute(this.info, routing.stack, {
      stepName: def.name,
      stepFile: def.site?.file,
      label: routing.label,
    });
  }

  /**
   * Records where a routed call was made (once per run, step, label and stack), cached
   * calls included, for `drover routes explain --script`.
   *
   * @param store The store.
   * @param runId The run.
   * @param def The step.
   * @param routing The stack and label.
   */
  recordSite(
    store: Store,
    runId: number | null,
    // deno-lint-ignore no-explicit-any
    def: StepDefinition<any, any>,
    routing: RemoteRouting,
  ): void {
    if (runId === null) return;
    const id = `${def.name}\0${routing.label ?? ""}\0${
      routing.stack.map((f) => `${f.file}:${f.line}:${f.function}`).join("|")
    }`;
    if (this.#sites.has(id)) return;
    this.#sites.add(id);
    store.jobs.putCallSite({
      runId,
      step: def.name,
      stepFile: def.site?.file,
      label: routing.label,
      frames: routing.stack,
    });
  }
}
