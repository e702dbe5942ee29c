/**
 * The real local Slurm cluster as bench/slurm.ts sees it: is it up, is it idle, what are
 * its limits, and the floor of a run (a bare `sbatch --array --wrap true` waited for).
 */

const decoder = new TextDecoder();

/** Non-terminal states: an element in one of these has not finished yet. COMPLETING counts
 * as finished (its command has exited), which makes the floor the smaller, stricter one. */
const UNFINISHED = "PENDING,CONFIGURING,RUNNING,SUSPENDED,REQUEUED,REQUEUE_HOLD,RESIZING";

/** Runs a Slurm command with this SLURM_CONF; returns its exit code and stdout. */
export async function slurmCommand(
  conf: string,
  args: readonly string[],
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(args[0], {
    args: args.slice(1),
    env: { SLURM_CONF: conf },
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** SLURM_CONF of a cluster that answers `scontrol ping`, or why there is none. */
export async function findCluster(): Promise<{ conf: string } | { problem: string }> {
  const conf = Deno.env.get("SLURM_CONF") ?? "/tmp/drover-slurm/slurm.conf";
  try {
    if (!(await Deno.stat(conf)).isFile) return { problem: `${conf} is not a file` };
  } catch {
    return { problem: `SLURM_CONF is not set and ${conf} does not exist` };
  }
  try {
    const r = await slurmCommand(conf, ["scontrol", "ping"], AbortSignal.timeout(10_000));
    if (r.code === 0 && /\bUP\b/.test(r.stdout)) return { conf };
    return { problem: `scontrol ping says: ${(r.stdout + r.stderr).trim() || `exit ${r.code}`}` };
  } catch (e) {
    return { problem: `scontrol ping failed: ${(e as Error).message}` };
  }
}

/** `MaxArraySize` from `scontrol show config`. */
export async function maxArraySize(conf: string): Promise<number> {
  const r = await slurmCommand(conf, ["scontrol", "show", "config"]);
  const m = /^MaxArraySize\s*=\s*(\d+)/m.exec(r.stdout);
  if (!m) throw new Error("Cannot read MaxArraySize: not in `scontrol show config`");
  return Number(m[1]);
}

/**
 * Pending reasons of jobs that wait only for a free CPU, so will start soon and share the
 * cores. Others (`BeginTime`, `Dependency`, `JobHeldUser`, ...) may wait forever: a test
 * that submitted with `--begin` in the future and was killed leaves such a job, and counting
 * it made every case of the bench wait the whole 60 s.
 */
const RUNNABLE_REASONS = new Set(["None", "Resources", "Priority"]);

/**
 * How many jobs (array lines) of anyone are running, or pending and about to run, on the
 * cluster.
 */
export async function activeJobs(conf: string): Promise<number> {
  const r = await slurmCommand(conf, ["squeue", "-h", "-t", UNFINISHED, "-o", "%T %r"]);
  return r.stdout.split("\n").filter((line) => {
    const [state, reason] = line.trim().split(/\s+/);
    return state !== undefined && state !== "" &&
      (state !== "PENDING" || RUNNABLE_REASONS.has(reason ?? "None"));
  }).length;
}

/**
 * Waits (polling every 250 ms, up to `ms`) until nobody's jobs are queued or running, so a
 * measurement does not share the 2 cores with other people's tests.
 *
 * @returns The number of active jobs left when it stopped waiting (0: idle).
 */
export async function waitIdle(conf: string, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let n = await activeJobs(conf);
  while (n > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    n = await activeJobs(conf);
  }
  return n;
}

/** One bare array: how long from submission until every element finished. */
export interface FloorRun {
  readonly elements: number;
  readonly ms: number;
  readonly timedOut: boolean;
  readonly squeueCalls: number;
  readonly jobId: string;
  /** Elements squeue listed as COMPLETED or COMPLETING right after (others may be purged). */
  readonly completedSeen: number;
}

/**
 * The floor: submits `sbatch --array=0-(k-1) --wrap true` (default resources, like drover's
 * job) and polls `squeue -j` every 50 ms until no element is pending or running.
 *
 * @param conf SLURM_CONF.
 * @param k Elements.
 * @param timeoutMs Give up (and scancel) after this long.
 * @param wrap The command each element runs (default `true`).
 */
export async function bareArray(
  conf: string,
  k: number,
  timeoutMs: number,
  wrap = "true",
): Promise<FloorRun> {
  const t0 = performance.now();
  const sub = await slurmCommand(conf, [
    "sbatch",
    "--parsable",
    `--array=0-${k - 1}`,
    "--job-name=drover-bench-floor",
    "--output=/dev/null",
    "--wrap",
    wrap,
  ]);
  if (sub.code !== 0) throw new Error(`Cannot submit the bare array: ${sub.stderr.trim()}`);
  const jobId = sub.stdout.trim().split(";")[0];
  let squeueCalls = 0;
  while (true) {
    squeueCalls++;
    const r = await slurmCommand(conf, ["squeue", "-h", "-j", jobId, "-t", UNFINISHED, "-o", "%i"]);
    // An array whose elements all left the queue (MinJobAge) is an invalid id to squeue.
    if (r.code !== 0 && /Invalid job id/i.test(r.stderr)) break;
    if (r.code === 0 && r.stdout.trim() === "") break;
    if (performance.now() - t0 > timeoutMs) {
      await slurmCommand(conf, ["scancel", jobId]);
      const ms = performance.now() - t0;
      return { elements: k, ms, timedOut: true, squeueCalls, jobId, completedSeen: 0 };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = performance.now() - t0;
  const all = await slurmCommand(conf, ["squeue", "-h", "-j", jobId, "--states=all", "-o", "%T"]);
  const completedSeen = all.stdout.split("\n").filter((l) => /^COMPLET(ED|ING)$/.test(l)).length;
  return { elements: k, ms, timedOut: false, squeueCalls, jobId, completedSeen };
}
