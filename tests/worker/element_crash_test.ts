// kill -9 of a job element in the middle of a slice of calls, then the element run again.
import assert from "node:assert/strict";
import { decode, sha256Hex } from "../../lib/codec/mod.ts";
import {
  type CallLogRecord,
  encodeCallLog,
  inlineResult,
  jobDirLayout,
  objectPath,
  parseCallLog,
} from "../../lib/runtime/mod.ts";
import { tempDir } from "../_helpers/temp.ts";
import { stageJob } from "./_job_fixture.ts";

const ELEMENT = new URL("./fixtures/crash_element.ts", import.meta.url).pathname;

/** Starts the element's process; resolves once it printed `hanging` (or ended). */
function startElement(env: Record<string, string>): {
  child: Deno.ChildProcess;
  hanging: Promise<boolean>;
} {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", ELEMENT],
    env,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const hanging = (async () => {
    let seen = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      seen += chunk;
      if (seen.includes("hanging\n")) return true;
    }
    return false;
  })();
  return { child, hanging };
}

/** The result of an ok record, from the log (inline) or its object; asserts it is intact. */
async function resultOf(runDir: string, record: CallLogRecord): Promise<unknown> {
  assert.ok(record.ok);
  const bytes = inlineResult(record) ?? await Deno.readFile(objectPath(runDir, record.result));
  assert.equal(bytes.length, record.size);
  assert.equal(sha256Hex(bytes), record.result);
  return decode(bytes);
}

Deno.test("runJobElement() killed with SIGKILL mid-slice keeps what it recorded; a node crash loses only the unsynced slice, which runs again", async () => {
  await using tmp = await tempDir();
  const runDir = `${tmp.path}/R`;
  const job = await stageJob(runDir, "crash", {
    step: "crash-count",
    bundle: "0".repeat(64),
    elements: [[0, 1, 2, 3, 4, 5].map((x) => ({ x }))],
  });
  const executions = `${tmp.path}/executions`;
  const env = {
    DROVER_RUNDIR: runDir,
    DROVER_JOB_DIR: job.dir,
    DROVER_ARRAY_INDEX: "0",
    // Slices of two calls, never committed by time.
    DROVER_SLICE_CALLS: "2",
    DROVER_SLICE_MS: "3600000",
    JOB_TEST_LOG: executions,
    HANG_AT: "3",
    HANG_FLAG: `${tmp.path}/hung`,
    NO_COLOR: "1",
  };
  const logFile = jobDirLayout(job.dir).callLog(0);
  const runs = async () => (await Deno.readTextFile(executions)).split("\n").filter(Boolean);

  // First run: calls 0 and 1 are committed (synced), 2 is written in the slice that 3
  // hangs in; kill -9.
  const first = startElement(env);
  assert.equal(await first.hanging, true, "the element never reached call 3");
  first.child.kill("SIGKILL");
  const killed = await first.child.status;
  assert.equal(killed.signal, "SIGKILL");
  assert.deepEqual(await runs(), ["0", "1", "2", "3"]);
  const afterKill = parseCallLog(await Deno.readFile(logFile));
  // A killed process loses nothing it wrote: 2 is there (the page cache has it).
  assert.deepEqual(afterKill.records.map((r) => r.key), job.keys[0].slice(0, 3));
  // Nothing is recorded done without its result in place (x = 1's is a synced object).
  assert.deepEqual(
    await Promise.all(afterKill.records.map((r) => resultOf(runDir, r))),
    [0, "y".repeat(100_000), 4],
  );

  // The node crashes too: what was not synced (call 2's record) is lost, torn.
  const whole = await Deno.readFile(logFile);
  const synced = encodeCallLog(afterKill.records.slice(0, 2)).length;
  await Deno.writeFile(logFile, whole.subarray(0, synced + 30));

  // The rerun skips the committed calls and runs the lost slice again, then the rest.
  const second = startElement(env);
  assert.equal(await second.hanging, false);
  assert.equal((await second.child.status).code, 0);
  assert.deepEqual(await runs(), ["0", "1", "2", "3", "2", "3", "4", "5"]);
  const log = parseCallLog(await Deno.readFile(logFile));
  assert.equal(log.torn, false);
  // Every call done exactly once in the final log, in order, each with its result.
  assert.deepEqual(log.records.map((r) => r.key), job.keys[0]);
  assert.ok(log.records.every((r) => r.ok));
  assert.deepEqual(
    await Promise.all(log.records.map((r) => resultOf(runDir, r))),
    [0, "y".repeat(100_000), 4, 9, 16, 25],
  );
});

Deno.test("runJobElement() killed while appending a slice leaves a torn tail that the rerun cuts off", async () => {
  await using tmp = await tempDir();
  const runDir = `${tmp.path}/R`;
  const job = await stageJob(runDir, "torn", {
    step: "crash-count",
    bundle: "0".repeat(64),
    elements: [[0, 2, 3].map((x) => ({ x }))],
  });
  const executions = `${tmp.path}/executions`;
  const env = {
    DROVER_RUNDIR: runDir,
    DROVER_JOB_DIR: job.dir,
    DROVER_ARRAY_INDEX: "0",
    JOB_TEST_LOG: executions,
    HANG_AT: "-1",
    HANG_FLAG: `${tmp.path}/hung`,
    NO_COLOR: "1",
  };
  const run = startElement(env);
  assert.equal(await run.hanging, false);
  assert.equal((await run.child.status).code, 0);
  // A write cut short: the whole log but the last 25 bytes of its last line.
  const logFile = jobDirLayout(job.dir).callLog(0);
  const whole = await Deno.readFile(logFile);
  const lastLine = whole.lastIndexOf(0x0a, whole.length - 2) + 1;
  await Deno.writeFile(logFile, whole.subarray(0, whole.length - 25));
  const torn = parseCallLog(await Deno.readFile(logFile));
  assert.equal(torn.torn, true);
  assert.equal(torn.intactBytes, lastLine);

  const again = startElement(env);
  assert.equal(await again.hanging, false);
  assert.equal((await again.child.status).code, 0);
  assert.deepEqual((await Deno.readTextFile(executions)).split("\n").filter(Boolean), [
    "0",
    "2",
    "3",
    "3",
  ]);
  const log = parseCallLog(await Deno.readFile(logFile));
  assert.equal(log.torn, false);
  assert.deepEqual(log.records.map((r) => r.key), job.keys[0]);
  assert.deepEqual(await Promise.all(log.records.map((r) => resultOf(runDir, r))), [0, 4, 9]);
});
