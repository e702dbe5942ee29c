/**
 * Where a flow's calls go (`flow.on(...)`): a system, one route for every step, or remote
 * info, read once into the {@linkcode RemoteInfo} that routes each step of the flow.
 *
 * @module
 */
import {
  EVERY_CALL_KEY,
  matchRoute,
  parseRemoteInfo,
  type RemoteInfo,
  type RemoteInfoInput,
  type RouteInput,
  type RouteMatch,
  type StackFrame,
} from "../routing/mod.ts";
import type { FlowNode } from "./node.ts";

/**
 * What `flow.on(...)` takes: a system name (every step's calls go there), one route for
 * every step (`{ system: "cluster", inputsPerJob: 20 }`), or remote info whose keys are
 * call-stack patterns (`"*::solve"`, `"screen.ts::main,*::solve"`) or labels.
 */
export type FlowTarget = string | RouteInput | RemoteInfoInput | RemoteInfo;

function isRemoteInfo(x: object): x is RemoteInfo {
  return "rules" in x && Array.isArray((x as RemoteInfo).rules);
}

/**
 * Reads a flow target into remote info. A system name or a single route applies to every
 * step (key `*::*`). A flow restarts failed elements itself, in rounds (each round one array
 * over only the failed elements): up to a step's `maxRestarts`, else its route's.
 *
 * @param target A system name, one route, or remote info.
 * @param flow The flow's name (error messages name it).
 * @returns The remote info.
 * @throws {TypeError} for an empty system name or a target of another type.
 * @throws {RemoteInfoError} for a route or remote info that is not valid.
 *
 * @example
 * ```ts
 * import { parseFlowTarget } from "./flow_target.ts";
 * import assert from "node:assert/strict";
 * const info = parseFlowTarget("cluster", "screen");
 * assert.equal(info.rules[0].key, "*::*");
 * assert.equal(info.rules[0].route.system, "cluster");
 * assert.equal(info.rules[0].route.maxRestarts, 2);
 * const packed = parseFlowTarget({ system: "cluster", inputsPerJob: 20 }, "screen");
 * assert.equal(packed.rules[0].route.inputsPerJob, 20);
 * const bySteps = parseFlowTarget({ "*::solve": { system: "gpu" } }, "screen");
 * assert.equal(bySteps.rules[0].key, "*::solve");
 * assert.throws(() => parseFlowTarget({ system: "c", inputsPerJob: 0 }, "screen"), /flow\.on of "screen"/);
 * ```
 */
export function parseFlowTarget(target: FlowTarget, flow: string): RemoteInfo {
  const source = `for flow.on of "${flow}"`;
  if (typeof target === "string") {
    if (target === "") throw new TypeError(`Cannot route flow "${flow}": the system name is empty`);
    return parseRemoteInfo({ [EVERY_CALL_KEY]: { system: target } }, source);
  }
  if (target === null || typeof target !== "object") {
    throw new TypeError(
      `Cannot route flow "${flow}": expected a system name, a route or remote info (got ${
        target === null ? "null" : typeof target
      })`,
    );
  }
  if (isRemoteInfo(target)) return target;
  if (typeof (target as RouteInput).system === "string") {
    const route = target as RouteInput;
    return parseRemoteInfo({ [EVERY_CALL_KEY]: route }, source);
  }
  return parseRemoteInfo(target as RemoteInfoInput, source);
}

/**
 * The route of a flow step's calls: the key of `info` that matches the stack where the
 * flow was run plus the step call (its name, file and label).
 *
 * @param info The flow's remote info.
 * @param stack Where the flow was run (outermost first; drover's frames left out).
 * @param node The step.
 * @returns The match, or undefined (the session's own remote info decides).
 * @throws {AmbiguousRouteError} when keys tie.
 *
 * @example
 * ```ts
 * import { parseFlowTarget, routeOfNode } from "./flow_target.ts";
 * import { stepNode } from "./node.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const solve = step("doc-target-solve", ({ x }: { x: number }) => x);
 * const info = parseFlowTarget({ "*::doc-target-solve": { system: "gpu" } }, "f");
 * assert.equal(routeOfNode(info, [], stepNode(solve))?.route.system, "gpu");
 * assert.equal(routeOfNode(parseFlowTarget({ "*::other": { system: "gpu" } }, "f"), [], stepNode(solve)), undefined);
 * ```
 */
export function routeOfNode(
  info: RemoteInfo,
  stack: readonly StackFrame[],
  node: FlowNode,
): RouteMatch | undefined {
  const def = node.step.definition;
  return matchRoute(info, stack, {
    stepName: def.name,
    ...(def.site?.file ? { stepFile: def.site.file } : {}),
    ...(def.options.label ? { label: def.options.label } : {}),
  });
}
