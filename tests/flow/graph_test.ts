import assert from "node:assert/strict";
import { flow, flowGraph, mapStep, openSession, report, step } from "../../mod.ts";
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
});
