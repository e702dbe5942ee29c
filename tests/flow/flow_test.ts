import assert from "node:assert/strict";
import { step } from "../../mod.ts";
import {
  concurrently,
  first,
  flow,
  FlowWiringError,
  MapSpecError,
  mapStep,
  stepNode,
} from "../../lib/flow/mod.ts";

const makeGeometry = step(
  "ft-geometry",
  ({ x, y }: { x: number; y: number }) => ({ x, y }),
  { returns: "geo" },
);
const makeMesh = step(
  "ft-mesh",
  ({ geo, mesh_size = 0.1 }: { geo: unknown; mesh_size?: number }) => ({ geo, mesh_size }),
  { returns: "mesh" },
);
const modifiedMakeMesh = step(
  "ft-mesh2",
  ({ geo, mesh_size = 0.2 }: { geo: unknown; mesh_size?: number }) => ({ geo, mesh_size }),
  { returns: "mesh" },
);
const makeMaterials = step("ft-materials", ({ geo }: { geo: unknown }) => geo, {
  returns: "materials",
});
const solve = step(
  "ft-solve",
  ({ mesh, materials, V_left, V_right }: {
    mesh: unknown;
    materials: unknown;
    V_left: number;
    V_right: number;
  }) => ({ mesh, materials, V_left, V_right }),
  { returns: "electrostatics" },
);
const getCharge = step(
  "ft-charge",
  ({ electrostatics }: { electrostatics: unknown }) => electrostatics === null ? 0 : 1,
  {
    returns: "charge",
  },
);
const average = step(
  "ft-average",
  ({ charge }: { charge: { mean(): number } }) => charge.mean(),
  { returns: "average_charge" },
);
const splitter = step("ft-split", ({ v }: { v: number }) => [v, -v], { returns: ["lo", "hi"] });
const noParams = step("ft-rest", (all: { a: number }) => all.a);
const withInputs = step("ft-given", (all: { a: number }) => all.a, { inputs: ["a"] });

const modelFlow = flow("model_flow", makeGeometry, concurrently(makeMesh, makeMaterials));
const electrostaticsFlow = flow("electrostatics_flow")
  .pipe(mapStep(solve, "V_left[a], V_right[b] -> electrostatics[a, b]"))
  .pipe(mapStep(getCharge, "electrostatics[i, j] -> charge[i, j]", { maxRestarts: 5 }))
  .pipe(average);

Deno.test("flow() wires steps by name: parameters, allOutputs, returns", () => {
  const total = flow("total").join(modelFlow).join(electrostaticsFlow)
    .returning("electrostatics", { average_charge: "avg_electrostatic_charge" });
  assert.deepEqual(total.parameters, ["x", "y", "mesh_size", "V_left", "V_right"]);
  assert.deepEqual(total.requiredParameters, ["x", "y", "V_left", "V_right"]);
  assert.deepEqual(total.allOutputs, [
    "geo",
    "mesh",
    "materials",
    "electrostatics",
    "charge",
    "average_charge",
  ]);
  assert.deepEqual(total.returns, ["electrostatics", "avg_electrostatic_charge"]);
  assert.deepEqual(total.order.map((n) => n.name).slice(0, 3), [
    "ft-geometry",
    "ft-mesh",
    "ft-materials",
  ]);
  assert.deepEqual(flow("t", splitter).allOutputs, ["lo", "hi"]);
  assert.deepEqual(modelFlow.returns, modelFlow.allOutputs);
});

Deno.test("flow objects, nodes and groups have no then method", () => {
  const node = mapStep(getCharge, "electrostatics[i] -> charge[i]");
  for (const x of [modelFlow, node, concurrently(makeMesh), first(makeGeometry), makeGeometry]) {
    assert.equal("then" in x, false);
    assert.equal((x as { then?: unknown }).then, undefined);
  }
});

Deno.test("first(), rename(), replaceSteps() and withRestarts() return new flows", () => {
  const f = first(makeGeometry).pipe(makeMesh);
  assert.equal(f.name, "ft-geometry");
  assert.equal(f.rename("other").name, "other");
  assert.equal(f.name, "ft-geometry");
  const g = modelFlow.replaceSteps(new Map([[makeMesh, modifiedMakeMesh]]));
  assert.deepEqual(g.nodes.map((n) => n.name), ["ft-geometry", "ft-mesh2", "ft-materials"]);
  assert.deepEqual(modelFlow.nodes.map((n) => n.name)[1], "ft-mesh");
  const r = electrostaticsFlow.withRestarts({ "ft-charge": 2 });
  assert.equal(r.nodes[1].options.maxRestarts, 2);
  assert.equal(r.nodes[1].specText, "electrostatics[i, j] -> charge[i, j]");
  assert.equal(electrostaticsFlow.nodes[1].options.maxRestarts, 5);
});

Deno.test("a step's inputs come from its destructured parameter or its inputs option", () => {
  assert.deepEqual(stepNode(makeMesh).inputs, ["geo", "mesh_size"]);
  assert.deepEqual([...stepNode(makeMesh).optional], ["mesh_size"]);
  assert.deepEqual(stepNode(withInputs).inputs, ["a"]);
  assert.throws(
    () => flow("f", noParams),
    (e: Error) =>
      e instanceof FlowWiringError &&
      e.message.includes('step "ft-rest"') && e.message.includes("inputs cannot be told"),
  );
});

Deno.test("wiring errors name the steps and names", () => {
  const twice = step("ft-geo2", ({ x }: { x: number }) => x, { returns: "geo" });
  assert.throws(
    () => modelFlow.pipe(twice),
    (e: Error) =>
      e instanceof FlowWiringError &&
      e.message ===
        'Cannot build flow "model_flow": "geo" is produced by both step "ft-geometry" and step "ft-geo2"' &&
      e.steps.join() === "ft-geometry,ft-geo2" && e.names.join() === "geo",
  );
  const a = step("ft-cyc-a", ({ q }: { q: number }) => q, { returns: "p" });
  const b = step("ft-cyc-b", ({ p }: { p: number }) => p, { returns: "q" });
  assert.throws(
    () => flow("cyc", a, b),
    /Cannot build flow "cyc": steps "ft-cyc-a", "ft-cyc-b" form a cycle through "q", "p"/,
  );
  assert.throws(() => flow("dup", a, a), /step "ft-cyc-a" is in it twice/);
  assert.throws(
    () => modelFlow.returning("nothing"),
    /Cannot return "nothing" from flow "model_flow": no step produces it/,
  );
  assert.throws(
    () => modelFlow.replaceSteps(new Map([[solve, getCharge]])),
    /Cannot replace step "ft-solve" in flow "model_flow": it is not in the flow/,
  );
  assert.throws(() => modelFlow.withRestarts({ nope: 1 }), /step\(s\) "nope"/);
  assert.throws(
    () => mapStep(solve, "V_left[a], V_top[b] -> electrostatics[a, b]"),
    /names input\(s\) "V_top" that the step does not take/,
  );
  assert.throws(() => mapStep(solve, "V_left[a] -> field[a]"), /returns \[electrostatics\]/);
  assert.throws(() => mapStep(solve, "V_left[a] -> "), MapSpecError);
  assert.throws(
    () => mapStep(solve, "V_left[a] -> electrostatics[a]", { maxRestarts: -1 }),
    RangeError,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => mapStep(solve, "V_left[a] -> electrostatics[a]", { onError: "ignore" as any }),
    /onError must be "mask", "raise" or \{ maxFailed/,
  );
});

Deno.test("mapStep() passes the step's other inputs whole", () => {
  const node = mapStep(solve, "V_left[a], V_right[b] -> electrostatics[a, b]");
  assert.deepEqual(node.inputs, ["V_left", "V_right", "mesh", "materials"]);
  assert.deepEqual(node.outputs, ["electrostatics"]);
});
