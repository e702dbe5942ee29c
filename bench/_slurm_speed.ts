/**
 * The side-by-side speed table of bench/slurm.ts (issue 10): the bare-array floor, the Deno
 * floor (a bare array whose elements each `deno run` a no-op bundle of drover's bundle size)
 * and drover, for each element count drover used, with each figure beside its goal.
 */
import { bundleStepModule } from "../lib/runtime/mod.ts";
import { bareArray, type FloorRun, waitIdle } from "./_slurm_cluster.ts";
import { type DroverRun, freshProject, runDrover } from "./_slurm_project.ts";
import { phases, sec } from "./_slurm_report.ts";

/** One line of the table. */
export interface SpeedRow {
  readonly part: string;
  readonly what: string;
  readonly value: string;
  readonly goal: string;
  readonly verdict: "met" | "NOT MET" | "skipped" | "";
}

/** Goal: each drover case within this factor of the Deno floor of its element count. */
const GOAL_RATIO = 1.2;
/** Goal: N=1000 at 100 calls an element under this, ms. */
const GOAL_N1000_MS = 1500;

interface Case {
  readonly label: string;
  readonly n: number;
  readonly inputsPerJob: number | "auto";
  readonly work: "trivial" | "cpu";
  /** CPU time of each element's calls, for its Deno floor, ms. */
  readonly busyMs: number;
}

const CASES: readonly Case[] = [
  { label: "N=20, 1 call an element", n: 20, inputsPerJob: 1, work: "trivial", busyMs: 0 },
  { label: "N=1000, 100 calls an element", n: 1000, inputsPerJob: 100, work: "trivial", busyMs: 0 },
  { label: "N=1000, 10 calls an element", n: 1000, inputsPerJob: 10, work: "trivial", busyMs: 0 },
  {
    label: 'N=1000, inputsPerJob "auto"',
    n: 1000,
    inputsPerJob: "auto",
    work: "trivial",
    busyMs: 0,
  },
  {
    label: "200 calls of 0.2 s CPU, 20 an element",
    n: 200,
    inputsPerJob: 20,
    work: "cpu",
    busyMs: 20 * 200,
  },
];

/**
 * A file of drover's bundle size that `deno run` parses like the bundle but that does
 * nothing (its code sits in a function never called), except spin `BUSY_MS` ms first.
 */
async function noopBundle(dir: string, conf: string): Promise<{ path: string; bytes: number }> {
  const { path: project } = await freshProject(conf);
  let bundle: Uint8Array;
  try {
    bundle = (await bundleStepModule(`${project}/workflow.ts`, {
      config: `${project}/deno.json`,
      cacheDir: false,
    })).bytes;
  } finally {
    await Deno.remove(project, { recursive: true }).catch(() => {});
  }
  const head = "const end = performance.now() + Number(Deno.env.get('BUSY_MS') ?? '0');\n" +
    "while (performance.now() < end) { /* busy */ }\n";
  const path = `${dir}/noop.js`;
  await Deno.writeTextFile(
    path,
    `${head}async function unused() {\n${new TextDecoder().decode(bundle)}\n}\nvoid unused;\n`,
  );
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", "--no-lock", path],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!check.success) {
    // The bundle does not parse inside a function: pad a comment to the same size instead.
    await Deno.writeTextFile(path, `${head}/*${"x".repeat(bundle.length)}*/\n`);
  }
  return { path, bytes: bundle.length };
}

/**
 * Measures the table, once each (the machine is shared: figures are disturbed by others).
 *
 * @param conf SLURM_CONF.
 * @param progress Progress lines.
 * @returns Rows and detail lines.
 */
export async function speedTable(
  conf: string,
  progress: (message: string) => void,
): Promise<{ rows: SpeedRow[]; details: string[] }> {
  const rows: SpeedRow[] = [];
  const details: string[] = [];
  const dir = await Deno.makeTempDir({ prefix: "drover-bench-floor-" });
  try {
    const noop = await noopBundle(dir, conf);
    const deno =
      `DENO_NO_UPDATE_CHECK=1 ${Deno.execPath()} run -A --no-prompt --no-config --no-lock`;
    const bare = new Map<number, FloorRun>();
    const floorOf = async (k: number, busyMs: number): Promise<FloorRun> => {
      await waitIdle(conf, 60_000);
      return await bareArray(conf, k, 600_000, `BUSY_MS=${busyMs} ${deno} ${noop.path}`);
    };
    progress(`speed: no-op bundle of ${(noop.bytes / 1e6).toFixed(2)} MB`);
    const bestFixed = new Map<number, { ms: number; label: string }>();
    for (const c of CASES) {
      if (c.inputsPerJob === "auto") {
        // Compared with the best fixed inputsPerJob of the same N measured in this run.
        const fixed = bestFixed.get(c.n);
        await waitIdle(conf, 60_000);
        const run = await runDrover(conf, c.n, {
          inputsPerJob: "auto",
          timeoutMs: 600_000,
          work: c.work,
        });
        if (!run.ok) progress(`speed: ${c.label}: drover run failed:\n${run.problem}`);
        progress(`speed: drover ${c.label} in ${sec(run.wallMs)} (load ${run.loadAvg})`);
        const ratio = fixed ? run.wallMs / fixed.ms : NaN;
        rows.push({
          part: "(f)",
          what: `drover ${c.label}${run.ok ? "" : " [FAILED]"}`,
          value: fixed
            ? `${sec(run.wallMs)} = ${ratio.toFixed(2)}x best fixed (${fixed.label})`
            : sec(run.wallMs),
          goal: `<= 1.2x the best fixed inputsPerJob`,
          verdict: !fixed ? "skipped" : run.ok && ratio <= 1.2 ? "met" : "NOT MET",
        });
        details.push(
          `(f) ${c.label}: load average at start ${run.loadAvg}; where the time went:`,
          ...phases(run).map(([what, value]) => `      ${what}: ${value}`),
        );
        continue;
      }
      const k = Math.ceil(c.n / c.inputsPerJob);
      await waitIdle(conf, 60_000);
      let run: DroverRun | undefined;
      for (let attempt = 1; attempt <= 2 && !run?.ok; attempt++) {
        run = await runDrover(conf, c.n, {
          inputsPerJob: c.inputsPerJob,
          timeoutMs: 600_000,
          work: c.work,
        });
        if (!run.ok) progress(`speed: ${c.label}: drover run failed:\n${run.problem}`);
      }
      progress(`speed: drover ${c.label} in ${sec(run!.wallMs)} (load ${run!.loadAvg})`);
      if (!bare.has(k)) {
        await waitIdle(conf, 60_000);
        const b = await bareArray(conf, k, 600_000);
        bare.set(k, b);
        progress(`speed: bare ${k}-element array in ${sec(b.ms)}`);
        rows.push({
          part: "(f)",
          what: `bare-array floor, ${k} elements of true`,
          value: sec(b.ms),
          goal: "",
          verdict: "",
        });
      }
      const floor = await floorOf(k, c.busyMs);
      progress(`speed: Deno floor of ${k} elements (busy ${c.busyMs} ms) in ${sec(floor.ms)}`);
      rows.push({
        part: "(f)",
        what: `Deno floor, ${k} elements each deno run a no-op bundle${
          c.busyMs ? ` + ${c.busyMs / 1000} s CPU` : ""
        }`,
        value: sec(floor.ms),
        goal: "",
        verdict: "",
      });
      const ratio = run!.wallMs / floor.ms;
      const best = bestFixed.get(c.n);
      if (run!.ok && (!best || run!.wallMs < best.ms)) {
        bestFixed.set(c.n, { ms: run!.wallMs, label: c.label });
      }
      rows.push({
        part: "(f)",
        what: `drover ${c.label} (${k} elements)${run!.ok ? "" : " [FAILED]"}`,
        value: `${sec(run!.wallMs)} = ${ratio.toFixed(2)}x Deno floor`,
        goal: `<= ${GOAL_RATIO}x Deno floor = ${sec(floor.ms * GOAL_RATIO)}`,
        verdict: run!.ok && ratio <= GOAL_RATIO ? "met" : "NOT MET",
      });
      if (c.n === 1000 && c.inputsPerJob === 100) {
        rows.push({
          part: "(f)",
          what: `drover ${c.label}, absolute`,
          value: sec(run!.wallMs),
          goal: `< ${sec(GOAL_N1000_MS)} (on an idle machine)`,
          verdict: run!.ok && run!.wallMs < GOAL_N1000_MS ? "met" : "NOT MET",
        });
      }
      details.push(
        `(f) ${c.label}: load average at start ${run!.loadAvg}; where the time went:`,
        ...phases(run!).map(([what, value]) => `      ${what}: ${value}`),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return { rows, details };
}
