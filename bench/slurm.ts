/**
 * Slurm runtime benchmarks (not part of the test task): `deno task bench:slurm`.
 *
 * Needs the throwaway cluster and sshd, started in the same shell:
 *
 *     eval "$(bash scripts/slurm-up.sh)"; eval "$(bash scripts/sshd-up.sh)"; deno task bench:slurm
 *
 * Prints, in one run, each figure next to its goal (`DROVER_BENCH_PARTS`, a comma list of
 * speed, element, runtime and ssh, picks parts; default all):
 * - (f) speed (issue 10), side by side: the bare-array floor; the Deno floor (a bare array
 *   of the same element count whose elements each `deno run` a no-op bundle of drover's
 *   bundle size); drover for N=20 at 1 call an element, N=1000 at 100 and at 10, N=1000 at
 *   inputsPerJob "auto" (against the best fixed value of the run), 200 calls of 0.2 s CPU at 20 an element
 *   (against a Deno floor that spins 4 s an element). Goals: each drover case <= 1.2x its
 *   Deno floor; N=1000 at 100 an element < 1.5 s. Once each (the machine is shared).
 * - (g) element start with a bare `deno run` of a bundle, per `deno run` option, alone and
 *   8 at once; time per call in an element; fsyncs of a 100-call element
 * - (a) the floor: a bare `sbatch --array=0-(K-1) --wrap true`, submit until every element
 *   finished (squeue polled every 50 ms), K = the elements drover used in (b)
 * - (b) drover end to end, N=1000 trivial calls, inputsPerJob=100 (K=10): wall time of
 *   `deno run` in a fresh project (goal ≤ 1.3 × (a)); median of 3, interleaved with (a)
 * - (c) N=100 with inputsPerJob=1 against a bare 100-element array (goal ≤ 1.3 ×); median
 *   of 3, interleaved, or once each when the first pair took over 2 minutes
 * - (d) the scheduler commands drover issued in (b) and (c), counted by logging shims on
 *   PATH: sbatch calls against ceil(N / inputsPerJob / MaxArraySize), squeue calls against
 *   drover's polls (goal: one status query per poll interval) and the mean interval
 * - (e) SSH round trip of `true` on a warm connection through `SshTransport` (goal median
 *   < 10 ms): 200 after 20 of warm-up, median and p90
 *
 * then where drover's time goes in (b) and (c), from the workflow's own timestamped events
 * (bench/_slurm_workflow.ts), the shims' log and the birth times of the files drover writes.
 * A part whose cluster or sshd is missing is skipped with a loud warning. Before each
 * measurement it waits (up to 2 min) for other people's jobs to leave the cluster, says so
 * when they did not, and prints the load average (the machine is shared). A failed drover
 * run is reported and measured again. Takes about a minute on an idle cluster.
 *
 * @module
 */
import { bundleStepModule } from "../lib/runtime/mod.ts";
import { bareArray, findCluster, type FloorRun, maxArraySize, waitIdle } from "./_slurm_cluster.ts";
import { type DroverRun, freshProject, loadAverage, runDrover } from "./_slurm_project.ts";
import { median, phases, quantile, sec } from "./_slurm_report.ts";
import { speedTable } from "./_slurm_speed.ts";
import { findSshd, sshRoundTrips } from "./_slurm_ssh.ts";

const GOAL_RATIO = 1.3;
const IDLE_WAIT_MS = 120_000;
const startedAt = performance.now();

interface Row {
  readonly part: string;
  readonly what: string;
  readonly value: string;
  readonly goal: string;
  readonly verdict: "met" | "NOT MET" | "skipped" | "";
}
const rows: Row[] = [];
const details: string[] = [];
const spent: string[] = [];

function clock(): string {
  return `${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s`;
}

function progress(message: string): void {
  console.error(`[${clock()}] ${message}`);
}

function loud(message: string): void {
  const bar = "!".repeat(78);
  console.error(`\n${bar}\n!! ${message}\n${bar}\n`);
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await f();
  } finally {
    spent.push(`${label}: ${sec(performance.now() - t)}`);
  }
}

async function idleFirst(conf: string, what: string): Promise<string> {
  const left = await waitIdle(conf, IDLE_WAIT_MS);
  if (left === 0) return "";
  progress(`cluster still busy with ${left} other job(s) before ${what}; measuring anyway`);
  return ` [cluster busy: ${left} other jobs]`;
}

const failedRuns: string[] = [];

/** Runs drover until a run succeeds (up to `attempts`); failed runs go into the report. */
async function measureDrover(
  conf: string,
  label: string,
  n: number,
  options: { inputsPerJob: number; timeoutMs: number; attempts: number },
): Promise<DroverRun> {
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    const run = await runDrover(conf, n, options);
    if (run.ok) return run;
    const how = run.timedOut ? "timed out" : "failed";
    failedRuns.push(`${label} attempt ${attempt} ${how} after ${sec(run.wallMs)}:\n${run.problem}`);
    progress(`${label}: the drover run ${how} (attempt ${attempt}); see the report`);
  }
  console.log(failedRuns.join("\n\n"));
  throw new Error(
    `Cannot measure ${label}: ${options.attempts} drover runs failed (printed above)`,
  );
}

/** (d) for one run: sbatch and squeue counts against the goals. */
function schedulerRows(part: string, run: DroverRun, maxArray: number): void {
  const count = (c: string): number => run.calls.filter((x) => x.command === c).length;
  const perJob = run.inputsPerJob === "auto" ? 1 : run.inputsPerJob;
  const sbatchGoal = Math.ceil(run.n / perJob / maxArray);
  rows.push({
    part,
    what: `sbatch calls, N=${run.n} inputsPerJob=${run.inputsPerJob} (MaxArraySize ${maxArray})`,
    value: String(count("sbatch")),
    goal: `= ceil(N/ipj/MaxArraySize) = ${sbatchGoal}`,
    verdict: count("sbatch") === sbatchGoal ? "met" : "NOT MET",
  });
  const squeue = count("squeue");
  const polls = run.events.filter((e) => e.type === "job-poll").length;
  const squeues = run.calls.filter((x) => x.command === "squeue");
  const window = squeues.length > 1
    ? (squeues.at(-1)!.at - squeues[0].at) / (squeues.length - 1)
    : NaN;
  rows.push({
    part,
    what: `squeue calls / drover polls; wall ${sec(run.wallMs)} / squeue calls`,
    value: `${squeue} / ${polls}; ${(run.wallMs / Math.max(1, squeue)).toFixed(0)} ms`,
    goal: "1 status query per poll",
    verdict: squeue <= polls ? "met" : "NOT MET",
  });
  details.push(
    `${part} N=${run.n}: ${squeue} squeue, ${count("scontrol")} scontrol, ${
      count("sacct")
    } sacct, ` +
      `${count("scancel")} scancel; mean gap between squeue calls ${
        window.toFixed(0)
      } ms (pollMs 50, backoff x1.5 to 1500 ms)`,
  );
}

function ratioRow(
  part: string,
  what: string,
  drover: number,
  floor: number,
  note: string,
): void {
  const ratio = drover / floor;
  rows.push({
    part,
    what,
    value: `${sec(drover)} = ${ratio.toFixed(2)}x floor`,
    goal: `<= ${GOAL_RATIO}x floor = ${sec(floor * GOAL_RATIO)}${note}`,
    verdict: ratio <= GOAL_RATIO ? "met" : "NOT MET",
  });
}

async function slurmParts(conf: string): Promise<void> {
  const maxArray = await maxArraySize(conf);
  progress(`cluster up (SLURM_CONF=${conf}, MaxArraySize ${maxArray})`);

  await timed("warm-up drover run (N=10, not measured)", async () => {
    await idleFirst(conf, "the warm-up");
    progress("warm-up: one small drover run so Deno's own transpile cache holds drover");
    await measureDrover(conf, "warm-up", 10, { inputsPerJob: 10, timeoutMs: 120_000, attempts: 2 });
  });

  // (a) and (b), interleaved so both see the same machine.
  const bRuns: DroverRun[] = [];
  const aRuns: FloorRun[] = [];
  const floorLoads: string[] = [];
  let busy = "";
  await timed("(a)+(b), 3 repetitions", async () => {
    for (let rep = 1; rep <= 3; rep++) {
      busy += await idleFirst(conf, `(b) #${rep}`);
      const run = await measureDrover(conf, `(b) #${rep}`, 1000, {
        inputsPerJob: 100,
        timeoutMs: 180_000,
        attempts: 3,
      });
      bRuns.push(run);
      progress(`(b) #${rep}: drover N=1000 ipj=100 in ${sec(run.wallMs)}`);
      busy += await idleFirst(conf, `(a) #${rep}`);
      floorLoads.push(await loadAverage());
      const floor = await bareArray(conf, run.elements.length, 180_000);
      if (floor.timedOut) throw new Error(`Cannot measure (a): the bare array timed out`);
      aRuns.push(floor);
      progress(`(a) #${rep}: bare ${floor.elements}-element array in ${sec(floor.ms)}`);
    }
  });
  const k = aRuns[0].elements;
  const floorB = median(aRuns.map((r) => r.ms));
  rows.push({
    part: "(a)",
    what: `floor: bare ${k}-element array of true, submit -> all done (median of 3)`,
    value: sec(floorB),
    goal: `runs: ${aRuns.map((r) => sec(r.ms)).join(", ")}`,
    verdict: "",
  });
  details.push(
    `(a) squeue listed ${aRuns.map((r) => r.completedSeen).join(", ")} of ${k} elements ` +
      `as COMPLETED/COMPLETING right after each floor run; load averages at their start: ` +
      floorLoads.join(" | "),
  );
  const bMedian = median(bRuns.map((r) => r.wallMs));
  ratioRow(
    "(b)",
    `drover N=1000 ipj=100 (K=${k}), deno run wall (median of 3)`,
    bMedian,
    floorB,
    `; runs ${bRuns.map((r) => sec(r.wallMs)).join(", ")}${busy}`,
  );

  // (c): interleaved like (a)/(b), 3 repetitions unless the first pair took over 2 min
  // (a bare 200-element array once took 4.5 min here); then once each.
  const cRuns: DroverRun[] = [];
  const cFloors: FloorRun[] = [];
  const cLoads: string[] = [];
  let cBusy = "";
  const cStart = performance.now();
  await timed("(c), drover and bare arrays", async () => {
    for (let rep = 1; rep <= 3; rep++) {
      if (rep > 1 && performance.now() - cStart > 120_000) {
        progress(`(c): the first pair took ${sec(performance.now() - cStart)}; no repetitions`);
        break;
      }
      cBusy += await idleFirst(conf, `(c) drover #${rep}`);
      const run = await measureDrover(conf, `(c) #${rep}`, 100, {
        inputsPerJob: 1,
        timeoutMs: 480_000,
        attempts: 2,
      });
      cRuns.push(run);
      progress(
        `(c) #${rep}: drover N=100 ipj=1 (${run.elements.length} el.) in ${sec(run.wallMs)}`,
      );
      cBusy += await idleFirst(conf, `(c) floor #${rep}`);
      cLoads.push(await loadAverage());
      const floor = await bareArray(conf, run.elements.length, 420_000);
      cFloors.push(floor);
      progress(`(c) #${rep}: bare ${floor.elements}-element array in ${sec(floor.ms)}`);
    }
  });
  const kc = cFloors[0].elements;
  const floorC = median(cFloors.map((r) => r.ms));
  const timedOut = cFloors.some((r) => r.timedOut) ? " (a run timed out, so more)" : "";
  rows.push({
    part: "(c)",
    what: `floor: bare ${kc}-element array of true (median of ${cFloors.length})`,
    value: sec(floorC) + timedOut,
    goal: `runs: ${cFloors.map((r) => sec(r.ms)).join(", ")}`,
    verdict: "",
  });
  details.push(
    `(c) floor: squeue listed ${cFloors.map((r) => r.completedSeen).join(", ")} of ${kc} ` +
      `elements as COMPLETED/COMPLETING right after (the rest purged after MinJobAge); load ` +
      `averages at their start: ${cLoads.join(" | ")}`,
  );
  ratioRow(
    "(c)",
    `drover N=100 ipj=1 (K=${cRuns[0].elements.length}), deno run wall (median of ${cRuns.length})`,
    median(cRuns.map((r) => r.wallMs)),
    floorC,
    `; runs ${cRuns.map((r) => sec(r.wallMs)).join(", ")}${cBusy}`,
  );

  // (d): the median (b) run and the (c) run.
  const bMid = [...bRuns].sort((x, y) => x.wallMs - y.wallMs)[1];
  schedulerRows("(d)b", bMid, maxArray);
  const bSbatch = bRuns.map((r) => r.calls.filter((c) => c.command === "sbatch").length);
  details.push(`(d)b sbatch calls in each of the 3 (b) runs: ${bSbatch.join(", ")}`);
  const cRun = [...cRuns].sort((x, y) => x.wallMs - y.wallMs)[Math.floor(cRuns.length / 2)];
  schedulerRows("(d)c", cRun, maxArray);

  // Bundling alone, for the breakdown: a fresh project's workflow, first with drover's
  // cross-process cache key (`deno info` + `deno bundle`, cache empty), then bare.
  const bundling = await timed("bundling alone", async () => {
    const { path } = await freshProject(conf);
    try {
      const time = async (cacheDir: string | false): Promise<number> => {
        const t = performance.now();
        await bundleStepModule(`${path}/workflow.ts`, { config: `${path}/deno.json`, cacheDir });
        return performance.now() - t;
      };
      return { keyed: await time(`${path}/.cache/drover/bundles`), bare: await time(false) };
    } finally {
      await Deno.remove(path, { recursive: true });
    }
  });

  const pb = phases(bMid);
  const pc = phases(cRun);
  const lw = Math.max(...pb.map(([l]) => l.length));
  const vw = Math.max(16, ...pb.map(([, v]) => v.length));
  details.push(
    "",
    `Where drover's time goes (bundle ${((bMid.bundleBytes ?? 0) / 1e6).toFixed(1)} MB; ` +
      `measured apart: deno info + deno bundle as drover does it ${sec(bundling.keyed)}, ` +
      `deno bundle alone ${sec(bundling.bare)})`,
    `${"".padEnd(lw)}  ${"(b) median run".padEnd(vw)}  (c) median run`,
    ...pb.map(([l, v], i) => `${l.padEnd(lw)}  ${v.padEnd(vw)}  ${pc[i][1]}`),
  );
}

async function sshPart(): Promise<void> {
  const sshd = findSshd();
  if ("problem" in sshd) {
    loud(`SKIPPED (e) SSH round trips: ${sshd.problem}; run eval "$(bash scripts/sshd-up.sh)"`);
    rows.push({ part: "(e)", what: "SSH round trip", value: "-", goal: "", verdict: "skipped" });
    return;
  }
  const r = await timed("(e) SSH round trips", () => sshRoundTrips(sshd, 200, 20));
  const med = median(r.samples);
  const p90 = quantile(r.samples, 0.9);
  rows.push({
    part: "(e)",
    what: `SSH round trip of true, warm SshTransport, ${r.destination} (200 after 20 warm-up)`,
    value: `median ${med.toFixed(2)} ms, p90 ${p90.toFixed(2)} ms`,
    goal: "median < 10 ms",
    verdict: med < 10 ? "met" : "NOT MET",
  });
  details.push(
    `(e) connect + auth ${r.connectMs.toFixed(0)} ms; min ${
      Math.min(...r.samples).toFixed(2)
    } ms, max ${Math.max(...r.samples).toFixed(2)} ms`,
  );
}

/** Which parts run: `DROVER_BENCH_PARTS`, a comma list of speed, element, runtime, ssh. */
const PARTS = new Set(
  (Deno.env.get("DROVER_BENCH_PARTS") ?? "speed,element,runtime,ssh").split(",").map((p) =>
    p.trim()
  ),
);

/** (g): element start and time per call with a bare `deno run` (bench/_element_start.ts). */
async function elementPart(): Promise<void> {
  const out = await timed(
    "(g) element start, bare deno run",
    () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("./_element_start.ts", import.meta.url).pathname],
        stdout: "piped",
        stderr: "piped",
      }).output(),
  );
  const text = new TextDecoder().decode(out.stdout).trim();
  details.push("", "(g) element start and time per call, bare deno run (not Slurm):");
  details.push(...text.split("\n").map((l) => `    ${l}`));
  if (!out.success) {
    details.push(`    failed: ${new TextDecoder().decode(out.stderr).slice(-1000)}`);
  }
}

const cluster = await findCluster();
if ("problem" in cluster) {
  loud(
    `SKIPPED (a)-(d), (f), the Slurm parts: ${cluster.problem}; start the cluster with ` +
      `eval "$(bash scripts/slurm-up.sh)" in the same shell`,
  );
  for (const part of ["(a)", "(b)", "(c)", "(d)", "(f)"]) {
    rows.push({
      part,
      what: "needs the local Slurm cluster",
      value: "-",
      goal: "",
      verdict: "skipped",
    });
  }
} else {
  if (PARTS.has("speed")) {
    const speed = await timed("(f) speed table", () => speedTable(cluster.conf, progress));
    rows.push(...speed.rows);
    details.push(...speed.details);
  }
  if (PARTS.has("runtime")) await slurmParts(cluster.conf);
}
if (PARTS.has("element")) await elementPart();
if (PARTS.has("ssh")) await sshPart();

const w = {
  part: Math.max(...rows.map((r) => r.part.length)),
  what: Math.max(...rows.map((r) => r.what.length)),
  value: Math.max(...rows.map((r) => r.value.length)),
};
console.log(`drover Slurm benchmarks (${Deno.hostname()}, ${navigator.hardwareConcurrency} cores)`);
for (const r of rows) {
  console.log(
    `${r.part.padEnd(w.part)}  ${r.what.padEnd(w.what)}  ${r.value.padEnd(w.value)}  ${
      r.verdict.padEnd(7)
    }  ${r.goal}`,
  );
}
console.log("");
for (const d of details) console.log(d);
if (failedRuns.length > 0) {
  console.log("");
  console.log(`Failed drover runs (not counted, measured again):`);
  for (const f of failedRuns) console.log(f);
}
console.log("");
console.log(`Time spent: ${spent.join("; ")}`);
console.log(`Total: ${sec(performance.now() - startedAt)}`);
