import assert from "node:assert/strict";
import fc from "fast-check";
import { decode, encode } from "../../mod.ts";
import { type ElementFailure, FlowArray, planMap, sliceArray } from "../../lib/flow/mod.ts";

const boom: ElementFailure = {
  step: "solve",
  index: [1],
  key: "k1",
  error: { name: "RangeError", message: "boom" },
};

function partial(): FlowArray<number> {
  const table = new Map([["k0", 10], ["k2", 30]]);
  return new FlowArray<number>({
    name: "e",
    axes: ["i"],
    shape: [3],
    states: ["ok", "failed", "ok"],
    keys: ["k0", "k1", "k2"],
    table,
    failures: new Map([[1, boom]]),
  });
}

Deno.test("FlowArray masks failed elements, keeps their errors, and skips them in valid() and mean()", () => {
  const a = partial();
  assert.deepEqual(a.mask, [false, true, false]);
  assert.deepEqual(a.values, [10, undefined, 30]);
  assert.deepEqual(a.valid(), [10, 30]);
  assert.equal(a.mean(), 20);
  assert.deepEqual(a.counts(), { ok: 2, failed: 1, skipped: 0 });
  assert.deepEqual(a.errorAt(1), boom);
  assert.deepEqual(a.rootCauses(1), [boom]);
  assert.deepEqual(a.rootCauses(0), []);
  assert.equal(a.keyAt(2), "k2");
});

Deno.test("FlowArray reads values from its table, so a merged restart result shows without a copy", () => {
  const table = new Map<string, number>([["k0", 1]]);
  const a = new FlowArray<number>({
    name: "x",
    axes: ["i"],
    shape: [2],
    states: ["ok", "ok"],
    keys: ["k0", "k1"],
    table,
  });
  assert.equal(a.at(1), undefined);
  table.set("k1", 2);
  assert.deepEqual(a.values, [1, 2]);
});

Deno.test("FlowArray indexes ragged rows by offsets and nests them back", () => {
  const rows = [["a", "b"], [], ["c", "d", "e"]];
  const flat = rows.flat();
  const a = new FlowArray<string>({
    name: "char",
    axes: ["i", "j"],
    shape: [3, 3],
    lengths: rows.map((r) => r.length),
    states: flat.map(() => "ok"),
    keys: flat.map((_, i) => String(i)),
    table: { get: (k) => flat[Number(k)] },
  });
  assert.equal(a.size, 5);
  assert.equal(a.get(2, 1), "d");
  assert.deepEqual(a.indexOf(4), [2, 2]);
  assert.deepEqual(a.indexOf(2), [2, 0]);
  assert.throws(() => a.get(1, 0), RangeError);
  assert.deepEqual(a.toNested(), rows);
  assert.deepEqual(sliceArray(a, [2, null]).values, ["c", "d", "e"]);
});

Deno.test("FlowArray round-trips through the codec with states, errors and causes", () => {
  const a = partial();
  const b = decode(encode(a)) as FlowArray<number>;
  assert.ok(b instanceof FlowArray);
  assert.deepEqual(b.values, a.values);
  assert.deepEqual(b.errorAt(1), boom);
  assert.deepEqual(b.shape, [3]);
});

Deno.test("FlowArray has no then method", () => {
  assert.equal("then" in FlowArray.of("x", [1]), false);
});

Deno.test("planMap() zips shared letters and takes the outer product of distinct ones", () => {
  const zip = planMap("x[i], y[i] -> z[i]", { x: [1, 2, 3], y: [4, 5, 6] });
  assert.deepEqual(zip.shape, [3]);
  assert.deepEqual(zip.element(2), { kind: "run", inputs: { x: 3, y: 6 } });
  const outer = planMap("x[i], y[j] -> z[j, i]", { x: [1, 2], y: [4, 5, 6] });
  assert.deepEqual(outer.shape, [3, 2]);
  assert.deepEqual(outer.element(1), { kind: "run", inputs: { x: 2, y: 4 } });
});

Deno.test("planMap() gives shapes in output order for any sizes (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      (sizes, flip) => {
        const letters = sizes.map((_, d) => "ijk"[d]);
        const outOrder = flip ? [...letters].reverse() : letters;
        const inputs = Object.fromEntries(
          letters.map((l, d) => [`x${l}`, Array.from({ length: sizes[d] }, (_, k) => k)]),
        );
        const spec = `${letters.map((l) => `x${l}[${l}]`).join(", ")} -> z[${outOrder.join(", ")}]`;
        const plan = planMap(spec, inputs);
        assert.deepEqual(plan.shape, outOrder.map((l) => sizes[letters.indexOf(l)]));
        assert.equal(plan.size, sizes.reduce((a, b) => a * b, 1));
        const target = FlowArray.of("z", new Array(plan.size).fill(0), { shape: plan.shape });
        for (let f = 0; f < plan.size; f++) {
          const e = plan.element(f);
          assert.equal(e.kind, "run");
          if (e.kind !== "run") return;
          const index = target.indexOf(f);
          outOrder.forEach((l, d) => assert.equal(e.inputs[`x${l}`], index[d]));
        }
      },
    ),
  );
});

Deno.test("planMap() skips elements whose input is masked, with the root causes", () => {
  const plan = planMap("e[i], scale -> c[i]", { e: partial(), scale: 2 });
  assert.deepEqual(plan.element(0), { kind: "run", inputs: { e: 10, scale: 2 } });
  assert.deepEqual(plan.element(1), { kind: "skip", causes: [boom] });
});

Deno.test("planMap() hands a partial reduction the row, masked elements included", () => {
  const x = new FlowArray<number>({
    name: "x",
    axes: ["i", "j"],
    shape: [2, 2],
    states: ["ok", "failed", "ok", "ok"],
    keys: ["a", "b", "c", "d"],
    table: new Map([["a", 1], ["c", 3], ["d", 4]]),
    failures: new Map([[1, boom]]),
  });
  const plan = planMap("x[i, :] -> row_sum[i]", { x });
  assert.deepEqual(plan.shape, [2]);
  const first = plan.element(0);
  assert.equal(first.kind, "run");
  if (first.kind !== "run") return;
  const row = first.inputs.x as FlowArray<number>;
  assert.deepEqual(row.mask, [false, true]);
  assert.deepEqual(row.valid(), [1]);
  assert.deepEqual(row.rootCauses(1), [boom]);
});

Deno.test("planMap() maps over a ragged array with the output's axes", () => {
  const chars = new FlowArray<string>({
    name: "char",
    axes: ["i", "j"],
    shape: [2, 2],
    lengths: [2, 1],
    states: ["ok", "ok", "ok"],
    keys: ["0", "1", "2"],
    table: { get: (k) => "abc"[Number(k)] },
  });
  const plan = planMap("char[i, j] -> upper[i, j]", { char: chars });
  assert.equal(plan.size, 3);
  assert.deepEqual(plan.lengths, [2, 1]);
  assert.deepEqual(plan.element(2), { kind: "run", inputs: { char: "c" } });
  const count = planMap("char[i, :] -> n[i]", { char: chars });
  const e = count.element(0);
  assert.ok(e.kind === "run" && (e.inputs.char as FlowArray).size === 2);
});

Deno.test("planMap() errors name the input and point at it", () => {
  assert.throws(
    () => planMap("x[i], y[i] -> z[i]", { x: [1, 2], y: [1, 2, 3] }),
    (e: Error) =>
      e.message.startsWith('Cannot use map spec: axis "i" is 2 long in "x" but 3 in "y"') &&
      e.message.endsWith("\n        ^"),
  );
  assert.throws(() => planMap("x[i] -> z[i]", {}), /input "x" is not given/);
  assert.throws(() => planMap("x[i, j] -> z[i, j]", { x: [1, 2] }), /not an array of 2 axes/);
  assert.throws(() => planMap("x[i] -> z[i]", { x: 3 }), /must be an array \(got number\)/);
});
