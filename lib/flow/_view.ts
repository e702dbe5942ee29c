/**
 * Private to lib/flow: a run given to a report, by value or by id in the store.
 *
 * @module
 */
import { currentSession } from "../step/mod.ts";
import type { Store } from "../store/mod.ts";
import type { FlowRunView } from "./flow_run.ts";
import { loadFlowRun } from "./stored_run.ts";

/** The run itself, or the run with this id loaded from `store` (default: the session's). */
export function viewOf(run: FlowRunView | number, store?: Store): FlowRunView {
  if (typeof run !== "number") return run;
  return loadFlowRun(store ?? currentSession().store, run);
}
