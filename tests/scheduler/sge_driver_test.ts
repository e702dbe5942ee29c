import assert from "node:assert/strict";
import {
  driverFor,
  SchedulerCommandError,
  SchedulerOutputError,
  SGE_STATUS_COMMAND,
  SgeDriver,
  SubmitError,
} from "../../lib/scheduler/mod.ts";
import { type ExecOptions, type ExecResult, LocalTransport } from "../../lib/transport/mod.ts";
import { requireSge, sge } from "../_helpers/sge.ts";
import { driverConformance } from "./_driver_conformance.ts";
import { fixture } from "./_golden.ts";

/** What scripts/sge-up.sh configures: max_aj_tasks 1001, max_jobs 10000. */
export const SGE_TEST_LIMITS = { maxArraySize: 1001, maxJobCount: 10_000 };

driverConformance({
  label: "sge",
  ignore: sge.ignore,
  limits: SGE_TEST_LIMITS,
  timeoutMs: 60_000,
  listsEnded: false,
  open: () => {
    requireSge();
    const transport = new LocalTransport();
    return Promise.resolve({ driver: new SgeDriver(), transport, close: () => transport.close() });
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

Deno.test("driverFor() returns the shared SgeDriver for sge", () => {
  assert.ok(driverFor("sge") instanceof SgeDriver);
  assert.equal(driverFor("sge"), driverFor("sge"));
});

Deno.test("SgeDriver.submit() runs qsub -terse -cwd once from the script's directory and reads array ids", async () => {
  const t = new ScriptedTransport(() => ({ stdoutText: "4242.1-5:1\n" }));
  assert.equal(await new SgeDriver().submit(t, "/runs/it's here/job.sh"), "4242");
  assert.deepEqual(t.commands, [
    `cd '/runs/it'"'"'s here' && qsub -terse -cwd '/runs/it'"'"'s here/job.sh'`,
  ]);
  const plain = new ScriptedTransport(() => ({ stdoutText: "17\n" }));
  assert.equal(await new SgeDriver().submit(plain, "job.sh"), "17");
  assert.deepEqual(plain.commands, ["qsub -terse -cwd 'job.sh'"]);
});

Deno.test("SgeDriver.submit() throws SubmitError with qsub's code and stderr, and SchedulerOutputError for other answers", async () => {
  const stderr =
    "Unable to read script file because of error: error opening /r/job.sh: No such file\n";
  const refused = new ScriptedTransport(() => ({ code: 14, stderr }));
  const error = await new SgeDriver().submit(refused, "/r/job.sh").catch((e) => e);
  assert.ok(error instanceof SubmitError);
  assert.equal(error.exitCode, 14);
  assert.equal(error.stderr, stderr);
  assert.equal(refused.commands.length, 1);
  const chatty = new ScriptedTransport(() => ({
    stdoutText: 'Your job 12 ("x") has been submitted\n',
  }));
  await assert.rejects(
    new SgeDriver().submit(chatty, "/r/job.sh"),
    (e: unknown) => e instanceof SchedulerOutputError && /expected a job id/.test(e.message),
  );
});

Deno.test("SgeDriver.status() maps a real qstat -xml listing to 0-based elements with Slurm state names", async () => {
  const xml = await fixture("sge/qstat_xml_drover.xml");
  const t = new ScriptedTransport(() => ({ stdoutText: xml }));
  const jobs = await new SgeDriver().status(t);
  assert.deepEqual(t.commands, [SGE_STATUS_COMMAND]);
  assert.equal(SGE_STATUS_COMMAND, `qstat -xml -u "$(id -un)"`);
  const a = jobs.get("conf-sge-array");
  assert.equal(a?.id, "3");
  assert.deepEqual([...a.elements.values()], [
    { index: 0, state: "RUNNING" },
    { index: 1, state: "RUNNING" },
    { index: 2, state: "PENDING" },
    { index: 3, state: "PENDING" },
    { index: 4, state: "PENDING" },
  ]);
  assert.deepEqual([...jobs.get("held-one")?.elements.values() ?? []], [
    { index: 0, state: "PENDING", reason: "Held" },
  ]);
  assert.deepEqual([...jobs.get("broken")?.elements.values() ?? []], [
    { index: 0, state: "PENDING", reason: "JobErrorState" },
  ]);
  assert.deepEqual([...jobs.get("going")?.elements.values() ?? []], [
    { index: 0, state: "CANCELLED", reason: "Deleted" },
  ]);
  assert.deepEqual([...jobs.get("paused")?.elements.values() ?? []], [
    { index: 0, state: "SUSPENDED" },
  ]);
});

Deno.test("SgeDriver.status() returns no jobs for an empty listing and throws for one it cannot read", async () => {
  const empty = "<?xml version='1.0'?>\n<job_info>\n  <queue_info>\n  </queue_info>\n" +
    "  <job_info>\n  </job_info>\n</job_info>\n";
  assert.equal(
    (await new SgeDriver().status(new ScriptedTransport(() => ({ stdoutText: empty })))).size,
    0,
  );
  await assert.rejects(
    new SgeDriver().status(new ScriptedTransport(() => ({ stdoutText: "" }))),
    (e: unknown) => e instanceof SchedulerOutputError && e.command === SGE_STATUS_COMMAND,
  );
  // One job drover cannot read fails the poll: it must not look like a job that ended.
  const bad = empty.replace(
    "<job_info>\n  </job_info>",
    '<job_info><job_list state="pending"><JB_job_number>9</JB_job_number><JB_name>x</JB_name>' +
      "<JB_owner>u</JB_owner><state>??</state></job_list>" +
      '<job_list state="pending"><JB_job_number>10</JB_job_number><JB_name>y</JB_name>' +
      "<JB_owner>u</JB_owner><state>qw</state></job_list></job_info>",
  );
  await assert.rejects(
    new SgeDriver().status(new ScriptedTransport(() => ({ stdoutText: bad }))),
    (e: unknown) => e instanceof SchedulerOutputError && /<state> "\?\?"/.test(e.message),
  );
});

Deno.test("SgeDriver.status() throws SchedulerCommandError when qstat fails", async () => {
  const stderr =
    'error: commlib error: got select error (Connection refused)\nunable to contact qmaster using port 6444 on host "head"\n';
  const t = new ScriptedTransport(() => ({ code: 1, stderr }));
  await assert.rejects(new SgeDriver().status(t), (e: unknown) => {
    assert.ok(e instanceof SchedulerCommandError);
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /^Cannot list Grid Engine jobs: `qstat -xml/);
    return true;
  });
});

Deno.test("SgeDriver.cancel() runs one qdel with 1-based task ids, ignores ended jobs and refuses other forms", async () => {
  const t = new ScriptedTransport(() => ({
    code: 1,
    stdoutText:
      "root has deleted job 12\nroot has registered the job-array task 13.5 for deletion\n",
    stderr: 'denied: job "14" does not exist\n',
  }));
  const driver = new SgeDriver();
  await driver.cancel(t, ["12", "13_4", "14"]);
  await driver.cancel(t, []);
  assert.deepEqual(t.commands, ["qdel 12 13.5 14"]);
  await assert.rejects(driver.cancel(t, ["12", "13;reboot"]), RangeError);
  assert.equal(t.commands.length, 1);
  const denied = new ScriptedTransport(() => ({
    code: 1,
    stderr: 'denied: job "15" belongs to user "bob"\n',
  }));
  await assert.rejects(driver.cancel(denied, ["15"]), SchedulerCommandError);
});

Deno.test("SgeDriver.limits() reads qconf -sconf once per transport; 0 means no limit", async () => {
  const config = await fixture("sge/qconf_sconf.txt");
  const t = new ScriptedTransport(() => ({ stdoutText: config }));
  const driver = new SgeDriver();
  assert.deepEqual(await driver.limits(t), SGE_TEST_LIMITS);
  assert.deepEqual(await driver.limits(t), SGE_TEST_LIMITS);
  assert.deepEqual(t.commands, ["qconf -sconf"]);
  const open = new ScriptedTransport(() => ({
    stdoutText: "max_aj_tasks 75000\nmax_u_jobs 0\nmax_jobs 0\n",
  }));
  assert.deepEqual(await driver.limits(open), {
    maxArraySize: 75_000,
    maxJobCount: Number.MAX_SAFE_INTEGER,
  });
});

Deno.test("SgeDriver.limits() asks again after a failed read", async () => {
  let calls = 0;
  const t = new ScriptedTransport(() =>
    ++calls === 1
      ? { code: 1, stderr: "error: commlib error" }
      : { stdoutText: "max_aj_tasks 100\nmax_jobs 50\nmax_u_jobs 20\n" }
  );
  const driver = new SgeDriver();
  await assert.rejects(driver.limits(t), SchedulerCommandError);
  assert.deepEqual(await driver.limits(t), { maxArraySize: 100, maxJobCount: 20 });
});

Deno.test({
  name:
    "SgeDriver on real SGE: element i's output lands in log/i.out although SGE counts tasks from 1",
  ignore: sge.ignore,
  async fn(): Promise<void> {
    requireSge();
    const transport = new LocalTransport();
    const dir = await Deno.makeTempDir({ prefix: "drover-sge-logs-" });
    const driver = new SgeDriver();
    const name = `sge-logs-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await Deno.mkdir(`${dir}/log`);
      await Deno.writeTextFile(
        `${dir}/job.sh`,
        driver.render({
          name,
          array: { size: 3 },
          stdout: `${dir}/log/{index}.out`,
          stderr: `${dir}/log/{index}.err`,
          body: ['echo "out $DROVER_ARRAY_INDEX"', 'echo "err $DROVER_ARRAY_INDEX" >&2'],
        }),
      );
      const id = await driver.submit(transport, `${dir}/job.sh`);
      const until = Date.now() + 60_000;
      while ((await driver.status(transport)).has(name)) {
        if (Date.now() > until) throw new Error(`job ${id} did not end in 60 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const i of [0, 1, 2]) {
        assert.equal(await Deno.readTextFile(`${dir}/log/${i}.out`), `out ${i}\n`);
        assert.equal(await Deno.readTextFile(`${dir}/log/${i}.err`), `err ${i}\n`);
      }
      assert.equal(
        await Deno.stat(`${dir}/log/3.out`).then(() => true, () => false),
        false,
        "no 1-based log file",
      );
    } finally {
      await transport.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
