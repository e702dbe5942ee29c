/**
 * A scheduler that does not answer for a while (slurmctld restarting): the run reports it
 * and tries again at the next interval instead of ending; past the limit it gives up. The
 * local scheduler runs the arrays; its answers are replaced by Slurm's "Unable to contact
 * slurm controller" while the test says so.
 */
import assert from "node:assert/strict";
import {
  addJobsFile,
  type CalcJobRunEvent,
  CalcJobStore,
  runCalcJobs,
} from "../../lib/calcjob/mod.ts";
import { type Clock, systemClock, SystemLink } from "../../lib/runtime/mod.ts";
import {
  LocalDriver,
  SchedulerCommandError,
  type SchedulerDriver,
} from "../../lib/scheduler/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { calcjobProject, LAPTOP } from "./_project.ts";

const JOBS = `
codes: [{ label: c, system: laptop, script: "#!/bin/bash\\necho {{ calc.parameters.x }} > out.txt\\n", download: [out.txt] }]
calcjobs: [{ code: c, matrix: { x: [1, 2] } }]
`;

/** The local driver, whose status and submit fail as unreachable while `down()` says so. */
function flaky(dir: string, down: () => boolean): SchedulerDriver {
  const real = new LocalDriver({ registry: `${dir}/registry` });
  const refuse = (what: string): never => {
    throw new SchedulerCommandError(`Cannot ${what}: squeue exited with 1`, {
      command: "squeue",
      exitCode: 1,
      stderr: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
    });
  };
  return {
    name: real.name,
    render: (spec) => real.render(spec),
    cancel: (t, ids) => real.cancel(t, ids),
    limits: () => real.limits(),
    submit: (t, path, o) => down() ? refuse("submit") : real.submit(t, path, o),
    status: (t, o) => down() ? refuse("list jobs") : real.status(t, o),
  };
}

Deno.test("runCalcJobs() waits out a scheduler that does not answer, then ends every calcjob", async () => {
  using p = calcjobProject();
  const system = { ...LAPTOP, rundir: `${p.dir}/runs` };
  addJobsFile(p.write("jobs.yaml", JOBS), p.store, { systems: { laptop: system } });
  let calls = 0;
  await using transport = new LocalTransport();
  // Down for the first 3 scheduler commands (the checks by name before sbatch), then up.
  const link = new SystemLink(system, transport, flaky(p.dir, () => ++calls <= 3));
  const events: CalcJobRunEvent[] = [];
  const summary = await runCalcJobs(p.store, {
    linkFor: () => link,
    clock: systemClock,
    pollMs: 10,
    signal: AbortSignal.timeout(60_000),
    onEvent: (e) => events.push(e),
  });
  assert.deepEqual(summary.counts, { completed: 2 });
  assert.equal(summary.submissions, 1);
  const unreachable = events.filter((e) => e.type === "unreachable");
  assert.equal(unreachable.length, 3);
  assert.match(
    unreachable[0].type === "unreachable" ? unreachable[0].detail : "",
    /^Cannot list jobs: /,
  );
});

Deno.test("runCalcJobs() gives up on a scheduler unreachable for 10 minutes", async () => {
  using p = calcjobProject();
  const system = { ...LAPTOP, rundir: `${p.dir}/runs` };
  addJobsFile(p.write("jobs.yaml", JOBS), p.store, { systems: { laptop: system } });
  let t = 0;
  let sleeps = 0;
  const clock: Clock = {
    now: () => t,
    sleep: (ms) => {
      sleeps++;
      t += ms;
      return Promise.resolve();
    },
  };
  await using transport = new LocalTransport();
  const link = new SystemLink(system, transport, flaky(p.dir, () => true));
  await assert.rejects(
    runCalcJobs(p.store, { linkFor: () => link, clock, pollMs: 60_000 }),
    (e) => e instanceof SchedulerCommandError && e.unreachable,
  );
  assert.equal(sleeps, 10);
  assert.deepEqual(new CalcJobStore(p.store).counts(), { submitting: 2 });
});
