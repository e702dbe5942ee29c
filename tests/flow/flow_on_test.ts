import assert from "node:assert/strict";
import { flow, mapStep, step } from "../../mod.ts";
import { parseFlowTarget, routeOfNode } from "../../lib/flow/mod.ts";
import { RemoteInfoError } from "../../lib/routing/mod.ts";

const grid = step("t.on.grid", ({ n }: { n: number }) => [...Array(n).keys()], { returns: "xs" });
const sq = step("t.on.sq", ({ xs }: { xs: number }) => xs * xs, { returns: "ys" });
const gpu = step("t.on.gpu", ({ ys }: { ys: number }) => ys + 1, { returns: "zs", label: "gpu" });
const f = flow("t_on", grid).pipe(mapStep(sq, "xs[i] -> ys[i]"));

Deno.test("parseFlowTarget() routes every step to a system", () => {
  const info = parseFlowTarget("cluster", "f");
  assert.deepEqual(info.rules.map((r) => [r.key, r.route.system, r.route.maxRestarts]), [
    ["*::*", "cluster", 2],
  ]);
  const route = parseFlowTarget({ system: "c", inputsPerJob: 7, maxRestarts: 3 }, "f");
  assert.equal(route.rules[0].route.inputsPerJob, 7);
  assert.equal(route.rules[0].route.maxRestarts, 3);
});

Deno.test("parseFlowTarget() rejects an empty system, a non-object and bad routes, naming the flow", () => {
  assert.throws(() => parseFlowTarget("", "f"), TypeError);
  assert.throws(() => parseFlowTarget(42 as unknown as string, "f"), /got number/);
  assert.throws(
    () => parseFlowTarget({ "*::x": { system: "c", inputsPerJob: -1 } }, "screen"),
    (e: unknown) => e instanceof RemoteInfoError && /flow\.on of "screen"/.test(e.message),
  );
});

Deno.test("routeOfNode() matches step names, labels and the stack where the flow runs", () => {
  const info = parseFlowTarget({
    "*::t.on.sq": { system: "a" },
    gpu: { system: "b" },
    "main.ts::main,*::t.on.grid": { system: "c" },
  }, "f");
  const [g, s] = f.nodes;
  const z = mapStep(gpu, "ys[i] -> zs[i]");
  assert.equal(routeOfNode(info, [], s)?.route.system, "a");
  assert.equal(routeOfNode(info, [], z)?.route.system, "b");
  assert.equal(routeOfNode(info, [], g), undefined);
  assert.equal(routeOfNode(info, [{ file: "/p/main.ts", function: "main" }], g)?.route.system, "c");
});

Deno.test("Flow.on() returns a new flow that keeps its target through pipe, rename, returning and withRestarts", () => {
  const there = f.on("cluster");
  assert.equal(f.remoteInfo, null);
  assert.equal("then" in there, false);
  const derived = there.pipe(mapStep(gpu, "ys[i] -> zs[i]")).rename("other").returning("zs")
    .withRestarts({ "t.on.sq": 2 });
  assert.equal(derived.remoteInfo?.rules[0].route.system, "cluster");
  assert.deepEqual(derived.returns, ["zs"]);
});
