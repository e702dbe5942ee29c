/**
 * Driver benchmarks (not part of the test task): `deno task bench:driver`.
 *
 * Needs the throwaway Slurm cluster (`eval "$(bash scripts/slurm-up.sh)"`). In one fresh
 * project with default poll settings, N=1000 trivial calls routed to Slurm, 100 per element:
 * - map→sbatch, cold: from `map()` starting to the first `sbatch`, with an empty drover
 *   bundle cache and a new project store (goal ≤ 0.3 s)
 * - map→sbatch, warm: the same script again in the same project with new arguments
 *   (goal ≤ 0.1 s)
 * - completion noticed: from the last element's exit marker to `map()` returning
 *   (goal ≤ 0.5 s)
 * - driver CPU while waiting: CPU time of the driver from the last submission to `map()`
 *   returning over the wall time, for 10 calls of 5 s each, one per element (goal < 5 %)
 *
 * Each figure is printed beside its goal with met or NOT MET, then where the warm run's
 * driver CPU goes (a V8 profile of a third run, by function). The machine is shared:
 * figures are disturbed by its load (printed).
 *
 * @module
 */
import { findCluster, slurmCommand } from "./_slurm_cluster.ts";
import { freshProject, loadAverage } from "./_slurm_project.ts";

interface Mark {
  readonly at: number;
  readonly cpuMs: number;
  readonly type: string;
  readonly top?: readonly { what: string; ms: number }[];
  readonly inclusive?: readonly { what: string; ms: number; total: number }[];
}

interface Measured {
  readonly ok: boolean;
  readonly marks: readonly Mark[];
  readonly sbatchAt: readonly number[];
  readonly squeueAt: readonly number[];
  readonly problem?: string;
}

async function run(
  path: string,
  env: Record<string, string>,
  vars: { n: number; offset: number; perElement: number; sleepMs: number; profile?: boolean },
): Promise<Measured> {
  const route = {
    "workflow.ts::bench.trivial": { system: "slurm", inputsPerJob: vars.perElement },
  };
  await Deno.remove(`${path}/scheduler.log`).catch(() => {});
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "workflow.ts"],
    cwd: path,
    env: {
      ...env,
      N: String(vars.n),
      OFFSET: String(vars.offset),
      SLEEP_MS: String(vars.sleepMs),
      PROFILE: vars.profile ? "1" : "0",
      DROVER_REMOTE_INFO: JSON.stringify(route),
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const marks = stderr.split("\n").filter((l) => l.startsWith("@@bench "))
    .map((l) => JSON.parse(l.slice(8)) as Mark);
  const log = await Deno.readTextFile(`${path}/scheduler.log`).catch(() => "");
  const calls = log.split("\n").filter(Boolean).map((l) => l.split(" "));
  const at = (cmd: string) => calls.filter((c) => c[1] === cmd).map((c) => Number(c[0]) * 1000);
  let result: { ok?: boolean; sum?: number } = {};
  try {
    result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "{}");
  } catch {
    // not ok
  }
  const want = vars.n * vars.offset + (vars.n * (vars.n + 1)) / 2;
  const ok = out.success && result.ok === true && result.sum === want;
  return {
    ok,
    marks,
    sbatchAt: at("sbatch"),
    squeueAt: at("squeue"),
    ...(ok ? {} : { problem: stderr.split("\n").slice(-20).join("\n") }),
  };
}

function mark(m: Measured, type: string): Mark | undefined {
  return m.marks.find((x) => x.type === type);
}

async function lastExitMarker(path: string): Promise<number> {
  let last = 0;
  for await (const job of Deno.readDir(`${path}/runs/jobs`)) {
    for await (const f of Deno.readDir(`${path}/runs/jobs/${job.name}/el`)) {
      if (!f.name.endsWith(".exit")) continue;
      const t = (await Deno.stat(`${path}/runs/jobs/${job.name}/el/${f.name}`)).mtime;
      if (t && t.getTime() > last) last = t.getTime();
    }
  }
  return last;
}

/** When the first bundle was written to drover's bundle cache (epoch ms), if any. */
async function firstBundleAt(dir: string): Promise<number | undefined> {
  let first: number | undefined;
  try {
    for await (const f of Deno.readDir(dir)) {
      if (!f.name.endsWith(".js")) continue;
      const t = (await Deno.stat(`${dir}/${f.name}`)).mtime?.getTime();
      if (t !== undefined && (first === undefined || t < first)) first = t;
    }
  } catch {
    // no cache
  }
  return first;
}

const rows: string[] = [];
function row(what: string, ms: number | undefined, goalMs: number, unit = "s"): void {
  const value = ms === undefined
    ? "n/a"
    : unit === "%"
    ? `${ms.toFixed(1)} %`
    : `${(ms / 1000).toFixed(3)} s`;
  const goal = unit === "%" ? `< ${goalMs} %` : `≤ ${(goalMs / 1000).toFixed(1)} s`;
  const verdict = ms !== undefined && ms <= goalMs ? "met" : "NOT MET";
  rows.push(`${what.padEnd(40)} ${value.padStart(10)}   goal ${goal.padEnd(9)} ${verdict}`);
}

if (import.meta.main) {
  const cluster = await findCluster();
  if ("problem" in cluster) {
    console.error(`No Slurm cluster: ${cluster.problem}`);
    Deno.exit(1);
  }
  const conf = cluster.conf;
  const { path, env } = await freshProject(conf);
  try {
    await Deno.copyFile(new URL("./_driver_workflow.ts", import.meta.url), `${path}/workflow.ts`);
    await Deno.copyFile(
      new URL("./_driver_profile.ts", import.meta.url),
      `${path}/_driver_profile.ts`,
    );
    // Default poll settings.
    await Deno.writeTextFile(
      `${path}/drover.yaml`,
      `systems:\n  slurm: { scheduler: slurm, rundir: ${path}/runs }\n`,
    );
    const load = await loadAverage();
    const cold = await run(path, env, { n: 1000, offset: 0, perElement: 100, sleepMs: 0 });
    const bundledAt = await firstBundleAt(`${path}/.cache/drover/bundles`);
    const warm = await run(path, env, { n: 1000, offset: 1_000_000, perElement: 100, sleepMs: 0 });
    const doneAt = mark(warm, "done")?.at;
    const lastExit = await lastExitMarker(path);
    // The same again, profiled (the profiler slows it down: not timed).
    const profiled = await run(path, env, {
      n: 1000,
      offset: 3_000_000,
      perElement: 100,
      sleepMs: 0,
      profile: true,
    });
    // QUICK=1 leaves out the waiting run (10 × 5 s), for measuring map→sbatch alone.
    const wait = Deno.env.get("QUICK") === "1"
      ? { ok: true, marks: [], sbatchAt: [], squeueAt: [] }
      : await run(path, env, { n: 10, offset: 2_000_000, perElement: 1, sleepMs: 5000 });
    for (
      const [name, m] of [["cold", cold], ["warm", warm], ["profiled", profiled], [
        "waiting",
        wait,
      ]] as const
    ) {
      if (!m.ok) console.error(`The ${name} run failed:\n${m.problem}`);
    }
    const toSbatch = (m: Measured) => {
      const start = mark(m, "map-start")?.at;
      return start === undefined || m.sbatchAt.length === 0 ? undefined : m.sbatchAt[0] - start;
    };
    row("map→sbatch, cold (N=1000, 100/element)", toSbatch(cold), 300);
    row("map→sbatch, warm (same project, new args)", toSbatch(warm), 100);
    row(
      "completion noticed after last marker",
      doneAt === undefined || lastExit === 0 ? undefined : doneAt - lastExit,
      500,
    );
    const submitted = wait.marks.filter((x) => x.type === "job-submitted").at(-1);
    const done = mark(wait, "done");
    const cpu = submitted && done
      ? (100 * (done.cpuMs - submitted.cpuMs)) / (done.at - submitted.at)
      : undefined;
    row("driver CPU while waiting (10 × 5 s calls)", cpu, 5, "%");
    console.log(`drover driver bench (load average at start: ${load}; the machine is shared)`);
    for (const r of rows) console.log(r);
    const coldStart = mark(cold, "map-start")?.at;
    if (coldStart !== undefined) {
      const rel = (t: number | undefined) => t === undefined ? "?" : `${t - coldStart} ms`;
      console.log(
        `cold timeline from map(): code identity ${
          rel(cold.marks.find((x) => x.type === "code-identity")?.at)
        }, bundle built ${rel(bundledAt)}, first sbatch ${rel(cold.sbatchAt[0])}`,
      );
    }
    for (const [name, m] of [["cold", cold], ["warm", warm]] as const) {
      const start = mark(m, "map-start");
      const identity = m.marks.find((x) => x.type === "code-identity");
      const submitted = m.marks.find((x) => x.type === "job-submitted");
      if (!start || !submitted) continue;
      console.log(
        `${name}: code identity at ${identity ? identity.at - start.at : "?"} ms ` +
          `(driver CPU ${identity ? Math.round(identity.cpuMs - start.cpuMs) : "?"} ms); ` +
          `driver CPU map→submitted ${Math.round(submitted.cpuMs - start.cpuMs)} ms ` +
          `over ${submitted.at - start.at} ms of wall time (the load inflates the wall time)`,
      );
    }
    const top = mark(profiled, "profile")?.top ?? [];
    console.log("warm map→submission, driver CPU by function (self time, profiled run):");
    for (const t of top) console.log(`  ${t.ms.toFixed(1).padStart(7)} ms  ${t.what}`);
    console.log("the same, drover's functions by inclusive time (self + what they called):");
    for (const t of mark(profiled, "profile")?.inclusive ?? []) {
      console.log(`  ${t.total.toFixed(1).padStart(7)} ms  ${t.what}`);
    }
    console.log(
      `squeue calls while waiting: ${wait.squeueAt.length} over ${
        submitted && done ? ((done.at - submitted.at) / 1000).toFixed(1) : "?"
      } s`,
    );
  } finally {
    try {
      for await (const job of Deno.readDir(`${path}/runs/jobs`)) {
        await slurmCommand(conf, ["scancel", `--name=${job.name}`]);
      }
    } catch {
      // nothing submitted
    }
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}
