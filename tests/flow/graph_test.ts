import assert from "node:assert/strict";
import {
  flow,
  flowGraph,
  inputSamples,
  ManualClock,
  mapStep,
  openSession,
  report,
  step,
} from "../../mod.ts";
import { total } from "../../examples/flows_electrostatics.ts";
import { goldenAssert } from "../_helpers/golden.ts";
import { tempDir } from "../_helpers/temp.ts";

const assertGolden = goldenAssert(new URL("./golden/", import.meta.url), {
  rerun: "deno test -A tests/flow/graph_test.ts",
});

const solve = step("gt-solve", ({ v }: { v: number }) => {
  if (v < 0) throw new RangeError("negative");
  return v * 2;
}, { returns: "field" });
const charge = step("gt-charge", ({ field }: { field: number }) => field + 1, {
  returns: "charge",
});
const broken = step("gt-broken", ({ charge }: { charge: unknown }) => {
  throw new Error(`cannot sum ${typeof charge}`);
}, { returns: "total" });
const after = step("gt-after", ({ total }: { total: number }) => total, { returns: "report" });
const failing = flow("failing")
  .pipe(mapStep(solve, "v[i] -> field[i]"))
  .pipe(mapStep(charge, "field[i] -> charge[i]"))
  .pipe(broken, after);

Deno.test("flowGraph() draws the electrostatics flow as DOT and Mermaid (golden)", async () => {
  await assertGolden("electrostatics.dot", flowGraph(total, { format: "dot" }));
  await assertGolden("electrostatics.mmd", flowGraph(total, { format: "mermaid" }));
});

Deno.test("report.graph() colours partial, failed and skipped steps of a run (golden)", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const run = await failing.run({ v: [1, -1, 2] }, { session });
  assert.deepEqual(
    Object.values(run.steps).map((s) => s.state),
    ["partial", "partial", "failed", "skipped"],
  );
  const dot = report.graph(run, { format: "dot" });
  assert.match(
    dot,
    /"s:gt-broken" \[label="gt-broken\\nfailed", shape=box, style="filled", fillcolor="#f8cecc"/,
  );
  await assertGolden("failing_run.dot", dot);
  await assertGolden("failing_run.mmd", report.graph(run, { format: "mermaid" }));
  const rows = inputSamples(run, "charge").map((r) => ({
    ...r,
    // A masked value is undefined: null in JSON.
    value: r.value ?? null,
  }));
  await assertGolden("failing_samples.json", JSON.stringify(rows, null, 2) + "\n");
});

Deno.test("report.log() and report.progress() tell what happened to each step and element", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const run = await failing.run({ v: [1, -1, 2] }, { session, clock: new ManualClock(1000) });
  const lines = report.log(run).map((l) =>
    l.replace(/\(drover calls show [0-9a-f]{12}\)/, "(KEY)")
  );
  assert.deepEqual(lines, [
    "+0 ms  step gt-solve started (3 calls)",
    "+0 ms  step gt-solve element [1] failed: negative (KEY)",
    "+0 ms  step gt-solve ended: partial",
    "+0 ms  step gt-charge started (2 calls)",
    "+0 ms  step gt-charge ended: partial",
    "+0 ms  step gt-broken started (1 call)",
    "+0 ms  step gt-broken failed: cannot sum object (KEY)",
    "+0 ms  step gt-broken ended: failed",
    "+0 ms  step gt-after skipped: total missing",
  ]);
  assert.deepEqual(
    report.progress(run).map((r) => [r.step, r.state, r.ok, r.failed, r.skipped, r.total]),
    [
      ["gt-solve", "partial", 2, 1, 0, 3],
      ["gt-charge", "partial", 2, 0, 1, 3],
      ["gt-broken", "failed", 0, 1, 0, 1],
      ["gt-after", "skipped", 0, 0, 1, 1],
    ],
  );
});
