/**
 * `step()`: turn a function of named inputs into a cached, routable step.
 *
 * @module
 */
import { callerSite } from "../routing/mod.ts";
import type { CallOptions, StepDefinition, StepOptions } from "./definition.ts";
import { registerStep } from "./registry.ts";
import { currentSession } from "./current.ts";

/** A step: call it like the function it wraps; every call is cached. */
export interface Step<I, O> {
  /**
   * Calls the step through the cache.
   *
   * @param inputs Named inputs.
   * @param options Per-call options.
   */
  (inputs: I, options?: CallOptions): Promise<O>;
  /** The step's name. */
  readonly stepName: string;
  /** The definition (function, options, where it was written). */
  readonly definition: StepDefinition<I, O>;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/**
 * Defines a step. Each call is keyed by the step's name, its code identity (its own source
 * and the project code it calls), `version`, and the canonical hash of its arguments (minus
 * `ignore`d ones); a call with a known key returns the stored result instead of running.
 *
 * Define steps at the top level of a module, and keep a workflow script's own work inside
 * `if (import.meta.main) { ... }` so that importing the module (isolate workers, remote
 * jobs) does not run the workflow again.
 *
 * @param name Unique step name (letters, digits, `_ . : -`).
 * @param fn The work: takes one object of named inputs, returns a value or a promise.
 * @param options Version salt, ignored arguments, cache switch, input schema, isolation.
 * @returns The callable step.
 * @throws {TypeError} for a bad name, a non-function, or a name already used by another step.
 *
 * @example
 * ```ts
 * import { openSession, step, useSession } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const previous = useSession(session);
 * let runs = 0;
 * const square = step("doc-square", ({ x }: { x: number }) => {
 *   runs++;
 *   return x * x;
 * });
 * assert.equal(await square({ x: 4 }), 16);
 * assert.equal(await square({ x: 4 }), 16); // from the cache
 * assert.equal(runs, 1);
 * useSession(previous);
 * await session.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function step<I extends object, O>(
  name: string,
  fn: (inputs: I) => O | Promise<O>,
  options: StepOptions<I> = {},
): Step<I, Awaited<O>> {
  if (typeof name !== "string" || !NAME_RE.test(name)) {
    throw new TypeError(
      `Cannot define step ${
        JSON.stringify(name)
      }: a name must start with a letter or _ and use only letters, digits, _ . : -`,
    );
  }
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot define step "${name}": fn must be a function (got ${typeof fn})`);
  }
  const definition: StepDefinition<I, Awaited<O>> = {
    name,
    fn: fn as (inputs: I) => Promise<Awaited<O>>,
    options,
    site: callerSite(1),
  };
  registerStep(definition);
  const call = (inputs: I, callOptions?: CallOptions): Promise<Awaited<O>> =>
    currentSession().call(definition, inputs, callOptions);
  Object.defineProperties(call, {
    name: { value: name },
    stepName: { value: name, enumerable: true },
    definition: { value: definition, enumerable: true },
  });
  return call as Step<I, Awaited<O>>;
}
