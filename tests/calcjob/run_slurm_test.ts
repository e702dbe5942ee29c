/**
 * The calcjob lifecycle on the real Slurm cluster of `scripts/slurm-up.sh` (ignored, with a
 * warning, when it is not up): one array per sweep, the script's #SBATCH lines honoured,
 * FAILED and TIMEOUT reported, and a run killed after sbatch resumed without resubmitting.
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../../lib/codec/mod.ts";
import {
  addJobsFile,
  CalcJobStore,
  runCalcJobs,
  type RunCalcJobsOptions,
} from "../../lib/calcjob/mod.ts";
import { systemClock, SystemLink } from "../../lib/runtime/mod.ts";
import { driverFor, type SchedulerDriver } from "../../lib/scheduler/mod.ts";
import type { System } from "../../lib/systems/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { faultyDriver } from "./_faulty_driver.ts";
import { calcjobProject } from "./_project.ts";

const decoder = new TextDecoder();

function hpc(rundir: string): System {
  return {
    name: "hpc",
    scheduler: "slurm",
    rundir,
    partitions: [],
    header: [],
    setup: [],
    deno: "upload",
    maxJobs: 100,
    pollMs: 200,
  };
}

function options(
  system: System,
  driver: SchedulerDriver = driverFor("slurm"),
  extra: Partial<RunCalcJobsOptions> = {},
): RunCalcJobsOptions & AsyncDisposable {
  const transport = new LocalTransport();
  const link = new SystemLink(system, transport, driver);
  return {
    linkFor: () => link,
    clock: systemClock,
    signal: AbortSignal.timeout(150_000),
    ...extra,
    [Symbol.asyncDispose]: () => transport.close(),
  };
}

async function scontrol(id: string): Promise<string> {
  const out = await new Deno.Command("scontrol", { args: ["show", "job", id], stdout: "piped" })
    .output();
  return decoder.decode(out.stdout);
}

const SWEEP = `
codes:
  - label: echo
    system: hpc
    script: |
      #!/bin/bash
      #SBATCH --job-name={{ calc.uuid }}
      #SBATCH --time=00:03:00
      #SBATCH --output=ignored.out
      mkdir -p output
      echo {{ (calc.parameters.x ~ "-" ~ calc.parameters.y) | shquote }} > output/result.txt
      echo done > log.txt
    download: ["output/*.txt"]
calcjobs:
  - { label: sweep, code: echo, matrix: { x: [1, 2, 3], y: [a, b, c, d] } }
`;

Deno.test({
  name: "runCalcJobs() submits a 3x4 sweep as ONE array honouring the script's #SBATCH lines",
  ignore: slurm.ignore,
  fn: async () => {
    requireSlurm();
    using p = calcjobProject();
    const system = hpc(`${p.dir}/runs`);
    addJobsFile(p.write("jobs.yaml", SWEEP), p.store, { systems: { hpc: system } });
    await using opts = options(system);
    const events: string[] = [];
    const summary = await runCalcJobs(p.store, { ...opts, onEvent: (e) => events.push(e.type) });
    assert.equal(summary.submissions, 1);
    assert.deepEqual(summary.counts, { completed: 12 });
    assert.equal(events.filter((e) => e === "batched").length, 1);
    const calcjobs = new CalcJobStore(p.store);
    const all = calcjobs.list();
    assert.equal(new Set(all.map((c) => c.batch)).size, 1);
    assert.deepEqual(all.map((c) => c.element), Array.from({ length: 12 }, (_, i) => i));
    const id = all[0].schedulerId!;
    assert.match(id, /^\d+$/);
    const script = await Deno.readTextFile(`${p.dir}/runs/calcjobs/${all[0].batch}/array.sh`);
    assert.match(script, /^#SBATCH --array=0-11$/m);
    assert.match(script, /^#SBATCH --time=00:03:00$/m);
    assert.doesNotMatch(script, /ignored\.out|--job-name=[0-9a-f]{8}-/);
    const shown = await scontrol(id);
    assert.match(shown, /TimeLimit=00:03:00/);
    assert.match(shown, new RegExp(`JobName=${all[0].batch}\\b`));
    for (const c of all) {
      const out = calcjobs.files(c.id).filter((f) => f.direction === "out");
      assert.deepEqual(out.map((f) => f.path), ["output/result.txt"]);
      const expected = new TextEncoder().encode(`${c.parameters.x}-${c.parameters.y}\n`);
      assert.equal(out[0].sha256, sha256Hex(expected));
      assert.deepEqual(p.store.objects.get(out[0].sha256), expected);
    }
  },
});

Deno.test({
  name: "runCalcJobs() reports FAILED with its exit code and TIMEOUT, and stops polling them",
  ignore: slurm.ignore,
  fn: async () => {
    requireSlurm();
    using p = calcjobProject();
    const system = hpc(`${p.dir}/runs`);
    addJobsFile(
      p.write(
        "jobs.yaml",
        `
codes:
  - { label: fail, system: hpc, script: "#!/bin/bash\\necho failing\\nexit {{ calc.parameters.code }}\\n" }
  - { label: slow, system: hpc, script: "#!/bin/bash\\n#SBATCH --time=0:02\\nsleep 300\\n" }
calcjobs:
  - { label: three, code: fail, parameters: { code: 3 } }
  - { label: slow, code: slow }
`,
      ),
      p.store,
      { systems: { hpc: system } },
    );
    await using opts = options(system, driverFor("slurm"), { pollMs: 500 });
    const summary = await runCalcJobs(p.store, opts);
    assert.deepEqual(summary.counts, { failed: 2 });
    assert.equal(summary.submissions, 2);
    const [three, slow] = new CalcJobStore(p.store).list();
    assert.deepEqual([three.reason, three.exitCode], ["exit-code", 3]);
    assert.equal(slow.reason, "timeout");
  },
});

Deno.test({
  name: "runCalcJobs() resumes a run killed right after sbatch without submitting again",
  ignore: slurm.ignore,
  fn: async () => {
    requireSlurm();
    using p = calcjobProject();
    const system = hpc(`${p.dir}/runs`);
    addJobsFile(
      p.write("jobs.yaml", SWEEP.replace("x: [1, 2, 3]", "x: [1]")),
      p.store,
      { systems: { hpc: system } },
    );
    const real = driverFor("slurm");
    let sbatches = 0;
    // The process dies between sbatch and recording it: the state stays `submitting`.
    const dying: SchedulerDriver = {
      name: real.name,
      render: (spec) => real.render(spec),
      status: (t, o) => real.status(t, o),
      cancel: (t, ids) => real.cancel(t, ids),
      limits: (t) => real.limits(t),
      submit: async (...args) => {
        await real.submit(...args);
        sbatches++;
        throw new Error("killed after sbatch");
      },
    };
    {
      await using opts = options(system, dying);
      await assert.rejects(runCalcJobs(p.store, opts), /killed after sbatch/);
    }
    assert.equal(sbatches, 1);
    assert.deepEqual(new CalcJobStore(p.store).counts(), { submitting: 4 });
    await using opts = options(system);
    const adopted: boolean[] = [];
    const summary = await runCalcJobs(p.store, {
      ...opts,
      onEvent: (e) => e.type === "submitted" && adopted.push(e.adopted),
    });
    assert.equal(summary.submissions, 0);
    assert.deepEqual(adopted, [true]);
    assert.deepEqual(summary.counts, { completed: 4 });
  },
});

Deno.test({
  name:
    "runCalcJobs() retries node failures on the real Slurm as ONE array of the retried calcjobs",
  ignore: slurm.ignore,
  fn: async () => {
    requireSlurm();
    using p = calcjobProject();
    const system = hpc(`${p.dir}/runs`);
    addJobsFile(
      p.write(
        "jobs.yaml",
        `
codes:
  - { label: echo, system: hpc, script: "#!/bin/bash\\necho {{ calc.parameters.x }} > out.txt\\n", download: [out.txt] }
calcjobs:
  - { code: echo, matrix: { x: [1, 2] } }
  - { code: echo, parameters: { fault: NODE_FAIL, times: 1 }, matrix: { x: [3, 4] } }
  - { code: echo, parameters: { fault: PREEMPTED, times: 1 }, matrix: { x: [5] } }
`,
      ),
      p.store,
      { systems: { hpc: system } },
    );
    await using opts = options(system, faultyDriver(driverFor("slurm"), p.store));
    const summary = await runCalcJobs(p.store, opts);
    assert.deepEqual(summary.counts, { completed: 5 });
    assert.equal(summary.submissions, 2);
    const calcjobs = new CalcJobStore(p.store);
    const all = calcjobs.list();
    assert.deepEqual(all.map((c) => c.attempts), [1, 1, 2, 2, 2]);
    const retried = all.filter((c) => c.attempts === 2);
    assert.equal(new Set(retried.map((c) => c.batch)).size, 1);
    const script = await Deno.readTextFile(`${p.dir}/runs/calcjobs/${retried[0].batch}/array.sh`);
    assert.match(script, /^#SBATCH --array=0-2$/m);
    for (const c of all) {
      const out = calcjobs.files(c.id).find((f) => f.direction === "out")!;
      assert.equal(decoder.decode(p.store.objects.get(out.sha256)), `${c.parameters.x}\n`);
    }
  },
});
