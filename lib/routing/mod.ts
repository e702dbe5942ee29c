/**
 * Routing: which step calls run where. Remote info (the `DROVER_REMOTE_INFO` environment
 * variable, the JSON file it names, or an object given in code) maps call-stack patterns and
 * labels to routes: a system, resources, how many calls go into one job, files to stage,
 * environment and restarts. A call no key matches runs locally. Remote info written for
 * wfl/ExPyRe (`WFL_EXPYRE_INFO`: routes with `sys_name`) is read as it is, each translated
 * field noted in the result's `notes` (see {@linkcode translateExpyreInfo}).
 *
 * ```ts
 * import { explainRoutes, matchRoute, parseRemoteInfo } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const info = parseRemoteInfo(JSON.stringify({
 *   "relax_all.ts::main,lib/relax.ts::relax": {
 *     system: "cluster",
 *     resources: { cores: 16, time: "2:00:00", memory: "8G" },
 *     inputsPerJob: 10,
 *   },
 *   gpu: { system: "gpu-cluster", resources: { gpus: 1 } },
 * }), "from DROVER_REMOTE_INFO");
 * const stack = [{ file: "/p/relax_all.ts", function: "main" }];
 * const call = { stepName: "relax", stepFile: "/p/lib/relax.ts" };
 * assert.equal(matchRoute(info, stack, call)?.route.system, "cluster");
 * assert.equal(matchRoute(info, stack, { ...call, label: "gpu" })?.key, "gpu");
 * const why = explainRoutes(info, stack, { ...call, cwd: "/p" });
 * assert.equal(why.keys[1].reason, "the call has no label");
 * const wfl = parseRemoteInfo('{"vasp": {"sys_name": "hpc", "resources": {"num_cores": 8, "max_time": "2h"}}}');
 * assert.deepEqual(wfl.rules[0].route.resources, { cores: 8, time: 7_200_000 });
 * assert.match(wfl.notes?.[0].message ?? "", /sys_name "hpc" -> system "hpc"$/);
 * ```
 *
 * @module
 */
export type {
  FramePattern,
  RemoteInfo,
  RemoteInfoInput,
  ResourcesFunction,
  ResourcesInput,
  Route,
  RouteInput,
  RoutePattern,
  RouteRule,
} from "./remote_info.ts";
export { AmbiguousRouteError, RemoteInfoError } from "./errors.ts";
export {
  EVERY_CALL_KEY,
  EXPYRE_ROUTE_KEYS,
  isExpyreRoute,
  type RemoteInfoNote,
  translateExpyreInfo,
} from "./expyre_info.ts";
export { IN_CODE, parseRemoteInfo, safeParseRemoteInfo } from "./parse_remote_info.ts";
export { loadRemoteInfo, type LoadRemoteInfoOptions, REMOTE_INFO_VAR } from "./load_remote_info.ts";
export {
  formatFramePattern,
  formatRoutePattern,
  parseRouteKey,
  ROUTE_KEY_FORMS,
  safeParseRouteKey,
  wildcardCount,
} from "./route_key.ts";
export {
  captureStack,
  displayFile,
  formatStackFrame,
  parseStackText,
  parseStackTrace,
  type ParseStackTraceOptions,
  type StackFrame,
} from "./stack.ts";
export {
  explainRoutes,
  type ExplainRoutesOptions,
  type KeyExplanation,
  matchRoute,
  type RouteCall,
  type RouteExplanation,
  type RouteMatch,
} from "./match_route.ts";
export { resourcesFor } from "./resources_for.ts";
export { callerSite, type CallSite, parseStackFrame } from "./call_site.ts";
