/**
 * One measured drover run for bench/slurm.ts: a fresh temp project (bench/_slurm_workflow.ts,
 * a drover.yaml with a Slurm system polled every 50 ms, its own empty drover bundle cache),
 * logging shims for sbatch/squeue/scontrol/sacct/scancel on PATH, `deno run` timed from
 * spawn to exit. Collects the workflow's timestamped events, every scheduler command drover
 * issued, and the elements' launch/start/exit times from the job directory.
 */
import { writeProjectConfig } from "../tests/_helpers/project.ts";
import { slurmCommand } from "./_slurm_cluster.ts";

const SHIMMED = ["sbatch", "squeue", "scontrol", "sacct", "scancel"];

/** A scheduler command drover ran (through a shim). */
export interface SchedulerCall {
  /** Epoch ms. */
  readonly at: number;
  readonly command: string;
  readonly args: string;
}

/** A line the workflow wrote to stderr (`@@bench {...}`). */
export interface BenchEvent {
  /** Epoch ms. */
  readonly at: number;
  readonly type: string;
  readonly [field: string]: unknown;
}

/** One element of the job: epoch ms, each undefined when its file is missing. */
export interface ElementTimes {
  /** Slurm created its stdout log (launch). */
  readonly launchedAt?: number;
  /** The runner wrote `started` (deno up, bundle loaded). */
  readonly startedAt?: number;
  /** The exit marker was written (element done). */
  readonly exitedAt?: number;
}

/** What one drover run did. */
export interface DroverRun {
  readonly n: number;
  readonly inputsPerJob: number | "auto";
  /** Epoch ms just before spawning `deno run`. */
  readonly spawnedAt: number;
  /** Spawn to exit, ms. */
  readonly wallMs: number;
  readonly ok: boolean;
  readonly timedOut: boolean;
  /** The tail of stderr when the run failed. */
  readonly problem?: string;
  readonly events: readonly BenchEvent[];
  readonly calls: readonly SchedulerCall[];
  readonly elements: readonly ElementTimes[];
  /** Size of the job bundle, bytes. */
  readonly bundleBytes?: number;
  /** Epoch ms from file birth times: the bundle put in the project store (bundling done). */
  readonly bundleStoredAt?: number;
  /** The first object (bundle, inputs) staged into the run directory. */
  readonly firstStagedAt?: number;
  /** The last one. */
  readonly stagedAt?: number;
  /** The job script written (just before sbatch). */
  readonly scriptAt?: number;
  /** /proc/loadavg when the run started (the machine is shared). */
  readonly loadAvg: string;
}

let denoDir: string | undefined;

/** Deno's own cache dir (kept warm; only drover's caches are fresh per project). */
async function ownDenoDir(): Promise<string> {
  if (denoDir) return denoDir;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  denoDir = JSON.parse(new TextDecoder().decode(out.stdout)).denoDir as string;
  return denoDir;
}

async function realPath(name: string): Promise<string | undefined> {
  const out = await new Deno.Command("sh", {
    args: ["-c", `command -v ${name}`],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).trim() || undefined;
}

/** Makes a fresh project; returns its path and the environment to run it with. */
export async function freshProject(
  conf: string,
): Promise<{ path: string; env: Record<string, string> }> {
  const path = await Deno.makeTempDir({ prefix: "drover-bench-slurm-" });
  await writeProjectConfig(path);
  await Deno.copyFile(new URL("./_slurm_workflow.ts", import.meta.url), `${path}/workflow.ts`);
  await Deno.writeTextFile(
    `${path}/drover.yaml`,
    `systems:\n  slurm: { scheduler: slurm, rundir: ${path}/runs, pollMs: 50 }\n`,
  );
  await Deno.mkdir(`${path}/bin`);
  for (const name of SHIMMED) {
    const real = await realPath(name);
    if (!real) continue;
    await Deno.writeTextFile(
      `${path}/bin/${name}`,
      `#!/bin/bash\nprintf '%s %s %s\\n' "$EPOCHREALTIME" ${name} "$*" >> '${path}/scheduler.log'\n` +
        `exec '${real}' "$@"\n`,
      { mode: 0o755 },
    );
  }
  const env = {
    SLURM_CONF: conf,
    PATH: `${path}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    NO_COLOR: "1",
    DENO_DIR: await ownDenoDir(),
    XDG_CACHE_HOME: `${path}/.cache`,
  };
  return { path, env };
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const d of Deno.readDir(dir)) names.push(d.name);
  } catch {
    // none
  }
  return names.sort();
}

function parseCalls(text: string): SchedulerCall[] {
  return text.split("\n").filter(Boolean).map((line) => {
    const [at, command, ...args] = line.split(" ");
    return { at: Number(at) * 1000, command, args: args.join(" ") };
  });
}

async function bornAt(path: string): Promise<number | undefined> {
  try {
    const s = await Deno.stat(path);
    return (s.birthtime ?? s.mtime)?.getTime();
  } catch {
    return undefined;
  }
}

/** /proc/loadavg's first three fields, or "?". */
export async function loadAverage(): Promise<string> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "?");
  return text.split(" ").slice(0, 3).join(" ");
}

async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch {
    return undefined;
  }
}

async function elementTimes(jobDir: string, size: number): Promise<ElementTimes[]> {
  const out: ElementTimes[] = [];
  for (let i = 0; i < size; i++) {
    out.push({
      launchedAt: await bornAt(`${jobDir}/log/${i}.out`),
      startedAt: await modifiedAt(`${jobDir}/el/${i}.started`),
      exitedAt: await modifiedAt(`${jobDir}/el/${i}.exit`),
    });
  }
  return out;
}

/**
 * Runs the bench workflow with `n` calls routed to Slurm, `inputsPerJob` calls per array
 * element, in a fresh project, and removes the project afterwards (scancelling anything of
 * it still queued).
 */
export async function runDrover(
  conf: string,
  n: number,
  options: { inputsPerJob: number | "auto"; timeoutMs: number; work?: "trivial" | "cpu" },
): Promise<DroverRun> {
  const { path, env } = await freshProject(conf);
  try {
    const work = options.work ?? "trivial";
    const route = {
      [`workflow.ts::bench.${work}`]: { system: "slurm", inputsPerJob: options.inputsPerJob },
    };
    const loadAvg = await loadAverage();
    const spawnedAt = Date.now();
    const t0 = performance.now();
    let timedOut = false;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "workflow.ts"],
      cwd: path,
      env: { ...env, N: String(n), WORK: work, DROVER_REMOTE_INFO: JSON.stringify(route) },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
    }, options.timeoutMs);
    const out = await child.output();
    clearTimeout(timer);
    const wallMs = performance.now() - t0;
    const stderr = new TextDecoder().decode(out.stderr);
    const stdout = new TextDecoder().decode(out.stdout);
    const events = stderr.split("\n").filter((l) => l.startsWith("@@bench "))
      .map((l) => JSON.parse(l.slice(8)) as BenchEvent);
    let result: { ok?: boolean; sum?: number } = {};
    try {
      result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    } catch {
      // reported as not ok below
    }
    const ok = out.success && result.ok === true && result.sum === (n * (n + 1)) / 2;
    const calls = parseCalls(await Deno.readTextFile(`${path}/scheduler.log`).catch(() => ""));
    const elements: ElementTimes[] = [];
    let bundleBytes: number | undefined;
    let bundleStoredAt: number | undefined;
    let scriptAt: number | undefined;
    let stagedAt: number | undefined;
    let firstStagedAt: number | undefined;
    for (const job of await listDir(`${path}/runs/jobs`)) {
      const manifest = JSON.parse(
        await Deno.readTextFile(`${path}/runs/jobs/${job}/manifest.json`),
      );
      elements.push(...await elementTimes(`${path}/runs/jobs/${job}`, manifest.elements.length));
      const b = manifest.bundle as string;
      bundleBytes = (await Deno.stat(`${path}/runs/objects/${b.slice(0, 2)}/${b}`)).size;
      bundleStoredAt ??= await bornAt(`${path}/.drover/objects/${b.slice(0, 2)}/${b}`);
      const staged = [b, ...manifest.elements.flat().map((c: { inputs: string }) => c.inputs)];
      for (const hash of staged) {
        const t = await bornAt(`${path}/runs/objects/${hash.slice(0, 2)}/${hash}`);
        if (t !== undefined && t > (stagedAt ?? 0)) stagedAt = t;
        if (t !== undefined && t < (firstStagedAt ?? Infinity)) firstStagedAt = t;
      }
      scriptAt ??= await bornAt(`${path}/runs/jobs/${job}/job.sh`);
    }
    const failedLogs: string[] = [];
    if (!ok) {
      for (const job of await listDir(`${path}/runs/jobs`)) {
        for (const name of await listDir(`${path}/runs/jobs/${job}/el`)) {
          if (!name.endsWith(".exit")) continue;
          const code = (await Deno.readTextFile(`${path}/runs/jobs/${job}/el/${name}`)).trim();
          if (code === "0") continue;
          const i = name.slice(0, -5);
          const err = await Deno.readTextFile(`${path}/runs/jobs/${job}/log/${i}.err`)
            .catch(() => "(no log)");
          failedLogs.push(`element ${i} exited ${code}; its stderr:\n${err.slice(-3000)}`);
        }
      }
    }
    const problem = ok ? undefined : [
      ...failedLogs,
      `exit code ${out.code}; stdout: ${stdout.trim().slice(-2000)}`,
      ...stderr.split("\n").filter((l) => !l.startsWith("@@bench ")).slice(-30),
    ].join("\n");
    return {
      n,
      inputsPerJob: options.inputsPerJob,
      spawnedAt,
      wallMs,
      ok,
      timedOut,
      problem,
      events,
      calls,
      elements,
      bundleBytes,
      bundleStoredAt,
      firstStagedAt,
      stagedAt,
      scriptAt,
      loadAvg,
    };
  } finally {
    for (const name of await listDir(`${path}/runs/jobs`)) {
      await slurmCommand(conf, ["scancel", `--name=${name}`]);
    }
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}
