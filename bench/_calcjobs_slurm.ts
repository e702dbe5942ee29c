/**
 * The real-Slurm part of bench/calcjobs.ts: 1,000 calcjobs of one code submitted by
 * `runCalcJobs` to the test cluster (held with `#SBATCH --hold`, so they stay in flight and
 * take no CPU from other people's jobs on the shared cluster), polled for a few intervals,
 * then cancelled. Logging shims for sbatch, squeue, sacct and scontrol on PATH count every
 * scheduler command drover ran.
 *
 * @module
 */
import { addJobsFile, runCalcJobs } from "../lib/calcjob/mod.ts";
import { type Clock, systemClock, SystemLink } from "../lib/runtime/mod.ts";
import { driverFor } from "../lib/scheduler/mod.ts";
import { openStore } from "../lib/store/mod.ts";
import type { System } from "../lib/systems/mod.ts";
import { LocalTransport } from "../lib/transport/mod.ts";

const SHIMMED = ["sbatch", "squeue", "sacct", "scontrol"];

/** What the run showed. */
export interface StatusQueryFigures {
  /** Calcjobs in flight while polled. */
  readonly calcjobs: number;
  /** `sbatch` commands (through the shim). */
  readonly sbatch: number;
  /** Poll intervals measured. */
  readonly polls: number;
  /** `squeue` and `sacct` commands during those intervals. */
  readonly queries: number;
}

async function realPath(name: string): Promise<string | undefined> {
  const out = await new Deno.Command("sh", {
    args: ["-c", `command -v ${name}`],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).trim() || undefined;
}

/**
 * Runs the measurement.
 *
 * @param n Calcjobs (at most Slurm's MaxArraySize for one array).
 * @param polls Poll intervals to measure.
 * @returns The figures.
 */
export async function measureStatusQueries(n: number, polls: number): Promise<StatusQueryFigures> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-bench-cj-slurm-" }));
  const log = `${dir}/scheduler.log`;
  const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
  await Deno.mkdir(`${dir}/bin`);
  for (const name of SHIMMED) {
    const real = await realPath(name);
    if (!real) continue;
    await Deno.writeTextFile(
      `${dir}/bin/${name}`,
      `#!/bin/sh\necho "${name} $*" >> '${log}'\nexec '${real}' "$@"\n`,
      { mode: 0o755 },
    );
  }
  const lines = (): string[] => {
    try {
      return Deno.readTextFileSync(log).split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };
  const system: System = {
    name: "hpc",
    scheduler: "slurm",
    rundir: `${dir}/runs`,
    partitions: [],
    header: [],
    setup: [],
    deno: "upload",
    maxJobs: 100,
    pollMs: 1000,
  };
  await Deno.writeTextFile(
    `${dir}/jobs.yaml`,
    `codes:
  - label: hold
    system: hpc
    script: "#!/bin/bash\\n#SBATCH --hold\\necho {{ calc.parameters.i }} > out.txt\\n"
    download: [out.txt]
calcjobs: [{ code: hold, matrix: { i: ${JSON.stringify(Array.from({ length: n }, (_, i) => i))} } }]
`,
  );
  Deno.env.set("PATH", `${dir}/bin:${path}`);
  const transport = new LocalTransport();
  let batch: string | undefined;
  try {
    using store = openStore({ cwd: dir });
    addJobsFile(`${dir}/jobs.yaml`, store, { systems: { hpc: system } });
    const stop = new AbortController();
    let sleeps = 0;
    let before = -1;
    const clock: Clock = {
      now: () => systemClock.now(),
      sleep: (ms, signal) => {
        if (++sleeps >= polls) stop.abort();
        return systemClock.sleep(ms, signal);
      },
    };
    const link = new SystemLink(system, transport, driverFor("slurm"));
    await runCalcJobs(store, {
      linkFor: () => link,
      clock,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === "submitted") {
          batch = e.batch;
          before = lines().length;
        }
      },
    }).catch((e) => {
      if (!stop.signal.aborted) throw e;
    });
    const after = lines().slice(Math.max(0, before));
    return {
      calcjobs: n,
      sbatch: lines().filter((l) => l.startsWith("sbatch ")).length,
      polls: sleeps,
      queries: after.filter((l) => /^(squeue|sacct) /.test(l)).length,
    };
  } finally {
    Deno.env.set("PATH", path);
    await transport.close();
    if (batch !== undefined) {
      await new Deno.Command("scancel", { args: [`--name=${batch}`] }).output().catch(() => {});
    }
    await Deno.remove(dir, { recursive: true });
  }
}
