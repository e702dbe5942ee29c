/**
 * Matching a call against remote info: which key routes it, and why the others do not.
 *
 * A call is described by the call stack that led to it, outermost first (from
 * {@linkcode captureStack}), plus the step call itself as one more, innermost frame named
 * `<file>::<stepName>`, where `<file>` is the file in which the step was defined (the
 * `step(...)` call) and `<stepName>` its name, and by the label set in code, if any.
 *
 * - A label key matches when the call's label equals it.
 * - A call-stack key `e1,e2,...,en` matches when its elements match frames in that order,
 *   not necessarily adjacent, with `en` matching the step call itself (the innermost
 *   frame): `relax_all.ts::main,lib/relax.ts::relax` matches every call of step `relax`
 *   defined in `lib/relax.ts` made while `main` of `relax_all.ts` is on the stack.
 * - An element `file::function` matches a frame when the file matches (`*`; an absolute
 *   path equal to the frame's; or a path suffix on `/` boundaries: `lib/relax.ts` matches
 *   `/p/lib/relax.ts` but not `/p/mylib/relax.ts`) and the function matches (`*`; the name
 *   itself; or its last part after a `.`, so `relax` matches V8's `Object.relax`). Top-level
 *   code and anonymous functions have no name and match only `*`.
 *
 * When several keys match, a label key wins over call-stack keys; among call-stack keys the
 * longest pattern wins, then the one with fewer `*`. Keys left tied are an error.
 *
 * @module
 */
import { AmbiguousRouteError } from "./errors.ts";
import type { RemoteInfo, Route } from "./remote_info.ts";
import { formatStackFrame, type StackFrame } from "./stack.ts";
import { allFrames, decide, describeRank, whyBetter } from "./_evaluate.ts";

/** The call being routed, besides its stack. */
export interface RouteCall {
  /** The step's name. */
  readonly stepName: string;
  /** The file in which the step was defined; absent when unknown (then only `*` matches it). */
  readonly stepFile?: string;
  /** The label set in code for this step or call, if any. */
  readonly label?: string;
}

/** The key that routes a call, and its route. */
export interface RouteMatch {
  /** The key as written. */
  readonly key: string;
  /** Where and how the call runs. */
  readonly route: Route;
}

/** Options of {@linkcode explainRoutes}. */
export interface ExplainRoutesOptions extends RouteCall {
  /** Show files relative to this directory. Default: as they are. */
  readonly cwd?: string;
}

/** Why one key does or does not route a call. */
export interface KeyExplanation {
  /** The key as written. */
  readonly key: string;
  /** Whether the key matches the call (it may still lose to a more specific key). */
  readonly matched: boolean;
  /** Whether this key routes the call. */
  readonly chosen: boolean;
  /** One readable sentence: what matched where, or what did not. */
  readonly reason: string;
}

/** How one call is routed, key by key. */
export interface RouteExplanation {
  /** The frames matched against, outermost first, the step call last, as `file::function`. */
  readonly frames: readonly string[];
  /** The key that routes the call; undefined when none matches or keys are tied. */
  readonly chosen: string | undefined;
  /** The system the call goes to; undefined when it runs locally. */
  readonly system: string | undefined;
  /** Keys tied for the call (then nothing is chosen); empty when there is no tie. */
  readonly conflict: readonly string[];
  /** Every key, in the order written. */
  readonly keys: readonly KeyExplanation[];
}

/**
 * Finds the key of remote info that routes a call (see the module doc for the rules).
 *
 * @param info The remote info.
 * @param stack The call stack that led to the step call, outermost first, without the step
 * call itself (as {@linkcode captureStack} returns it).
 * @param call The step's name and file, and the call's label.
 * @returns The chosen key and its route, or `undefined` when no key matches (run locally).
 * @throws {AmbiguousRouteError} When several keys match equally well.
 *
 * @example
 * ```ts
 * import { matchRoute } from "./match_route.ts";
 * import { parseRemoteInfo } from "./parse_remote_info.ts";
 * import assert from "node:assert/strict";
 * const info = parseRemoteInfo({
 *   "*::relax": { system: "small" },
 *   "relax_all.ts::main,lib/relax.ts::relax": { system: "big" },
 * });
 * const stack = [{ file: "/p/relax_all.ts", function: "main" }];
 * const call = { stepName: "relax", stepFile: "/p/lib/relax.ts" };
 * assert.equal(matchRoute(info, stack, call)?.route.system, "big");
 * assert.equal(matchRoute(info, [], call)?.route.system, "small");
 * assert.equal(matchRoute(info, stack, { stepName: "score" }), undefined);
 * ```
 */
export function matchRoute(
  info: RemoteInfo,
  stack: readonly StackFrame[],
  call: RouteCall,
): RouteMatch | undefined {
  const decision = decide(info, stack, call);
  if (decision.conflict.length > 0) throw new AmbiguousRouteError(call.stepName, decision.conflict);
  if (decision.chosen === undefined) return undefined;
  return { key: decision.chosen.rule.key, route: decision.chosen.rule.route };
}

/**
 * Explains, key by key, how remote info routes a call: which key is chosen, and why each
 * other key does not match or loses. Never throws for a tie; it reports it.
 *
 * @param info The remote info.
 * @param stack The call stack that led to the step call, outermost first, without the step
 * call itself.
 * @param options The step's name and file, the call's label, and the directory to show
 * files relative to.
 * @returns The frames, the chosen key and system, any tie, and one reason per key.
 *
 * @example
 * ```ts
 * import { explainRoutes } from "./match_route.ts";
 * import { parseRemoteInfo } from "./parse_remote_info.ts";
 * import assert from "node:assert/strict";
 * const info = parseRemoteInfo({ "main.ts::main,lib/relax.ts::relax": { system: "big" } });
 * const explanation = explainRoutes(info, [{ file: "/p/other.ts", function: "main" }], {
 *   stepName: "relax",
 *   stepFile: "/p/lib/relax.ts",
 *   cwd: "/p",
 * });
 * assert.equal(explanation.chosen, undefined);
 * assert.equal(
 *   explanation.keys[0].reason,
 *   "lib/relax.ts::relax matched frame 2 (the step call) but main.ts::main did not appear before it",
 * );
 * ```
 */
export function explainRoutes(
  info: RemoteInfo,
  stack: readonly StackFrame[],
  options: ExplainRoutesOptions,
): RouteExplanation {
  const decision = decide(info, stack, options);
  const frames = allFrames(stack, options);
  const best = decision.chosen;
  const keys = decision.evaluations.map((ev): KeyExplanation => {
    const chosen = ev === best;
    let reason = ev.reason;
    if (ev.matched && decision.conflict.includes(ev.rule.key)) {
      const others = decision.conflict.filter((k) => k !== ev.rule.key).map((k) =>
        JSON.stringify(k)
      );
      reason += `; tied with ${others.join(", ")} (${describeRank(ev)} each)`;
    } else if (ev.matched && chosen) {
      reason += decision.matchedCount === 1
        ? "; chosen"
        : ev.rule.pattern.kind === "label"
        ? "; chosen (labels take precedence over call-stack patterns)"
        : "; chosen as the most specific match";
    } else if (ev.matched && best !== undefined) {
      reason += `; but ${JSON.stringify(best.rule.key)} ${whyBetter(best, ev)}`;
    } else if (ev.matched) {
      // Lost to a tie between more specific keys.
      reason += `; but ${
        decision.conflict.map((k) => JSON.stringify(k)).join(" and ")
      } are more specific`;
    }
    return { key: ev.rule.key, matched: ev.matched, chosen, reason };
  });
  return {
    frames: frames.map((f, i) =>
      i === frames.length - 1 && options.stepFile === undefined
        ? `<unknown file>::${f.function}`
        : formatStackFrame(f, options.cwd)
    ),
    chosen: best?.rule.key,
    system: best?.rule.route.system,
    conflict: decision.conflict,
    keys,
  };
}
