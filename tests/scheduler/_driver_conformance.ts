/**
 * The conformance suite of `SchedulerDriver`: the same real jobs, run by every driver (the
 * local scheduler, real Slurm) through a real transport (local processes, SSH).
 */
import assert from "node:assert/strict";
import {
  isSlurmJobState,
  isTerminalSlurmState,
  type JobSpec,
  type JobStatus,
  LocalDriver,
  type SchedulerDriver,
  type SchedulerLimits,
  shellQuote,
  SubmitError,
} from "../../lib/scheduler/mod.ts";
import type { Transport } from "../../lib/transport/mod.ts";

/** What one test gets. */
export interface DriverUnderTest {
  /** The driver. */
  readonly driver: SchedulerDriver;
  /** Its system. */
  readonly transport: Transport;
  /** Cleans up after the test. */
  readonly close?: () => Promise<void>;
}

/** A driver under test and how to reach its system. */
export interface ConformanceTarget {
  /** Shown in test names: `local`, `slurm`. */
  readonly label: string;
  /** Skip every test (e.g. no cluster outside CI). */
  readonly ignore?: boolean;
  /** Makes the driver and transport for one test; may throw (e.g. no cluster under CI). */
  readonly open: () => Promise<DriverUnderTest>;
  /** What `limits()` must return on this system. */
  readonly limits: SchedulerLimits;
  /** How long a job may take to finish before a test gives up, ms. */
  readonly timeoutMs: number;
  /**
   * Whether `status()` still lists elements that ended, with their final state (Slurm for
   * `MinJobAge`, the local scheduler). Default true. Grid Engine forgets a job the moment
   * it ends, so there ended elements may only be absent, and the tests judge them by the
   * files they wrote.
   */
  readonly listsEnded?: boolean;
}

/**
 * A `LocalDriver` with a fresh registry, removed (with the transport closed) after the test.
 *
 * @param transport How to reach the system (this machine).
 * @returns The driver under test.
 */
export async function openLocalDriver(transport: Transport): Promise<DriverUnderTest> {
  const registry = await Deno.makeTempDir({ prefix: "drover-local-registry-" });
  return {
    driver: new LocalDriver({ registry }),
    transport,
    close: async () => {
      await transport.close();
      await Deno.remove(registry, { recursive: true });
    },
  };
}

/** One test's driver, system and patience. */
type Ctx = DriverUnderTest & {
  readonly timeoutMs: number;
  readonly label: string;
  readonly listsEnded: boolean;
};

const encoder = new TextEncoder();

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A unique job name for one test. */
function jobName(ctx: Ctx, what: string): string {
  const slug = ctx.label.replace(/[^A-Za-z0-9]+/g, "-");
  return `conf-${slug}-${what}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Whether an element is over: a final state, or gone from the listing. */
function over(job: JobStatus | undefined, index: number): boolean {
  const e = job?.elements.get(index);
  return e === undefined || (isSlurmJobState(e.state) && isTerminalSlurmState(e.state));
}

/** Polls `status()` every 100 ms until `done` holds for the named job, or times out. */
async function waitFor(
  ctx: Ctx,
  name: string,
  done: (job: JobStatus | undefined) => boolean,
): Promise<JobStatus | undefined> {
  const until = Date.now() + ctx.timeoutMs;
  let last: JobStatus | undefined;
  while (Date.now() < until) {
    last = (await ctx.driver.status(ctx.transport)).get(name);
    if (done(last)) return last;
    await pause(100);
  }
  const seen = last ? [...last.elements.values()].map((e) => `${e.index}:${e.state}`) : [];
  throw new Error(`job ${name} did not get there in ${ctx.timeoutMs} ms (last: ${seen})`);
}

/** Polls until elements `0 .. size-1` are all over; returns their states by index. */
async function waitAllOver(ctx: Ctx, name: string, size: number): Promise<JobStatus | undefined> {
  return await waitFor(ctx, name, (job) => [...Array(size).keys()].every((i) => over(job, i)));
}

function statesOf(job: JobStatus | undefined): Record<number, string> {
  return Object.fromEntries([...job?.elements.values() ?? []].map((e) => [e.index, e.state]));
}

/** A submitted job in its own directory (`dir/job.sh`, `dir/out/`); cancel and remove it. */
interface Submitted extends AsyncDisposable {
  readonly id: string;
  readonly dir: string;
}

/**
 * Renders the spec (working directory `dir/out`, unless given) into `dir/job.sh` and
 * submits it. `dir` is a fresh temporary directory unless given.
 */
async function submit(ctx: Ctx, spec: JobSpec, dir?: string): Promise<Submitted> {
  const base = dir ?? await Deno.makeTempDir({ prefix: "drover-conformance-" });
  await ctx.transport.writeFiles([
    {
      path: `${base}/job.sh`,
      data: encoder.encode(ctx.driver.render({ workdir: `${base}/out`, ...spec })),
    },
    { path: `${base}/out/.keep`, data: new Uint8Array() },
  ]);
  const id = await ctx.driver.submit(ctx.transport, `${base}/job.sh`);
  return {
    id,
    dir: base,
    async [Symbol.asyncDispose](): Promise<void> {
      await ctx.driver.cancel(ctx.transport, [id]);
      await Deno.remove(base, { recursive: true });
    },
  };
}

/** Waits for element `index` to run and for the pid file it writes; returns that pid. */
async function runningPid(ctx: Ctx, name: string, index: number, path: string): Promise<number> {
  await waitFor(ctx, name, (job) => job?.elements.get(index)?.state === "RUNNING");
  const until = Date.now() + ctx.timeoutMs;
  for (;;) {
    const text = await Deno.readTextFile(path).catch(() => "");
    if (/^\d+\n$/.test(text)) return Number(text);
    if (Date.now() > until) throw new Error(`${path} was not written in ${ctx.timeoutMs} ms`);
    await pause(25);
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Whether a process (on this machine) is gone, or a zombie, within 10 s. */
async function dies(pid: number): Promise<boolean> {
  const until = Date.now() + 10_000;
  for (;;) {
    const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
    if (status === "" || /^State:\s+Z/m.test(status)) return true;
    if (Date.now() > until) return false;
    await pause(25);
  }
}

/**
 * Registers the suite's tests for one driver.
 *
 * @param target The driver and its system.
 */
export function driverConformance(target: ConformanceTarget): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>): void => {
    Deno.test({
      name: `${target.label}: ${name}`,
      ignore: target.ignore ?? false,
      fn: async () => {
        const t = await target.open();
        try {
          await fn({
            ...t,
            timeoutMs: target.timeoutMs,
            label: target.label,
            listsEnded: target.listsEnded ?? true,
          });
        } finally {
          await t.close?.();
        }
      },
    });
  };

  test("submit() runs every element of a 5-element array and status() follows it to the end", async (ctx) => {
    const name = jobName(ctx, "array");
    await using job = await submit(ctx, {
      name,
      array: { size: 5 },
      body: ['printf "%s\\n" "$DROVER_ARRAY_INDEX" > "$DROVER_ARRAY_INDEX.txt"'],
    });
    const first = (await ctx.driver.status(ctx.transport)).get(name);
    assert.equal(first?.id, job.id);
    assert.deepEqual([...first.elements.keys()], [0, 1, 2, 3, 4]);
    const last = await waitAllOver(ctx, name, 5);
    for (const e of last?.elements.values() ?? []) assert.equal(e.state, "COMPLETED");
    for (let i = 0; i < 5; i++) {
      assert.equal(await Deno.readTextFile(`${job.dir}/out/${i}.txt`), `${i}\n`);
    }
  });

  test("cancel() of one element leaves it CANCELLED while the others complete or fail", async (ctx) => {
    const name = jobName(ctx, "element");
    await using job = await submit(ctx, {
      name,
      array: { size: 3 },
      body: [
        // The sleep may die before the shell gets its own signal: stop with it either way.
        'if [ "$DROVER_ARRAY_INDEX" = 1 ]; then sleep 60 & echo $! > sleep.pid; wait $! || exit $?; fi',
        'if [ "$DROVER_ARRAY_INDEX" = 2 ]; then exit 3; fi',
        'touch "$DROVER_ARRAY_INDEX.done"',
      ],
    });
    const sleeper = await runningPid(ctx, name, 1, `${job.dir}/out/sleep.pid`);
    await ctx.driver.cancel(ctx.transport, [`${job.id}_1`]);
    const last = await waitAllOver(ctx, name, 3);
    const s = statesOf(last);
    assert.ok(s[1] === undefined || s[1] === "CANCELLED", `element 1 is ${s[1]}`);
    if (ctx.listsEnded) {
      assert.equal(s[0], "COMPLETED");
      assert.equal(s[2], "FAILED");
    } else {
      assert.ok(s[0] === undefined || s[0] === "COMPLETED", `element 0 is ${s[0]}`);
      assert.ok(s[2] === undefined || s[2] === "FAILED", `element 2 is ${s[2]}`);
    }
    const code = last?.elements.get(2)?.exitCode;
    assert.ok(code === undefined || code === 3, `exit code ${code}`);
    assert.equal(await exists(`${job.dir}/out/0.done`), true, "element 0 did not complete");
    assert.equal(await exists(`${job.dir}/out/1.done`), false);
    assert.equal(await exists(`${job.dir}/out/2.done`), false, "element 2 did not stop at exit 3");
    assert.equal(await dies(sleeper), true, "the cancelled element's child still runs");
  });

  test("cancel() of a whole job stops the running element's process tree and the pending ones", async (ctx) => {
    const name = jobName(ctx, "job");
    await using job = await submit(ctx, {
      name,
      array: { size: 3, throttle: 1 },
      // The sleep may die before the shell gets its own signal: stop with it either way.
      body: ['sleep 60 & echo $! > "$DROVER_ARRAY_INDEX.pid"', "wait $! || exit $?", "touch done"],
    });
    const sleeper = await runningPid(ctx, name, 0, `${job.dir}/out/0.pid`);
    await ctx.driver.cancel(ctx.transport, [job.id]);
    const last = await waitAllOver(ctx, name, 3);
    for (const [i, state] of Object.entries(statesOf(last))) {
      assert.equal(state, "CANCELLED", `element ${i}`);
    }
    assert.equal(await dies(sleeper), true, "the cancelled job's child still runs");
    assert.equal(await exists(`${job.dir}/out/done`), false);
    assert.equal(await exists(`${job.dir}/out/1.pid`), false, "a pending element started");
  });

  test("limits() reports the system's array size and job count", async (ctx) => {
    assert.deepEqual(await ctx.driver.limits(ctx.transport), target.limits);
    assert.deepEqual(await ctx.driver.limits(ctx.transport), target.limits);
  });

  test("hostile env values and script paths reach the job as data and run nothing", async (ctx) => {
    const base = await Deno.makeTempDir({ prefix: "drover-conformance-" });
    const marker = `${base}/pwned`;
    const values = [
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `'; touch ${marker}; echo '`,
      `"; touch ${marker}; echo "`,
      `x\n#SBATCH --wrap=touch ${marker}\n#DROVER --array=0-99\ntouch ${marker}`,
      `tab\there \\ back\\slash $HOME * ? [a] ~ ! & | > <`,
      "ünïcødé ✓",
    ];
    const name = jobName(ctx, "hostile");
    try {
      // The job's directory (and so the script's path and the workdir) is hostile too.
      await using job = await submit(ctx, {
        name,
        env: Object.fromEntries(values.map((v, i) => [`HOSTILE_${i}`, v])),
        body: values.map((_, i) => `printf '%s' "$HOSTILE_${i}" > ${i}.txt`),
      }, `${base}/it's a $(touch ${marker}) "dir"; touch ${marker}`);
      await waitAllOver(ctx, name, 1);
      for (const [i, value] of values.entries()) {
        assert.equal(await Deno.readTextFile(`${job.dir}/out/${i}.txt`), value, `HOSTILE_${i}`);
      }
      assert.equal(await exists(marker), false, "a hostile value was run");
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  });

  test("render() refuses hostile job names and cancel() refuses hostile ids", async (ctx) => {
    for (const name of ["x\n#SBATCH --uid=0", "a;touch x", "$(id)", "a b", "-x", ""]) {
      assert.throws(() => ctx.driver.render({ name, body: ["true"] }), RangeError, name);
    }
    for (const id of ["1; touch x", "1 2", "$(id)", "1_", "_1", ""]) {
      await assert.rejects(ctx.driver.cancel(ctx.transport, [id]), RangeError, id);
    }
    await ctx.driver.cancel(ctx.transport, []);
  });

  test("submit() throws SubmitError with the command and its stderr when the script is missing", async (ctx) => {
    const dir = await Deno.makeTempDir({ prefix: "drover-conformance-" });
    const path = `${dir}/missing.sh`;
    const error = await ctx.driver.submit(ctx.transport, path).then(
      () => assert.fail("submitted a missing script"),
      (e: unknown) => e,
    ).finally(() => Deno.remove(dir, { recursive: true }));
    assert.ok(error instanceof SubmitError, String(error));
    assert.equal(error.scriptPath, path);
    assert.notEqual(error.exitCode, 0);
    assert.ok(error.command.includes(shellQuote(path)), error.command);
    assert.ok(error.message.startsWith(`Cannot submit ${path}: `), error.message);
    assert.notEqual(error.stderr.trim(), "");
  });
}
