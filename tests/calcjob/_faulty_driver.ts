/** A scheduler driver whose answer says a chosen failure for chosen calcjobs' elements. */
import { CalcJobStore } from "../../lib/calcjob/mod.ts";
import type { JobStatus, SchedulerDriver } from "../../lib/scheduler/mod.ts";
import type { Store } from "../../lib/store/mod.ts";

/**
 * Wraps a real driver: its status answer says `parameters.fault` (a Slurm state such as
 * `NODE_FAIL`) for the element of every submitted calcjob whose attempt is at most
 * `parameters.times`. A node failure or a preemption cannot be caused on a shared test
 * cluster; everything else (submission, the arrays, the files) is the real driver's.
 *
 * @param real The driver to wrap.
 * @param store The store holding the calcjobs.
 * @returns The wrapping driver.
 */
export function faultyDriver(real: SchedulerDriver, store: Store): SchedulerDriver {
  return {
    name: real.name,
    render: (spec) => real.render(spec),
    submit: (...args) => real.submit(...args),
    cancel: (t, ids) => real.cancel(t, ids),
    limits: (t) => real.limits(t),
    status: async (t, o) => {
      const out = new Map<string, JobStatus>(await real.status(t, o));
      for (const c of new CalcJobStore(store).list({ states: ["submitted"] })) {
        const { fault, times } = c.parameters as { fault?: string; times?: number };
        if (fault === undefined || c.attempts > (times ?? 0)) continue;
        const job = out.get(c.batch!) ??
          { name: c.batch!, id: c.schedulerId!, elements: new Map() };
        const elements = new Map(job.elements);
        elements.set(c.element!, { index: c.element!, state: fault });
        out.set(c.batch!, { ...job, elements });
      }
      return out;
    },
  };
}
