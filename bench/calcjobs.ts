/**
 * Calcjob benchmarks (not part of the test task): `deno task bench:calcjobs`.
 *
 * Prints each figure next to its goal:
 * - `drover add` of 10,000 calcjobs (a 100x100 matrix) with rendering, into a fresh store
 *   (goal ≤ 2 s), median of 3
 * - render time per job script, 20,000 renders of a 6-line template (goal ≤ 10 µs)
 * - arrays planned for 1,000 calcjobs of one code at Slurm's default MaxArraySize 1001 (goal 1:
 *   one sbatch; the real-Slurm test tests/calcjob/run_slurm_test.ts counts the sbatch calls)
 * - on the real Slurm of `scripts/slurm-up.sh` (`source /tmp/testenv.sh` or SLURM_CONF; skipped
 *   without): sbatch commands for 1,000 calcjobs of one code (goal 1) and status queries
 *   (`squeue` + `sacct`, counted by logging shims) per poll interval with the 1,000 in flight
 *   (goal 1 per system); see bench/_calcjobs_slurm.ts
 *
 * The machine is shared: figures are disturbed by other people's load (the load average is
 * printed).
 *
 * @module
 */
import {
  addJobsFile,
  CalcJobStore,
  createTemplateEngine,
  planBatches,
} from "../lib/calcjob/mod.ts";
import { openStore } from "../lib/store/mod.ts";
import { measureStatusQueries } from "./_calcjobs_slurm.ts";
import type { System } from "../lib/systems/mod.ts";

const system: System = {
  name: "hpc",
  scheduler: "slurm",
  rundir: "/tmp/drover-bench-calcjobs",
  partitions: [],
  header: [],
  setup: [],
  deno: "upload",
  maxJobs: 100,
  pollMs: 2000,
};

const SCRIPT = `#!/bin/bash
#SBATCH --job-name={{ calc.uuid }}
#SBATCH --time=00:05:00
mkdir -p output
echo {{ calc.parameters.s | shquote }} {{ calc.parameters.x }} {{ calc.parameters.y }} > output.txt
echo {{ calc.parameters | tojson | shquote }} > output/parameters.json
`;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const JOBS = `codes:
  - label: echo
    system: hpc
    script: ${JSON.stringify(SCRIPT)}
    download: [output.txt]
calcjobs:
  - { label: sweep, code: echo, parameters: { s: hi }, matrix: { x: ${
  JSON.stringify(range(100))
}, y: ${JSON.stringify(range(100))} } }
`;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

async function benchAdd(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = await Deno.makeTempDir({ prefix: "drover-bench-calcjobs-" });
    const file = `${dir}/jobs.yaml`;
    await Deno.writeTextFile(file, JOBS);
    {
      using store = openStore({ cwd: dir });
      const t0 = performance.now();
      const r = addJobsFile(file, store, { systems: { hpc: system } });
      times.push(performance.now() - t0);
      if (r.added !== 10_000) throw new Error(`added ${r.added}, not 10000`);
    }
    await Deno.remove(dir, { recursive: true });
  }
  return median(times);
}

function benchRender(): number {
  const t = createTemplateEngine().compile(SCRIPT, "bench");
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    t.render({ calc: { uuid: `u-${i}`, parameters: { s: "hi", x: i, y: 1 } } });
  }
  return (performance.now() - t0) / n * 1000;
}

async function benchArrays(): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "drover-bench-calcjobs-" });
  try {
    const text = JOBS.replace(/x: \[[^\]]*\]/, `x: ${JSON.stringify(range(10))}`);
    await Deno.writeTextFile(`${dir}/jobs.yaml`, text);
    using store = openStore({ cwd: dir });
    addJobsFile(`${dir}/jobs.yaml`, store, { systems: { hpc: system } });
    const list = new CalcJobStore(store).list();
    return planBatches(list, () => [], () => 1001).length;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const add = await benchAdd();
const render = benchRender();
const arrays = await benchArrays();
const mark = (ok: boolean): string => ok ? "met" : "NOT MET";
console.log(`load average: ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")} (shared machine)`);
console.log(
  `drover add, 10,000 calcjobs rendered: ${add.toFixed(0)} ms   goal ≤ 2000 ms: ${
    mark(add <= 2000)
  }`,
);
console.log(
  `render per job script:               ${render.toFixed(2)} µs   goal ≤ 10 µs: ${
    mark(render <= 10)
  }`,
);
console.log(`arrays (sbatch) for 1,000 calcjobs:   ${arrays}   goal 1: ${mark(arrays === 1)}`);

const ping = await new Deno.Command("sh", {
  args: ["-c", "scontrol ping 2>&1"],
  stdout: "piped",
}).output().catch(() => undefined);
if (ping === undefined || !/\bUP\b/.test(new TextDecoder().decode(ping.stdout))) {
  console.log("real Slurm: not reachable (source /tmp/testenv.sh); its figures are skipped");
} else {
  const f = await measureStatusQueries(1000, 5);
  const perPoll = f.queries / f.polls;
  console.log(
    `sbatch for 1,000 calcjobs (real Slurm):  ${f.sbatch}   goal 1: ${mark(f.sbatch === 1)}`,
  );
  console.log(
    `status queries per interval, ${f.calcjobs} in flight: ${perPoll.toFixed(2)} ` +
      `(${f.queries} squeue/sacct in ${f.polls} intervals, 1 system)   goal 1: ${
        mark(perPoll <= 1)
      }`,
  );
}
