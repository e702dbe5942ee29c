/**
 * Loading a job's step (folder private): runs the bundle's module under a guard against
 * step calls at load time, then looks the step up by name.
 *
 * @module
 */
import { guardStepCalls, listSteps, lookupStep, toStoredError } from "../step/mod.ts";
import type { StoredError } from "../store/mod.ts";

/** A step's function as the element runner calls it. */
export interface LoadedStep {
  /** The step's function. */
  readonly fn: (inputs: unknown) => unknown;
}

/** Loads the module and finds the step, or says why not as the calls' error outcome. */
export async function loadStep(
  name: string,
  load: (() => Promise<unknown>) | undefined,
): Promise<{ step: LoadedStep } | { error: StoredError }> {
  try {
    // A step called while the module loads is the workflow running in the job.
    const message =
      `step calls ran while the workflow module was loaded in the job: put the script's own work inside "if (import.meta.main) { ... }" (step "${name}")`;
    guardStepCalls(message);
    let tripped = 0;
    try {
      await load?.();
    } finally {
      tripped = guardStepCalls(undefined);
    }
    if (tripped > 0) return { error: { name: "UnguardedMainError", message } };
  } catch (cause) {
    const error = toStoredError(cause);
    return {
      error: {
        ...error,
        message: `Cannot load the module of step "${name}" in the job: ${error.message}`,
      },
    };
  }
  const step = lookupStep(name);
  if (step) return { step };
  const known = listSteps().map((s) => s.name).sort();
  const defines = known.length === 0
    ? "it defines no steps"
    : `it defines ${known.slice(0, 10).join(", ")}${known.length > 10 ? ", ..." : ""}`;
  return {
    error: {
      name: "StepNotFoundError",
      message: `Cannot run step "${name}": the job's bundle does not define it (${defines})`,
    },
  };
}
