/**
 * The resources of a route for one attempt.
 *
 * @module
 */
import { describeIssue, type Resources } from "../systems/mod.ts";
import type { Route } from "./remote_info.ts";
import { RESOURCES } from "./_schema.ts";

/**
 * The resources of a route for one attempt: the route's resources, or what its resources
 * function returns for `attempt`, validated and parsed (times to ms, sizes to bytes).
 *
 * @param route The route.
 * @param attempt 1 for the first run, 2 for the first restart, ...
 * @returns The resources.
 * @throws {RangeError} When `attempt` is not a whole number, 1 or more.
 * @throws {TypeError} When the resources function throws or returns something invalid.
 *
 * @example
 * ```ts
 * import { resourcesFor } from "./resources_for.ts";
 * import { parseRemoteInfo } from "./parse_remote_info.ts";
 * import assert from "node:assert/strict";
 * const [rule] = parseRemoteInfo({
 *   gpu: { system: "c", resources: (attempt) => ({ time: `${attempt}:00:00` }) },
 * }).rules;
 * assert.deepEqual(resourcesFor(rule.route, 2), { time: 7_200_000 });
 * ```
 */
export function resourcesFor(route: Route, attempt: number): Resources {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `Cannot compute resources: attempt must be a whole number, 1 or more (got ${attempt})`,
    );
  }
  if (typeof route.resources !== "function") return route.resources;
  let value: unknown;
  try {
    value = route.resources(attempt);
  } catch (e) {
    throw new TypeError(
      `Cannot compute resources for attempt ${attempt}: the resources function threw (${
        e instanceof Error ? e.message : String(e)
      })`,
      { cause: e },
    );
  }
  const parsed = RESOURCES.safeParse(value);
  if (!parsed.success) {
    const problem = describeIssue(parsed.error.issues[0], value);
    throw new TypeError(
      `Cannot compute resources for attempt ${attempt}: what the resources function returned is not valid: ${problem.message}`,
    );
  }
  return parsed.data;
}
