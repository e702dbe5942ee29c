/**
 * Flow graphs as DOT (Graphviz) or Mermaid text: data as ellipses, steps as boxes, inputs
 * grey, intermediate data white, map steps and mapped data red; in a run, failed, partial
 * and skipped steps are filled and missing data dashed.
 *
 * @module
 */
import { Flow } from "./flow.ts";
import type { FlowNodeView, FlowRunView, StepLiveState } from "./flow_run.ts";
import type { Store } from "../store/mod.ts";
import { viewOf } from "./_view.ts";

/** Options of {@linkcode flowGraph}. */
export interface GraphOptions {
  /** `dot` (Graphviz) or `mermaid`. Default: `dot`. */
  readonly format?: "dot" | "mermaid";
  /** The store to read a run given by id from. Default: the current session's. */
  readonly store?: Store;
}

const FILL: Readonly<Record<StepLiveState, string | null>> = {
  succeeded: null,
  pending: null,
  running: "#dae8fc",
  partial: "#ffe6cc",
  failed: "#f8cecc",
  skipped: "#fff2cc",
};

interface Graph {
  readonly name: string;
  readonly data: readonly { name: string; input: boolean; mapped: boolean; missing: boolean }[];
  readonly steps: readonly { node: FlowNodeView; state: StepLiveState | null; label: string }[];
  readonly edges: readonly [from: string, to: string][];
}

function build(x: Flow | FlowRunView): Graph {
  const nodes = x instanceof Flow ? x.order : x.nodes;
  const run = x instanceof Flow ? null : x;
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const mapped = new Set<string>();
  for (const n of nodes) {
    if (!n.spec) continue;
    for (const o of n.outputs) mapped.add(o);
    for (const i of n.spec.inputs) if (i.axes) mapped.add(i.name);
  }
  const names: string[] = [];
  for (const n of nodes) {
    for (const d of [...n.inputs, ...n.outputs]) if (!names.includes(d)) names.push(d);
  }
  return {
    name: x instanceof Flow ? x.name : x.flow,
    data: names.map((name) => ({
      name,
      input: !produced.has(name),
      mapped: mapped.has(name),
      missing: run !== null && run.data.get(name)?.state === "missing",
    })),
    steps: nodes.map((node) => {
      const s = run?.steps[node.name];
      const counts = s && node.spec
        ? `\n${s.counts.ok}/${s.counts.ok + s.counts.failed + s.counts.skipped} ok`
        : "";
      return {
        node,
        state: s?.state ?? null,
        label: `${node.name}${node.specText ? `\n${node.specText}` : ""}${counts}${
          s && s.state !== "succeeded" ? `\n${s.state}` : ""
        }`,
      };
    }),
    edges: nodes.flatMap((n) => [
      ...n.inputs.map((i): [string, string] => [`d:${i}`, `s:${n.name}`]),
      ...n.outputs.map((o): [string, string] => [`s:${n.name}`, `d:${o}`]),
    ]),
  };
}

function dot(g: Graph): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = [`digraph ${q(g.name)} {`, "  rankdir=TB;", '  node [fontname="Helvetica"];'];
  for (const d of g.data) {
    const style = [`filled`, ...(d.missing ? ["dashed"] : [])].join(",");
    lines.push(
      `  ${q(`d:${d.name}`)} [label=${q(d.name)}, shape=ellipse, style=${q(style)}, fillcolor=${
        q(d.input ? "lightgrey" : "white")
      }, color=${q(d.mapped ? "red" : "black")}];`,
    );
  }
  for (const s of g.steps) {
    const fill = s.state ? FILL[s.state] : null;
    lines.push(
      `  ${q(`s:${s.node.name}`)} [label=${q(s.label)}, shape=box, style=${
        q(fill ? "filled" : "solid")
      }${fill ? `, fillcolor=${q(fill)}` : ""}, color=${q(s.node.spec ? "red" : "black")}];`,
    );
  }
  for (const [a, b] of g.edges) lines.push(`  ${q(a)} -> ${q(b)};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

function mermaid(g: Graph): string {
  const ids = new Map<string, string>();
  g.data.forEach((d, i) => ids.set(`d:${d.name}`, `d${i}`));
  g.steps.forEach((s, i) => ids.set(`s:${s.node.name}`, `s${i}`));
  const text = (s: string): string => `"${s.replaceAll('"', "#quot;").replaceAll("\n", "<br/>")}"`;
  const lines = ["flowchart TD"];
  const classes = new Map<string, string[]>();
  const tag = (cls: string, id: string): void => {
    classes.set(cls, [...(classes.get(cls) ?? []), id]);
  };
  for (const d of g.data) {
    const id = ids.get(`d:${d.name}`)!;
    lines.push(`  ${id}([${text(d.name)}])`);
    if (d.input) tag("input", id);
    if (d.mapped) tag("mapped", id);
    if (d.missing) tag("missing", id);
  }
  for (const s of g.steps) {
    const id = ids.get(`s:${s.node.name}`)!;
    lines.push(`  ${id}[${text(s.label)}]`);
    if (s.node.spec) tag("mapped", id);
    if (s.state && s.state !== "succeeded" && s.state !== "pending") tag(s.state, id);
  }
  for (const [a, b] of g.edges) lines.push(`  ${ids.get(a)} --> ${ids.get(b)}`);
  const defs: Record<string, string> = {
    input: "fill:#d3d3d3",
    mapped: "stroke:#ff0000",
    missing: "stroke-dasharray:4 2",
    partial: `fill:${FILL.partial}`,
    failed: `fill:${FILL.failed}`,
    skipped: `fill:${FILL.skipped}`,
    running: `fill:${FILL.running}`,
  };
  for (const [cls, style] of Object.entries(defs)) {
    if (cls === "running" && !classes.has(cls)) continue; // only a stored run still going
    lines.push(`  classDef ${cls} ${style}`);
    const members = classes.get(cls);
    if (members) lines.push(`  class ${members.join(",")} ${cls}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Draws a flow, or a run of it with its step states, as DOT or Mermaid text.
 *
 * @param x A flow, a run, or the id of a run in the store.
 * @param options The format; the store of a run given by id.
 * @returns The graph text (ends with a newline).
 *
 * @example
 * ```ts
 * import { flow, flowGraph, mapStep } from "./mod.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const sq = step("doc-graph-sq", ({ x }: { x: number }) => x * x, { returns: "y" });
 * const f = flow("g", mapStep(sq, "x[i] -> y[i]"));
 * assert.match(flowGraph(f), /"d:x" -> "s:doc-graph-sq";/);
 * assert.match(flowGraph(f, { format: "mermaid" }), /^flowchart TD\n/);
 * ```
 */
export function flowGraph(x: Flow | FlowRunView | number, options: GraphOptions = {}): string {
  const g = build(x instanceof Flow ? x : viewOf(x, options.store));
  return (options.format ?? "dot") === "mermaid" ? mermaid(g) : dot(g);
}
