/**
 * Private to lib/routing: evaluating every key of remote info against one call, ranking the
 * matches, and the words explanations are made of. The rules are documented in
 * match_route.ts.
 *
 * @module
 */
import type { FramePattern, RemoteInfo, RouteRule } from "./remote_info.ts";
import { formatFramePattern, wildcardCount } from "./route_key.ts";
import { displayFile, type StackFrame } from "./stack.ts";
import type { ExplainRoutesOptions, RouteCall } from "./match_route.ts";

/** How one key fares against one call. */
export interface Evaluation {
  readonly rule: RouteRule;
  readonly matched: boolean;
  readonly reason: string;
  /** Pattern elements (0 for labels). */
  readonly length: number;
  readonly wildcards: number;
}

/** Every key's evaluation, and the key chosen or the keys tied. */
export interface Decision {
  readonly evaluations: readonly Evaluation[];
  readonly chosen: Evaluation | undefined;
  readonly conflict: readonly string[];
  readonly matchedCount: number;
}

/**
 * Evaluates every key against a call and ranks the matches.
 *
 * @param info The remote info.
 * @param stack Frames before the step call, outermost first.
 * @param call The step and label (and where to show files from).
 * @returns The evaluations, the chosen one, or the tied keys.
 */
export function decide(
  info: RemoteInfo,
  stack: readonly StackFrame[],
  call: ExplainRoutesOptions,
): Decision {
  const frames = allFrames(stack, call);
  const evaluations = info.rules.map((rule) => evaluate(rule, frames, call));
  const matched = evaluations.filter((ev) => ev.matched).sort(compareSpecificity);
  const best = matched[0];
  if (best === undefined) return { evaluations, chosen: undefined, conflict: [], matchedCount: 0 };
  const tied = matched.filter((ev) => compareSpecificity(ev, best) === 0);
  if (tied.length > 1) {
    return {
      evaluations,
      chosen: undefined,
      conflict: tied.map((ev) => ev.rule.key),
      matchedCount: matched.length,
    };
  }
  return { evaluations, chosen: best, conflict: [], matchedCount: matched.length };
}

/** Labels first; then longer patterns; then fewer wildcards. */
function compareSpecificity(a: Evaluation, b: Evaluation): number {
  const labelA = a.rule.pattern.kind === "label" ? 0 : 1;
  const labelB = b.rule.pattern.kind === "label" ? 0 : 1;
  return labelA - labelB || b.length - a.length || a.wildcards - b.wildcards;
}

/**
 * Says why `best` beat `other`, after the key: `is more specific (2 elements vs 1)`.
 *
 * @param best The chosen key's evaluation.
 * @param other A matching key that lost.
 * @returns The phrase.
 */
export function whyBetter(best: Evaluation, other: Evaluation): string {
  if (best.rule.pattern.kind === "label") {
    return "is a label, and labels take precedence over call-stack patterns";
  }
  if (best.length !== other.length) {
    return `is more specific (${plural(best.length, "element")} vs ${other.length})`;
  }
  return `is more specific (${plural(best.wildcards, "wildcard")} vs ${other.wildcards})`;
}

/**
 * Describes a key's rank: `2 elements, 1 wildcard`.
 *
 * @param ev The evaluation.
 * @returns The phrase.
 */
export function describeRank(ev: Evaluation): string {
  return `${plural(ev.length, "element")}, ${plural(ev.wildcards, "wildcard")}`;
}

/**
 * The frames matched against: the stack, then the step call as `<step file>::<step name>`.
 *
 * @param stack Frames before the step call.
 * @param call The step.
 * @returns The frames, outermost first.
 */
export function allFrames(stack: readonly StackFrame[], call: RouteCall): StackFrame[] {
  return [...stack, { file: call.stepFile ?? "", function: call.stepName }];
}

function evaluate(
  rule: RouteRule,
  frames: readonly StackFrame[],
  call: ExplainRoutesOptions,
): Evaluation {
  const pattern = rule.pattern;
  if (pattern.kind === "label") {
    const base = { rule, length: 0, wildcards: 0 };
    if (call.label === pattern.label) {
      return { ...base, matched: true, reason: `the call's label is "${pattern.label}"` };
    }
    return {
      ...base,
      matched: false,
      reason: call.label === undefined
        ? "the call has no label"
        : `the call's label is "${call.label}", not "${pattern.label}"`,
    };
  }
  const elements = pattern.frames;
  const base = { rule, length: elements.length, wildcards: wildcardCount(pattern) };
  const last = frames.length - 1;
  const innermost = elements[elements.length - 1];
  if (!frameMatches(innermost, frames[last])) {
    return {
      ...base,
      matched: false,
      reason: `${formatFramePattern(innermost)} does not match the step call (frame ${last + 1}): ${
        stepMismatch(innermost, frames[last], call)
      }`,
    };
  }
  const at: number[] = [last];
  for (let i = elements.length - 2; i >= 0; i--) {
    let k = at[0] - 1;
    while (k >= 0 && !frameMatches(elements[i], frames[k])) k--;
    if (k < 0) {
      const found = elements.slice(i + 1).map((e, j) =>
        `${formatFramePattern(e)} matched frame ${at[j] + 1}${
          at[j] === last ? " (the step call)" : ""
        }`
      );
      const before = found.length === 1 ? "it" : `frame ${at[0] + 1}`;
      return {
        ...base,
        matched: false,
        reason: `${found.join(", ")}${found.length === 1 ? "" : ","} but ${
          formatFramePattern(elements[i])
        } did not appear before ${before}`,
      };
    }
    at.unshift(k);
  }
  const where = elements.map((e, j) =>
    `${formatFramePattern(e)} at frame ${at[j] + 1}${at[j] === last ? " (the step call)" : ""}`
  );
  return { ...base, matched: true, reason: `matched: ${where.join(", ")}` };
}

function stepMismatch(element: FramePattern, step: StackFrame, call: ExplainRoutesOptions): string {
  const problems: string[] = [];
  if (!fileMatches(element.file, step.file)) {
    problems.push(
      call.stepFile === undefined
        ? "the file defining the step is unknown"
        : `its file ${displayFile(step.file, call.cwd)} is not ${element.file}`,
    );
  }
  if (!functionMatches(element.function, step.function)) {
    problems.push(`its step is "${step.function}", not "${element.function}"`);
  }
  return problems.join(" and ");
}

function frameMatches(element: FramePattern, frame: StackFrame): boolean {
  return fileMatches(element.file, frame.file) && functionMatches(element.function, frame.function);
}

function fileMatches(pattern: string, file: string): boolean {
  if (pattern === "*") return true;
  if (file === "") return false;
  const path = file.replaceAll("\\", "/");
  return path === pattern || (!pattern.startsWith("/") && path.endsWith(`/${pattern}`));
}

function functionMatches(pattern: string, name: string): boolean {
  return pattern === "*" || name === pattern || (name !== "" && name.endsWith(`.${pattern}`));
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
