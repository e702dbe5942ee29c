/**
 * Flow runs in the store: round-trip of a recorded run, reports by id, and the `drover
 * flows` commands run in this process (samples golden, restart --set, retry --failed).
 */
import assert from "node:assert/strict";
import { main } from "../../lib/cli/mod.ts";
import { FlowArray, inputSamples, loadFlowRun, progressRows, report } from "../../lib/flow/mod.ts";
import { openSession } from "../../lib/step/mod.ts";
import { openStore } from "../../lib/store/mod.ts";
import { goldenAssert } from "../_helpers/golden.ts";
import { tempDir } from "../_helpers/temp.ts";
import { countedFlow } from "./fixtures/counted_flow.ts";

const FIXTURE = new URL("./fixtures/counted_flow.ts", import.meta.url).pathname;
const assertGolden = goldenAssert(new URL("./golden/", import.meta.url), {
  rerun: "deno test -A tests/flow/flow_store_test.ts",
});

async function cli(
  args: string[],
  cwd: string,
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, {
    stdout: (t) => out += t,
    stderr: (t) => err += t,
    cwd,
    env: { NO_COLOR: "1" },
    now: () => Date.now(),
  });
  return { code, out, err };
}

function counts(file: string): Map<string, number> {
  const m = new Map<string, number>();
  let text = "";
  try {
    text = Deno.readTextFileSync(file);
  } catch {
    // no call finished yet
  }
  for (const line of text.split("\n").filter(Boolean)) m.set(line, (m.get(line) ?? 0) + 1);
  return m;
}

Deno.test("flow.run() records the run, its steps, elements and log, and loadFlowRun() reads them back", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  Deno.env.set("FLOW_FAIL_FILE", `${dir.path}/fail`);
  await Deno.writeTextFile(`${dir.path}/fail`, "");
  try {
    const run = await countedFlow.run({ n: 4, fail_on: 2 }, { session });
    assert.equal(typeof run.id, "number");
    const rec = session.store.flowRuns.get(run.id!)!;
    assert.equal(rec.state, "partial");
    assert.equal(rec.flow, "counted");
    assert.deepEqual(rec.counts, { ok: 5, failed: 1, skipped: 0, total: 6 });
    const steps = session.store.flowRuns.steps(run.id!);
    assert.deepEqual(steps.map((s) => [s.step, s.state, s.counts.total]), [
      ["fs-fixture.grid", "succeeded", 1],
      ["fs-fixture.work", "partial", 4],
      ["fs-fixture.total", "succeeded", 1],
    ]);
    const els = session.store.flowRuns.elements(run.id!, "fs-fixture.work");
    assert.deepEqual(els.map((e) => e.state), ["ok", "ok", "failed", "ok"]);
    assert.ok(els[0].valueRef && els[0].key, "an ok element has its call key and value object");
    assert.equal(els[2].valueRef, null);
    assert.match((els[2].error as { error: { message: string } }).error.message, /element 2 fails/);

    const view = loadFlowRun(session.store, run.id!);
    const ys = view.data.get("ys");
    assert.ok(ys?.state === "ok" && ys.value instanceof FlowArray);
    assert.deepEqual(ys.value.values, [{ label: "x0", y: 0 }, { label: "x1", y: 10 }, undefined, {
      label: "x3",
      y: 30,
    }]);
    assert.equal(view.data.get("total")?.value, 40);
    // Reports by id read the store and agree with the in-memory run.
    const strip = (rows: ReturnType<typeof progressRows>) => rows.map((r) => ({ ...r, ms: 0 }));
    assert.deepEqual(
      strip(progressRows(run.id!, { store: session.store })),
      strip(progressRows(run)),
    );
    const text = (lines: string[]) => lines.map((l) => l.replace(/^\+\d+ ms {2}/, ""));
    assert.deepEqual(text(report.log(run.id!, { store: session.store })), text(report.log(run)));
    assert.equal(
      report.graph(run.id!, { store: session.store, format: "mermaid" }),
      report.graph(run, { format: "mermaid" }),
    );
    assert.deepEqual(
      inputSamples(run.id!, "ys", { store: session.store }),
      inputSamples(run, "ys"),
    );
  } finally {
    Deno.env.delete("FLOW_FAIL_FILE");
  }
});

Deno.test("FlowRunStore.start() refuses a run that is running or succeeded, and resumes an interrupted one", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const id = store.flowRuns.create({
    flow: "f",
    inputsRef: "00",
    origin: "run",
    cwd: dir.path,
    steps: [{ step: "a", spec: "x[i] -> y[i]", inputs: ["x"], outputs: ["y"] }],
  });
  assert.equal(store.flowRuns.start(id, { pid: 999_999_999 }), true);
  assert.equal(store.flowRuns.start(id), false, "running");
  // Its process is gone: listing marks it interrupted; then it can start again.
  assert.equal(store.flowRuns.list()[0].state, "interrupted");
  assert.equal(store.flowRuns.start(id), true);
  assert.equal(store.flowRuns.finish(id, "succeeded"), true);
  assert.equal(store.flowRuns.start(id), false, "succeeded is final");
  assert.equal(store.flowRuns.finish(id, "failed"), false);
});

Deno.test("drover flows samples/restart/retry: csv golden, restart --set reuses cached calls, retry --failed reruns only failed elements", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/.drover`);
  const countFile = `${dir.path}/count`;
  const failFile = `${dir.path}/fail`;
  await Deno.writeTextFile(`${dir.path}/inputs.yaml`, "n: 4\nfail_on: 1\n");
  await Deno.writeTextFile(failFile, "");
  Deno.env.set("FLOW_COUNT_FILE", countFile);
  Deno.env.set("FLOW_FAIL_FILE", failFile);
  try {
    const first = await cli(
      ["flows", "run", `${FIXTURE}#countedFlow`, "--inputs", "inputs.yaml"],
      dir.path,
    );
    assert.equal(first.code, 1, "an element failed: exit 1");
    assert.match(first.err, /Cannot complete flow run 1: it ended partial/);
    assert.match(first.out, /fs-fixture\.work\s+partial\s+3\s+1\s+0\s+4/);
    const allowed = await cli(["flows", "retry", "1", "--allow-failed"], dir.path);
    assert.equal(allowed.code, 2, "retry without --failed is a usage error");

    const csv = await cli(["flows", "samples", "1", "ys", "--format", "csv"], dir.path);
    assert.equal(csv.code, 0, csv.err);
    await assertGolden("counted_samples.csv", csv.out);
    const ls = await cli(["flows", "ls", "--json"], dir.path);
    assert.equal(JSON.parse(ls.out)[0].state, "partial");

    // restart with n = 6: the 3 finished elements and nothing else are reused.
    const before = counts(countFile);
    assert.deepEqual(before.get("work 0"), 1);
    assert.equal(before.get("work 1"), undefined);
    const restart = await cli(
      ["flows", "restart", "1", "--set", "n=6", "--allow-failed"],
      dir.path,
    );
    assert.equal(restart.code, 0, restart.err);
    const afterRestart = counts(countFile);
    for (const k of ["work 0", "work 2", "work 3"]) assert.equal(afterRestart.get(k), 1, k);
    for (const k of ["work 4", "work 5"]) assert.equal(afterRestart.get(k), 1, k);
    assert.equal(afterRestart.get("work 1"), undefined, "still failing, never counted");
    const restarted = JSON.parse((await cli(["flows", "ls", "--json"], dir.path)).out)[0];
    assert.deepEqual([restarted.id, restarted.origin, restarted.parent], [2, "restart", 1]);

    // retry --failed once the cause is gone: only element 1 runs again.
    await Deno.remove(failFile);
    const retry = await cli(["flows", "retry", "1", "--failed"], dir.path);
    assert.equal(retry.code, 0, retry.err);
    const afterRetry = counts(countFile);
    assert.equal(afterRetry.get("work 1"), 1);
    for (const k of ["work 0", "work 2", "work 3"]) assert.equal(afterRetry.get(k), 1, k);
    assert.equal(afterRetry.get("grid"), 2, "grid ran for n=4 and n=6 only");
    const progress = JSON.parse((await cli(["flows", "progress", "3", "--json"], dir.path)).out);
    assert.equal(progress.run.state, "succeeded");
    assert.deepEqual(progress.steps.map((s: { ok: number }) => s.ok), [1, 4, 1]);
  } finally {
    Deno.env.delete("FLOW_COUNT_FILE");
    Deno.env.delete("FLOW_FAIL_FILE");
  }
});

Deno.test("drover flows graph/log/progress: usage and domain errors", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/.drover`);
  const missing = await cli(["flows", "progress", "7"], dir.path);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /Cannot show flow run 7: no flow run has this id/);
  const png = await cli(["flows", "graph", "7", "--format", "png"], dir.path);
  assert.equal(png.code, 2);
  assert.match(png.err, /pass -o FILE/);
  const badFormat = await cli(["flows", "graph", "7", "--format", "gif"], dir.path);
  assert.equal(badFormat.code, 2);
  const badTarget = await cli(["flows", "run", `${FIXTURE}#nope`], dir.path);
  assert.equal(badTarget.code, 1);
  assert.match(badTarget.err, /no exported flow "nope" \(flows: countedFlow\)/);
});

Deno.test("drover flows restart --set mesh_error=false (the tutorial's get_builder_restart) reruns only what the change reaches", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/.drover`);
  const { BASE } = await import("../../examples/flows_failures.ts");
  await Deno.writeTextFile(
    `${dir.path}/inputs.json`,
    JSON.stringify({ ...BASE, mesh_error: true }),
  );
  const example = new URL("../../examples/flows_failures.ts", import.meta.url).pathname;
  const first = await cli(
    ["flows", "run", `${example}#failuresFlow`, "--inputs", "inputs.json", "--allow-failed"],
    dir.path,
  );
  assert.equal(first.code, 0, first.err);
  const restart = await cli(["flows", "restart", "1", "--set", "mesh_error=false"], dir.path);
  assert.equal(restart.code, 0, restart.err);
  using store = openStore({ dir: `${dir.path}/.drover` });
  const [one, two] = [1, 2].map((id) => store.flowRuns.steps(id));
  assert.deepEqual(one.map((s) => s.state), [
    "succeeded",
    "failed",
    "succeeded",
    "skipped",
    "skipped",
    "skipped",
  ]);
  assert.deepEqual(two.map((s) => s.state), Array(6).fill("succeeded"));
  assert.deepEqual(two[3].counts, { ok: 200, failed: 0, skipped: 0, total: 200 });
  // The script run of the restart executed no geometry or materials call: they came from the cache.
  const restartRun = store.runs.list()[0];
  const ran = new Set(store.listCalls({ runId: restartRun.id }).map((c) => c.step));
  assert.equal(ran.has("flows_electrostatics.make_geometry"), false);
  assert.equal(ran.has("flows_electrostatics.make_materials"), false);
  assert.equal(ran.has("flows_failures.make_mesh"), true);
  const key = (id: number, step: string) => store.flowRuns.elements(id, step)[0].key;
  assert.equal(
    key(1, "flows_electrostatics.make_geometry"),
    key(2, "flows_electrostatics.make_geometry"),
  );
});

Deno.test("loadFlowRun() logs the jobs of a step still running as they are submitted, and once when it has ended", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const id = store.flowRuns.create({
    flow: "f",
    inputsRef: "00",
    origin: "run",
    cwd: dir.path,
    steps: [{ step: "solve", spec: "x[i] -> y[i]", inputs: ["x"], outputs: ["y"] }],
  });
  store.flowRuns.start(id);
  store.flowRuns.stepStarted(id, "solve", 3, 1_000);
  const jobs = () =>
    loadFlowRun(store, id).log.filter((e) => e.event.type === "flow-job-submitted")
      .map((e) => [e.at, e.event]);
  assert.deepEqual(jobs(), []);
  const enqueue = (name: string, step: string, createdAt: number) =>
    store.ledger.enqueueJob(
      {
        name,
        system: "hpc",
        step,
        size: 3,
        attempt: 1,
        spec: {},
        dir: `/r/${name}`,
        runId: null,
        createdAt,
      },
      [{ key: `${name}-k`, element: 0, inputsRef: "i" }],
      { owner: "o:1:a", now: createdAt, leaseMs: 1000 },
    );
  enqueue("before", "solve", 500); // an earlier run's
  enqueue("other", "plot", 1_200); // another step's
  enqueue("j1", "solve", 1_100);
  assert.deepEqual(jobs(), [[1_100, {
    type: "flow-job-submitted",
    step: "solve",
    job: "j1",
    system: "hpc",
    schedulerId: null,
    elements: 3,
    attempt: 1,
  }]]);
  // Once the step has ended, the recorder's own lines are the log (none here: no elements).
  store.flowRuns.stepEnded(id, {
    step: "solve",
    state: "succeeded",
    counts: { ok: 3, failed: 0, skipped: 0 },
    restarts: 0,
    missing: [],
    plan: null,
    startedAt: 1_000,
    endedAt: 2_000,
    elements: [],
  });
  assert.deepEqual(jobs(), []);
});
