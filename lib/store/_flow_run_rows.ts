/**
 * Private to lib/store: flow-run table rows to records.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import type {
  FlowElementRow,
  FlowRunRecord,
  FlowRunState,
  FlowStepRecord,
  FlowStepState,
} from "./flow_run_types.ts";

type Row = Record<string, SQLInputValue>;

/** A `flow_elements` row. */
export function toElement(r: Row): FlowElementRow {
  return {
    flat: Number(r.flat),
    index: JSON.parse(String(r.idx)),
    state: String(r.state) as FlowElementRow["state"],
    ...(r.key == null ? {} : { key: String(r.key) }),
    ...(r.error == null ? {} : { error: JSON.parse(String(r.error)) }),
    valueRef: r.value_ref == null ? null : String(r.value_ref),
  };
}

/** A `flow_runs` row. */
export function toRun(r: Row): FlowRunRecord {
  const n = (v: SQLInputValue): number | null => (v == null ? null : Number(v));
  const s = (v: SQLInputValue): string | null => (v == null ? null : String(v));
  return {
    id: Number(r.id),
    flow: String(r.flow),
    script: s(r.script),
    exportName: s(r.export_name),
    inputsRef: String(r.inputs_ref),
    parent: n(r.parent),
    origin: String(r.origin) as FlowRunRecord["origin"],
    state: String(r.state) as FlowRunState,
    cwd: String(r.cwd),
    host: String(r.host),
    pid: n(r.pid),
    startedAt: Number(r.started_at),
    endedAt: n(r.ended_at),
    error: s(r.error),
    counts: {
      ok: Number(r.ok),
      failed: Number(r.failed),
      skipped: Number(r.skipped),
      total: Number(r.total),
    },
  };
}

/** A `flow_steps` row. */
export function toStep(r: Row): FlowStepRecord {
  return {
    step: String(r.step),
    seq: Number(r.seq),
    state: String(r.state) as FlowStepState,
    spec: r.spec == null ? null : String(r.spec),
    inputs: JSON.parse(String(r.inputs)),
    outputs: JSON.parse(String(r.outputs)),
    plan: r.plan == null ? null : JSON.parse(String(r.plan)),
    counts: {
      ok: Number(r.ok),
      failed: Number(r.failed),
      skipped: Number(r.skipped),
      total: Number(r.total),
    },
    restarts: Number(r.restarts),
    missing: r.missing == null ? [] : JSON.parse(String(r.missing)),
    startedAt: r.started_at == null ? null : Number(r.started_at),
    endedAt: r.ended_at == null ? null : Number(r.ended_at),
  };
}
