import assert from "node:assert/strict";
import fc from "fast-check";
import { combinationLabel, expandMatrix, MatrixError } from "../../lib/calcjob/mod.ts";

Deno.test("expandMatrix() gives every combination, the first axis slowest", () => {
  const out = expandMatrix({ x: [1, 2, 3], y: ["a", "b", "c", "d"] });
  assert.equal(out.length, 12);
  assert.deepEqual(out[0], { x: 1, y: "a" });
  assert.deepEqual(out[5], { x: 2, y: "b" });
  assert.deepEqual(out[11], { x: 3, y: "d" });
  assert.equal(combinationLabel(out[5]), "[x=2,y=b]");
});

Deno.test("expandMatrix() zips axes of equal length and refuses unequal ones", () => {
  assert.deepEqual(expandMatrix({ x: [1, 2], y: [3, 4] }, "zip"), [{ x: 1, y: 3 }, { x: 2, y: 4 }]);
  assert.throws(() => expandMatrix({ x: [1, 2], y: [3] }, "zip"), (e) => {
    assert.ok(e instanceof MatrixError);
    assert.deepEqual(e.lengths, { x: 2, y: 1 });
    assert.equal(
      e.message,
      "Cannot zip the matrix: its axes must have the same length (x has 2, y has 1)",
    );
    return true;
  });
});

Deno.test("expandMatrix() yields the product of the axis lengths, all distinct", () => {
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.string({ minLength: 1, maxLength: 3 }),
        fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 4 }),
        { maxKeys: 3 },
      ),
      (matrix) => {
        const out = expandMatrix(matrix);
        const expected = Object.values(matrix).reduce((n, v) => n * v.length, 1);
        assert.equal(out.length, expected);
        assert.equal(new Set(out.map((c) => JSON.stringify(c))).size, expected);
      },
    ),
  );
});
