import assert from "node:assert/strict";
import {
  SchedulerCommandError,
  SchedulerOutputError,
  SLURM_STATUS_COMMAND,
  SlurmDriver,
  SubmitError,
} from "../../lib/scheduler/mod.ts";
import { type ExecOptions, type ExecResult, LocalTransport } from "../../lib/transport/mod.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { driverConformance } from "./_driver_conformance.ts";

driverConformance({
  label: "slurm",
  ignore: slurm.ignore,
  limits: { maxArraySize: 1001, maxJobCount: 10_000 },
  timeoutMs: 60_000,
  open: () => {
    requireSlurm();
    const transport = new LocalTransport();
    return Promise.resolve({
      driver: new SlurmDriver(),
      transport,
      close: () => transport.close(),
    });
  },
});

/** A transport that answers each command from a table and records what was run. */
class ScriptedTransport extends LocalTransport {
  readonly commands: string[] = [];
  #answers: (command: string) => Partial<ExecResult> & { stdoutText?: string };

  constructor(answers: (command: string) => Partial<ExecResult> & { stdoutText?: string }) {
    super();
    this.#answers = answers;
  }

  override exec(command: string, _options?: ExecOptions): Promise<ExecResult> {
    this.commands.push(command);
    const a = this.#answers(command);
    return Promise.resolve({
      code: a.code ?? 0,
      stdout: a.stdout ?? new TextEncoder().encode(a.stdoutText ?? ""),
      stderr: a.stderr ?? "",
    });
  }
}

Deno.test("SlurmDriver.submit() runs sbatch --parsable once from the script's directory", async () => {
  const t = new ScriptedTransport(() => ({ stdoutText: "4242\n" }));
  assert.equal(await new SlurmDriver().submit(t, "/runs/it's here/job.sh"), "4242");
  assert.deepEqual(t.commands, [
    `cd '/runs/it'"'"'s here' && sbatch --parsable '/runs/it'"'"'s here/job.sh'`,
  ]);
});

Deno.test("SlurmDriver.submit() throws SubmitError carrying exit code and stderr, and does not retry", async () => {
  const stderr = "sbatch: error: Batch job submission failed: Invalid partition name specified\n";
  const t = new ScriptedTransport(() => ({ code: 1, stderr }));
  const error = await new SlurmDriver().submit(t, "/r/job.sh").catch((e) => e);
  assert.ok(error instanceof SubmitError);
  assert.equal(error.exitCode, 1);
  assert.equal(error.stderr, stderr);
  assert.equal(error.command, "cd '/r' && sbatch --parsable '/r/job.sh'");
  assert.equal(
    error.message,
    "Cannot submit /r/job.sh: `cd '/r' && sbatch --parsable '/r/job.sh'` exited with 1 " +
      "(sbatch: error: Batch job submission failed: Invalid partition name specified)",
  );
  assert.equal(t.commands.length, 1);
});

Deno.test("SlurmDriver.submit() throws SchedulerOutputError naming sbatch when it prints no job id", async () => {
  const t = new ScriptedTransport(() => ({ stdoutText: "Submitted batch job 12\n" }));
  await assert.rejects(
    new SlurmDriver().submit(t, "/r/job.sh"),
    (e: unknown) => e instanceof SchedulerOutputError && e.command.includes("sbatch --parsable"),
  );
});

Deno.test("SlurmDriver.status() groups squeue lines by name and expands pending ranges", async () => {
  const t = new ScriptedTransport(() => ({
    stdoutText: [
      "22_[3-5,7%2]|PENDING|JobArrayTaskLimit|dr-a",
      "22_0|RUNNING|None|dr-a",
      "22_1|COMPLETED|None|dr-a",
      "22_2|FAILED|NonZeroExitCode|dr-a",
      "23|PENDING|Priority|dr-single",
      "9|COMPLETED|None|dr-reused",
      "31|RUNNING|None|dr-reused",
      "",
    ].join("\n"),
  }));
  const jobs = await new SlurmDriver().status(t);
  assert.deepEqual(t.commands, [SLURM_STATUS_COMMAND]);
  assert.equal(SLURM_STATUS_COMMAND, "squeue --me --noheader --states=all --format='%i|%T|%r|%j'");
  const a = jobs.get("dr-a");
  assert.equal(a?.id, "22");
  assert.deepEqual([...a.elements.values()], [
    { index: 0, state: "RUNNING" },
    { index: 1, state: "COMPLETED" },
    { index: 2, state: "FAILED", reason: "NonZeroExitCode" },
    { index: 3, state: "PENDING", reason: "JobArrayTaskLimit" },
    { index: 4, state: "PENDING", reason: "JobArrayTaskLimit" },
    { index: 5, state: "PENDING", reason: "JobArrayTaskLimit" },
    { index: 7, state: "PENDING", reason: "JobArrayTaskLimit" },
  ]);
  assert.deepEqual([...jobs.get("dr-single")?.elements.values() ?? []], [
    { index: 0, state: "PENDING", reason: "Priority" },
  ]);
  assert.equal(jobs.get("dr-reused")?.id, "31");
});

Deno.test("SlurmDriver.status() returns no jobs when squeue prints nothing", async () => {
  const jobs = await new SlurmDriver().status(new ScriptedTransport(() => ({})));
  assert.equal(jobs.size, 0);
});

Deno.test("SlurmDriver.status() throws SchedulerOutputError naming the squeue command for output it cannot read", async () => {
  const t = new ScriptedTransport(() => ({ stdoutText: "JOBID PARTITION NAME\n" }));
  await assert.rejects(
    new SlurmDriver().status(t),
    (e: unknown) => e instanceof SchedulerOutputError && e.command === SLURM_STATUS_COMMAND,
  );
});

Deno.test("SlurmDriver.status() throws for one line it cannot read among good ones (it must not look ended)", async () => {
  const t = new ScriptedTransport(() => ({
    stdoutText: "22_0|RUNNING|None|dr-a\n23|SLEEPWALKING|None|dr-b\n",
  }));
  await assert.rejects(
    new SlurmDriver().status(t),
    (e: unknown) =>
      e instanceof SchedulerOutputError && e.lineNumber === 2 && /SLEEPWALKING/.test(e.message),
  );
});

Deno.test("SlurmDriver.status() throws SchedulerCommandError when squeue fails", async () => {
  const stderr = "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n";
  const t = new ScriptedTransport(() => ({ code: 1, stderr }));
  await assert.rejects(new SlurmDriver().status(t), (e: unknown) => {
    assert.ok(e instanceof SchedulerCommandError);
    assert.equal(e.exitCode, 1);
    assert.equal(e.stderr, stderr);
    assert.match(e.message, /^Cannot list Slurm jobs: `squeue --me/);
    return true;
  });
});

Deno.test("SlurmDriver.cancel() runs one scancel for all ids and refuses other forms", async () => {
  const t = new ScriptedTransport(() => ({}));
  const driver = new SlurmDriver();
  await driver.cancel(t, ["12", "13_4"]);
  await driver.cancel(t, []);
  assert.deepEqual(t.commands, ["scancel 12 13_4"]);
  await assert.rejects(driver.cancel(t, ["12", "13;reboot"]), RangeError);
  assert.equal(t.commands.length, 1);
});

Deno.test("SlurmDriver.limits() reads scontrol once per transport and caps by max_array_tasks", async () => {
  const config = [
    "MaxArraySize            = 1001",
    "MaxJobCount             = 10000",
    "MinJobAge               = 300 sec",
    "SchedulerParameters     = bf_continue,max_array_tasks=500",
  ].join("\n");
  const t = new ScriptedTransport(() => ({ stdoutText: config }));
  const driver = new SlurmDriver();
  assert.deepEqual(await driver.limits(t), { maxArraySize: 500, maxJobCount: 10_000 });
  assert.deepEqual(await driver.limits(t), { maxArraySize: 500, maxJobCount: 10_000 });
  assert.deepEqual(t.commands, ["scontrol show config"]);
});

Deno.test("SlurmDriver.limits() asks again after a failed read", async () => {
  let calls = 0;
  const t = new ScriptedTransport(() =>
    ++calls === 1
      ? { code: 1, stderr: "scontrol: error: unable to contact controller" }
      : { stdoutText: "MaxArraySize = 1001\nMaxJobCount = 10000\nMinJobAge = 30 sec\n" }
  );
  const driver = new SlurmDriver();
  await assert.rejects(driver.limits(t), SchedulerCommandError);
  assert.deepEqual(await driver.limits(t), { maxArraySize: 1001, maxJobCount: 10_000 });
});
