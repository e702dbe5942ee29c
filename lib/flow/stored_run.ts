/**
 * A flow run read back from the project store, for reports from another process: steps,
 * log, and the data of ended steps as arrays whose values are read from the store's
 * objects when asked for (nothing is decoded up front).
 *
 * @module
 */
import { decode } from "../codec/mod.ts";
import type { FlowElementRow, FlowStepRecord, Store } from "../store/mod.ts";
import { buildOutput, component } from "./_outputs.ts";
import type { ElementFailure, FlowElementState } from "./flow_array.ts";
import type { DataValue, FlowEvent, FlowNodeView, FlowRunView, StepView } from "./flow_run.ts";
import { parseMapSpec } from "./map_spec.ts";

/**
 * Loads a recorded run.
 *
 * @param store The project store.
 * @param id The run id.
 * @returns The run as reports read it (still going, maybe).
 * @throws {RangeError} when there is no such run.
 *
 * @example
 * ```ts
 * import { flow, loadFlowRun, mapStep } from "./mod.ts";
 * import { openSession, step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const sq = step("doc-load-sq", ({ x }: { x: number }) => x * x, { returns: "y" });
 * const run = await flow("l", mapStep(sq, "x[i] -> y[i]")).run({ x: [1, 2, 3] }, { session });
 * const view = loadFlowRun(session.store, run.id!);
 * assert.equal(view.state, "succeeded");
 * const y = view.data.get("y");
 * assert.deepEqual(y?.state === "ok" && (y.value as { values: unknown[] }).values, [1, 4, 9]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function loadFlowRun(store: Store, id: number): FlowRunView {
  const rec = store.flowRuns.get(id);
  if (!rec) throw new RangeError(`Cannot find flow run ${id} in store "${store.dir}"`);
  const rows = store.flowRuns.steps(id);
  const read = (ref: string | null): unknown => {
    const bytes = ref === null ? undefined : store.objects.get(ref);
    return bytes === undefined ? undefined : decode(bytes);
  };
  const data = new Map<string, DataValue>();
  const inputs = read(rec.inputsRef) as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(inputs ?? {})) data.set(k, { state: "ok", value: v });
  const nodes: FlowNodeView[] = rows.map((s) => ({
    name: s.step,
    inputs: s.inputs,
    outputs: s.outputs,
    specText: s.spec,
    spec: s.spec === null ? null : parseMapSpec(s.spec),
  }));
  const steps: Record<string, StepView> = {};
  rows.forEach((s, i) => {
    steps[s.step] = stepView(s);
    if (s.endedAt === null) return;
    const elements = store.flowRuns.elements(id, s.step);
    for (const [name, value] of outputsOf(nodes[i], s, elements, read)) data.set(name, value);
  });
  return {
    id,
    flow: rec.flow,
    state: rec.state,
    startedAt: rec.startedAt,
    endedAt: rec.endedAt,
    log: withLiveJobs(
      store,
      rows,
      store.flowRuns.log(id).map((e) => ({ at: e.at, event: e.event as FlowEvent })),
    ),
    nodes,
    steps,
    data,
  };
}

/**
 * The log with the jobs of steps still running, which the recorder logs only when a step
 * ends, so that `flows log` shows submissions as they happen.
 */
function withLiveJobs(
  store: Store,
  rows: readonly FlowStepRecord[],
  log: { at: number; event: FlowEvent }[],
): { at: number; event: FlowEvent }[] {
  const live = rows.filter((s) => s.startedAt !== null && s.endedAt === null);
  if (live.length === 0) return log;
  for (const s of live) {
    for (const { at, ...job } of store.flowRuns.liveJobsOfStep(s.step, s.startedAt!)) {
      log.push({ at, event: { type: "flow-job-submitted", step: s.step, ...job } });
    }
  }
  return log.sort((a, b) => a.at - b.at);
}

function stepView(s: FlowStepRecord): StepView {
  return {
    step: s.step,
    state: s.state,
    mapped: s.spec !== null,
    counts: { ok: s.counts.ok, failed: s.counts.failed, skipped: s.counts.skipped },
    restarts: s.restarts,
    missing: s.missing,
    causes: [],
    startedAt: s.startedAt,
    endedAt: s.endedAt,
  };
}

function causesOf(e: FlowElementRow): ElementFailure[] {
  if (e.error === undefined) return [];
  return Array.isArray(e.error) ? e.error as ElementFailure[] : [e.error as ElementFailure];
}

function outputsOf(
  node: FlowNodeView,
  s: FlowStepRecord,
  elements: readonly FlowElementRow[],
  read: (ref: string | null) => unknown,
): [string, DataValue][] {
  if (s.state === "skipped" || node.spec === null || s.plan === null) {
    const e = elements[0];
    if (!e || e.state !== "ok") {
      const causes = e ? causesOf(e) : [];
      return node.outputs.map((o) => [o, { state: "missing", causes }]);
    }
    const result = read(e.valueRef);
    return node.outputs.map((o, k) => [o, { state: "ok", value: component(node, result, k) }]);
  }
  const refs = new Map<string, string | null>();
  const states: FlowElementState[] = [];
  const keys: (string | undefined)[] = [];
  const failures = new Map<number, ElementFailure>();
  const causes = new Map<number, readonly ElementFailure[]>();
  for (const e of elements) {
    states[e.flat] = e.state;
    keys[e.flat] = e.state === "ok" ? e.key : undefined;
    if (e.key !== undefined && e.state === "ok") refs.set(e.key, e.valueRef);
    if (e.state === "failed") failures.set(e.flat, causesOf(e)[0]);
    if (e.state === "skipped") causes.set(e.flat, causesOf(e));
  }
  const table = { get: (key: string): unknown => read(refs.get(key) ?? null) };
  const plan = { ...s.plan, size: states.length };
  const all = [...failures.values(), ...[...causes.values()].flat()];
  return node.outputs.map((name, o) => {
    const array = buildOutput(node, plan, name, o, { states, keys, table, failures, causes });
    const value: DataValue = array.size > 0 && array.counts().ok === 0
      ? { state: "missing", causes: all, value: array }
      : { state: "ok", value: array };
    return [name, value];
  });
}
