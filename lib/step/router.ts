/**
 * Routing of step calls by remote info: the stack and label of a call (captured where the
 * call is made), the route that matches them, and the record of call sites for
 * `drover routes explain --script` (a write, named as one).
 *
 * @module
 */
import {
  loadRemoteInfo,
  matchRoute,
  parseRemoteInfo,
  type RemoteInfo,
  type RemoteInfoInput,
  type RouteMatch,
  type StackFrame,
} from "../routing/mod.ts";
import type { Store } from "../store/mod.ts";
import { stackText, userFrames } from "./_call_site_id.ts";
import type { StepDefinition } from "./definition.ts";

/** Call sites remembered at most; beyond, the memory starts again (deep recursion). */
const MAX_SITES = 4096;

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
  readonly #matched = new Set<string>();
  readonly #candidates = new Set<string>();
  /** Routing of each call site seen (by its identity and label): one capture a site. */
  readonly #routings = new Map<string, RemoteRouting>();
  /** The route of each routing and step (null: none), so a map site matches once. */
  readonly #routes = new WeakMap<RemoteRouting, Map<unknown, RouteMatch | null>>();
  /** The steps whose site was recorded, per routing. */
  readonly #recorded = new WeakMap<RemoteRouting, Set<string>>();
  #captures = 0;

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

  /** How many distinct call sites (stacks and labels) were parsed into frames. */
  get captures(): number {
    return this.#captures;
  }

  /**
   * The stack and label of a call, captured synchronously where the call is made. The
   * stack is formatted from the caller of `above` outwards only (drover's own frames above
   * it cost nothing), and calls from the same site with the same label share one parse,
   * one object and so one route match.
   *
   * @param label The call's label, if any.
   * @param above A function on the stack (the step call's entry into drover) whose frame
   * and those above it are not read. Default: this method.
   * @returns What routing needs, or undefined when routing is off.
   */
  capture(
    label: string | undefined,
    above: (...args: never[]) => unknown = Router.prototype.capture,
  ): RemoteRouting | undefined {
    if (!this.active) return undefined;
    return this.captureText(label, stackText(above));
  }

  /**
   * {@linkcode Router.capture} of a stack already captured as text (`stackText`).
   *
   * @param label The call's label, if any.
   * @param text The stack's text.
   * @returns What routing needs, or undefined when routing is off.
   */
  captureText(label: string | undefined, text: string): RemoteRouting | undefined {
    if (!this.active) return undefined;
    const id = `${label ?? ""}\0${text}`;
    let routing = this.#routings.get(id);
    if (routing === undefined) {
      if (this.#routings.size >= MAX_SITES) this.#routings.clear();
      this.#captures += 1;
      routing = { stack: userFrames(text), label };
      this.#routings.set(id, routing);
    }
    return routing;
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
    let routes = this.#routes.get(routing);
    if (routes === undefined) {
      routes = new Map();
      this.#routes.set(routing, routes);
    }
    const known = routes.get(def);
    if (known !== undefined) return known ?? undefined;
    const match = matchRoute(this.info, routing.stack, {
      stepName: def.name,
      stepFile: def.site?.file,
      label: routing.label,
    });
    routes.set(def, match ?? null);
    return match;
  }

  /**
   * The keys of the remote info that matched none of the calls seen so far.
   *
   * @returns Each unused key with the three call sites most like it.
   */
  unused(): UnusedKey[] {
    if (!this.info || this.#sites.size === 0) return [];
    const candidates = [...this.#candidates];
    return this.info.rules.filter((r) => !this.#matched.has(r.key)).map((r) => ({
      key: r.key,
      nearest: candidates
        .map((c) => ({ c, d: distance(r.key.split(",").at(-1) ?? r.key, c) }))
        .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
        .slice(0, 3)
        .map((x) => x.c),
    }));
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
    let steps = this.#recorded.get(routing);
    if (steps === undefined) {
      steps = new Set();
      this.#recorded.set(routing, steps);
    }
    if (steps.has(def.name)) return;
    steps.add(def.name);
    const id = `${def.name}\0${routing.label ?? ""}\0${
      routing.stack.map((f) => `${f.file}:${f.line}:${f.function}`).join("|")
    }`;
    if (this.#sites.has(id)) return;
    this.#sites.add(id);
    // Which keys match calls made in this run (cached calls included), for unusedKeys().
    const match = this.route(def, routing);
    if (match) this.#matched.add(match.key);
    if (def.site) this.#candidates.add(`${baseName(def.site.file)}::${def.name}`);
    for (const f of routing.stack) this.#candidates.add(`${baseName(f.file)}::${f.function}`);
    if (runId === null) return;
    store.jobs.putCallSite({
      runId,
      step: def.name,
      stepFile: def.site?.file,
      label: routing.label,
      frames: routing.stack,
    });
  }
}

/** A remote-info key no call of the run matched, with the call sites most like it. */
export interface UnusedKey {
  /** The key as written. */
  readonly key: string;
  /** Up to three `file::function` sites of this run closest to it. */
  readonly nearest: readonly string[];
}

/**
 * Remote-info keys that matched no call seen by a router (a typo sends nothing to the
 * cluster: the calls silently run here), each with the closest call sites seen.
 *
 * @param router The router of a run.
 * @returns The unused keys (none when routing is off or nothing was called).
 *
 * @example
 * ```ts
 * import { Router, unusedKeys } from "./router.ts";
 * import assert from "node:assert/strict";
 * const router = new Router({ env: {}, cwd: "/" });
 * assert.deepEqual(unusedKeys(router), []);
 * ```
 */
export function unusedKeys(router: Router): UnusedKey[] {
  return router.unused();
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length];
}
