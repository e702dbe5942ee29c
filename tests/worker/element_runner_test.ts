import assert from "node:assert/strict";
import { decode, encode, sha256Hex } from "../../lib/codec/mod.ts";
import { openStore } from "../../lib/store/mod.ts";
import { step } from "../../lib/step/mod.ts";
import {
  bundleStepModule,
  type CallLogRecord,
  encodeCallLog,
  inlineResult,
  jobDirLayout,
  jobStoreDir,
  manifestPath,
  objectPath,
  outcomesByKey,
  parseCallLog,
  parseStartedMarker,
  startedMarkerPath,
} from "../../lib/runtime/mod.ts";
import { runJobElement } from "../../lib/worker/element_runner.ts";
import { writeProjectConfig } from "../_helpers/project.ts";
import { tempDir } from "../_helpers/temp.ts";
import { logRecords, putObject, type StagedJob, stageJob } from "./_job_fixture.ts";

const FIXTURE = new URL("../runtime/fixtures/job_workflow.ts", import.meta.url);

async function outcome(dir: string, key: string): Promise<CallLogRecord> {
  const record = outcomesByKey(await logRecords(dir)).get(key);
  assert.ok(record, `no outcome recorded for ${key}`);
  return record;
}

async function result(runDir: string, marker: CallLogRecord): Promise<unknown> {
  assert.ok(marker.ok, `expected an ok outcome, got ${JSON.stringify(marker)}`);
  const inline = inlineResult(marker);
  const bytes = inline ?? await Deno.readFile(objectPath(runDir, marker.result));
  assert.equal(bytes.length, marker.size);
  assert.equal(sha256Hex(bytes), marker.result);
  return decode(bytes);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("runJobElement() runs a bundled job's calls on a node and leaves the contract's files", async (t) => {
  await using tmp = await tempDir();
  const project = `${tmp.path}/project`;
  const runDir = `${tmp.path}/R`;
  const work = `${tmp.path}/work`;
  const logFile = `${tmp.path}/calls.log`;
  await Deno.mkdir(project);
  await Deno.mkdir(work);
  await writeProjectConfig(project);
  await Deno.copyFile(FIXTURE, `${project}/workflow.ts`);
  const bundle = await bundleStepModule(`${project}/workflow.ts`, { cacheDir: false });
  const bundleHash = await putObject(runDir, bundle.bytes);
  const bundleFile = objectPath(runDir, bundleHash);

  const runElement = async (job: StagedJob, index: number) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-config", "--no-lock", bundleFile],
      cwd: work,
      env: {
        NO_COLOR: "1",
        DROVER_RUNDIR: runDir,
        DROVER_JOB_DIR: job.dir,
        DROVER_ARRAY_INDEX: String(index),
        DROVER_REMOTE_INFO: '{"job-inner": {"system": "elsewhere"}}',
        JOB_TEST_LOG: logFile,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  };
  const logLines = async (): Promise<string[]> =>
    (await Deno.readTextFile(logFile).catch(() => "")).split("\n").filter(Boolean);

  const squares = await stageJob(runDir, "squares", {
    step: "job-square",
    bundle: bundleHash,
    elements: [[{ x: 2 }, { x: 3 }], [{ x: 4 }]],
  });

  await t.step(
    "runJobElement() runs each element's calls in order and writes results and markers",
    async () => {
      const before = Date.now();
      const first = await runElement(squares, 0);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, "user output 2\nuser output 3\n");
      const second = await runElement(squares, 1);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(await logLines(), ["job-square 2", "job-square 3", "job-square 4"]);
      for (const [i, x] of [[0, 2], [0, 3], [1, 4]]) {
        const key = squares.keys[i][x === 3 ? 1 : 0];
        const marker = await outcome(squares.dir, key);
        assert.deepEqual(await result(runDir, marker), {
          x,
          squared: x * x,
          at: new Float64Array([x]),
          remoteInfo: null,
        });
        assert.ok(marker.startedAt >= before && marker.endedAt >= marker.startedAt);
      }
      const file = startedMarkerPath(squares.dir, 1);
      const started = parseStartedMarker(await Deno.readTextFile(file), file);
      assert.equal(started.host, Deno.hostname());
      assert.ok(started.pid > 0 && started.pid !== Deno.pid);
      assert.ok(started.at >= before);
    },
  );

  await t.step(
    "runJobElement() does not run the module's import.meta.main block in a job",
    async () => {
      assert.ok(!(await logLines()).includes("main block ran"));
    },
  );

  await t.step("runJobElement() skips calls already done when an element runs again", async () => {
    // Element 0's log keeps its first call and a torn line (a killed element's last slice).
    const file = jobDirLayout(squares.dir).callLog(0);
    const records = parseCallLog(await Deno.readFile(file)).records;
    const torn = encodeCallLog(records.slice(1)).slice(0, 40);
    await Deno.writeFile(file, new Uint8Array([...encodeCallLog(records.slice(0, 1)), ...torn]));
    const again = await runElement(squares, 0);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, "user output 3\n");
    assert.deepEqual((await logLines()).slice(3), ["job-square 3"]);
    assert.equal((await outcome(squares.dir, squares.keys[0][1])).ok, true);
    const log = parseCallLog(await Deno.readFile(file));
    assert.equal(log.torn, false);
    assert.deepEqual(log.records.map((r) => r.key), squares.keys[0]);
  });

  await t.step(
    "runJobElement() records an exception in user code as an outcome and exits 0",
    async () => {
      const job = await stageJob(runDir, "boom", {
        step: "job-boom",
        bundle: bundleHash,
        elements: [[{ why: "fmax too small" }]],
      });
      const run = await runElement(job, 0);
      assert.equal(run.code, 0, run.stderr);
      const marker = await outcome(job.dir, job.keys[0][0]);
      assert.ok(!marker.ok);
      assert.equal(marker.error.name, "RangeError");
      assert.equal(marker.error.message, "fmax too small");
      assert.deepEqual(marker.error.data, { atom: 7 });
      assert.match(marker.error.stack ?? "", /RangeError: fmax too small/);
    },
  );

  await t.step(
    "runJobElement() records a result that cannot be encoded as an error outcome",
    async () => {
      const job = await stageJob(runDir, "unstorable", {
        step: "job-unstorable",
        bundle: bundleHash,
        elements: [[{ n: 1 }]],
      });
      const run = await runElement(job, 0);
      assert.equal(run.code, 0, run.stderr);
      const marker = await outcome(job.dir, job.keys[0][0]);
      assert.ok(!marker.ok);
      assert.match(marker.error.message, /^Cannot store the result of step "job-unstorable": /);
    },
  );

  await t.step("runJobElement() runs nested step calls here, cached in R/store", async () => {
    const first = await stageJob(runDir, "outer-1", {
      step: "job-outer",
      bundle: bundleHash,
      elements: [[{ x: 1 }]],
    });
    const second = await stageJob(runDir, "outer-2", {
      step: "job-outer",
      bundle: bundleHash,
      elements: [[{ x: 1 }]],
    });
    for (const job of [first, second]) {
      const run = await runElement(job, 0);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await result(runDir, await outcome(job.dir, job.keys[0][0])), 20);
    }
    const lines = await logLines();
    assert.equal(lines.filter((l) => l === "job-outer 1").length, 2);
    assert.equal(lines.filter((l) => l === "job-inner 1").length, 1);
    using store = openStore({ dir: jobStoreDir(runDir) });
    const calls = store.listCalls({ step: "job-inner" });
    assert.deepEqual(calls.map((c) => [c.state, c.location]), [["done", "local"]]);
    assert.deepEqual(store.runs.list(), []);
  });

  await t.step(
    "runJobElement() writes StepNotFoundError outcomes and exits 3 when the bundle lacks the step",
    async () => {
      const job = await stageJob(runDir, "missing", {
        step: "job-nowhere",
        bundle: bundleHash,
        elements: [[{ x: 1 }, { x: 2 }]],
      });
      const run = await runElement(job, 0);
      assert.equal(run.code, 3);
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        /drover job: StepNotFoundError: Cannot run step "job-nowhere": the job.s bundle does not define it \(it defines job-boom, job-inner, job-outer, job-square, job-unstorable\)/,
      );
      for (const key of job.keys[0]) {
        const marker = await outcome(job.dir, key);
        assert.ok(!marker.ok);
        assert.equal(marker.error.name, "StepNotFoundError");
      }
    },
  );
});

// In-process: the runner with steps registered by this module, an injected clock and env.

let doubled = 0;
step("jm-double", ({ x }: { x: number }) => {
  doubled++;
  return 2 * x;
});

async function inProcessJob(
  elements: readonly (readonly object[])[],
  stepName = "jm-double",
  packed = true,
): Promise<{ runDir: string; job: StagedJob } & AsyncDisposable> {
  const tmp = await tempDir();
  const runDir = `${tmp.path}/R`;
  const job = await stageJob(runDir, "j", {
    step: stepName,
    bundle: "0".repeat(64),
    elements,
    packed,
  });
  return { runDir, job, [Symbol.asyncDispose]: () => tmp[Symbol.asyncDispose]() };
}

function envOf(runDir: string, job: StagedJob, index: number): Record<string, string> {
  return { DROVER_RUNDIR: runDir, DROVER_JOB_DIR: job.dir, DROVER_ARRAY_INDEX: String(index) };
}

Deno.test("runJobElement() stamps markers with the injected clock and host", async () => {
  await using fx = await inProcessJob([[{ x: 5 }]]);
  let now = 1_000;
  const report = await runJobElement({
    env: envOf(fx.runDir, fx.job, 0),
    clock: { now: () => now++ },
    host: "node-7",
  });
  assert.deepEqual(report, {
    exitCode: 0,
    calls: [{ key: fx.job.keys[0][0], status: "done" }],
    problems: [],
  });
  const file = startedMarkerPath(fx.job.dir, 0);
  assert.deepEqual(parseStartedMarker(await Deno.readTextFile(file), file), {
    host: "node-7",
    pid: Deno.pid,
    at: 1_000,
  });
  const marker = await outcome(fx.job.dir, fx.job.keys[0][0]);
  assert.deepEqual({ ...marker, result: undefined }, {
    key: fx.job.keys[0][0],
    ok: true,
    result: undefined,
    inline: btoa(String.fromCharCode(...encode(10, { root: "result" }))),
    size: encode(10, { root: "result" }).length,
    startedAt: 1_001,
    endedAt: 1_002,
  });
  assert.equal(await result(fx.runDir, marker), 10);
});

Deno.test("runJobElement() opens no store for an element whose steps call no other steps", async () => {
  await using fx = await inProcessJob([[{ x: 1 }, { x: 2 }]]);
  const report = await runJobElement({ env: envOf(fx.runDir, fx.job, 0) });
  assert.equal(report.exitCode, 0);
  assert.equal(await exists(jobStoreDir(fx.runDir)), false);
  assert.equal(await result(fx.runDir, await outcome(fx.job.dir, fx.job.keys[0][1])), 4);
});

step("jm-big", ({ n }: { n: number }) => {
  doubled++;
  return "x".repeat(n);
});

Deno.test("runJobElement() keeps small results inline and reruns a call whose large result object is missing", async () => {
  await using fx = await inProcessJob([[{ n: 10 }, { n: 100_000 }]], "jm-big");
  const env = envOf(fx.runDir, fx.job, 0);
  await runJobElement({ env });
  const [small, large] = await Promise.all(fx.job.keys[0].map((k) => outcome(fx.job.dir, k)));
  assert.ok(small.ok && small.inline !== undefined);
  assert.ok(large.ok && large.inline === undefined);
  const skipped = await runJobElement({ env });
  assert.deepEqual(skipped.calls.map((c) => c.status), ["skipped", "skipped"]);
  await Deno.remove(objectPath(fx.runDir, small.result));
  await Deno.remove(objectPath(fx.runDir, large.result));
  const before = doubled;
  const rerun = await runJobElement({ env });
  assert.deepEqual(rerun.calls.map((c) => c.status), ["skipped", "done"]);
  assert.equal(doubled, before + 1);
  assert.equal(
    await result(fx.runDir, await outcome(fx.job.dir, fx.job.keys[0][1])),
    "x".repeat(100_000),
  );
});

Deno.test("runJobElement() leaves a call without outcome and exits 3 when its inputs object is missing", async () => {
  await using fx = await inProcessJob([[{ x: 1 }, { x: 2 }]], "jm-double", false);
  const manifestFile = manifestPath(fx.job.dir);
  const manifest = JSON.parse(await Deno.readTextFile(manifestFile));
  await Deno.remove(objectPath(fx.runDir, manifest.elements[0][0].inputs));
  const report = await runJobElement({ env: envOf(fx.runDir, fx.job, 0) });
  assert.equal(report.exitCode, 3);
  assert.deepEqual(report.calls.map((c) => c.status), ["not-run", "done"]);
  assert.match(report.problems[0], new RegExp(`^Cannot run call ${fx.job.keys[0][0]}: `));
  assert.equal(outcomesByKey(await logRecords(fx.job.dir)).has(fx.job.keys[0][0]), false);
});

Deno.test("runJobElement() writes error outcomes and exits 3 when the module cannot be loaded", async () => {
  await using fx = await inProcessJob([[{ x: 1 }]]);
  const report = await runJobElement({
    env: envOf(fx.runDir, fx.job, 0),
    load: () => Promise.reject(new SyntaxError("Unexpected token")),
  });
  assert.equal(report.exitCode, 3);
  assert.deepEqual(report.calls.map((c) => c.status), ["failed"]);
  const marker = await outcome(fx.job.dir, fx.job.keys[0][0]);
  assert.ok(!marker.ok);
  assert.equal(marker.error.name, "SyntaxError");
  assert.equal(
    marker.error.message,
    'Cannot load the module of step "jm-double" in the job: Unexpected token',
  );
});

Deno.test("runJobElement() fails without outcomes when the manifest is not valid", async () => {
  await using fx = await inProcessJob([[{ x: 1 }]]);
  const file = manifestPath(fx.job.dir);
  await Deno.writeTextFile(file, JSON.stringify({ format: 1, step: "jm-double", elements: [] }));
  const report = await runJobElement({ env: envOf(fx.runDir, fx.job, 0) });
  assert.equal(report.exitCode, 3);
  assert.deepEqual(report.calls, []);
  assert.deepEqual(report.problems, [
    `Cannot run element 0 of job "${fx.job.dir}": Cannot read job file "${file}": bundle is ` +
    "required: a sha256 hex digest",
  ]);
  assert.ok(await exists(startedMarkerPath(fx.job.dir, 0)));
});

Deno.test("runJobElement() fails when the index is beyond the manifest's elements", async () => {
  await using fx = await inProcessJob([[{ x: 1 }]]);
  const report = await runJobElement({ env: envOf(fx.runDir, fx.job, 1) });
  assert.equal(report.exitCode, 3);
  assert.deepEqual(report.problems, [
    `Cannot run element 1 of job "${fx.job.dir}": the manifest has 1 element`,
  ]);
});

Deno.test("runJobElement() fails before writing anything when the environment is incomplete", async () => {
  const missing = await runJobElement({ env: {} });
  assert.equal(missing.exitCode, 3);
  assert.deepEqual(missing.problems, [
    "Cannot start the job element: DROVER_RUNDIR is required: an absolute path",
  ]);
  const bad = await runJobElement({
    env: { DROVER_RUNDIR: "/r", DROVER_JOB_DIR: "/r/jobs/j", DROVER_ARRAY_INDEX: "-1" },
  });
  assert.deepEqual(bad.problems, [
    'Cannot start the job element: DROVER_ARRAY_INDEX must be a whole number, 0 or more (got "-1")',
  ]);
});
