import assert from "node:assert/strict";
import fc from "fast-check";
import { splitArray } from "../../lib/scheduler/mod.ts";

const LIMITS = { maxArraySize: 1001, maxJobCount: 10_000, inFlight: 0 };

Deno.test("splitArray() makes one array when n fits", () => {
  assert.deepEqual(splitArray(20, LIMITS), { arrays: [{ start: 0, size: 20 }], deferred: 0 });
});

Deno.test("splitArray() makes no array for n = 0", () => {
  assert.deepEqual(splitArray(0, LIMITS), { arrays: [], deferred: 0 });
});

Deno.test("splitArray() fills arrays up to MaxArraySize (indices stay below it)", () => {
  const { arrays } = splitArray(1002, LIMITS);
  assert.deepEqual(arrays, [{ start: 0, size: 1001 }, { start: 1001, size: 1 }]);
  for (const a of arrays) assert.ok(a.size - 1 < LIMITS.maxArraySize);
});

Deno.test("splitArray() honours max_array_tasks below MaxArraySize", () => {
  const { arrays } = splitArray(250, { ...LIMITS, maxArrayTasks: 100 });
  assert.deepEqual(arrays.map((a) => a.size), [100, 100, 50]);
});

Deno.test("splitArray() defers what does not fit under MaxJobCount", () => {
  const split = splitArray(5000, { maxArraySize: 1001, maxJobCount: 3000, inFlight: 500 });
  assert.deepEqual(split.arrays.map((a) => a.size), [1001, 1001, 498]);
  assert.equal(split.deferred, 2500);
});

Deno.test("splitArray() submits nothing when the cluster is full", () => {
  assert.deepEqual(splitArray(10, { maxArraySize: 1001, maxJobCount: 100, inFlight: 120 }), {
    arrays: [],
    deferred: 10,
  });
});

Deno.test("splitArray() shares the throttle among arrays, at least 1 each", () => {
  const split = splitArray(2500, { ...LIMITS, throttle: 50 });
  assert.deepEqual(split.arrays.map((a) => a.throttle), [17, 17, 16]);
  const tiny = splitArray(2500, { ...LIMITS, throttle: 2 });
  assert.deepEqual(tiny.arrays.map((a) => a.throttle), [1, 1, 1]);
});

Deno.test("splitArray() throws RangeError for bad numbers", () => {
  assert.throws(() => splitArray(-1, LIMITS), RangeError);
  assert.throws(() => splitArray(1.5, LIMITS), RangeError);
  assert.throws(() => splitArray(1, { ...LIMITS, maxArraySize: 0 }), RangeError);
  assert.throws(() => splitArray(1, { ...LIMITS, inFlight: -1 }), /inFlight/);
  assert.throws(() => splitArray(1, { ...LIMITS, throttle: 0 }), /throttle/);
});

Deno.test("splitArray() covers 0..n-1 contiguously within every limit (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 50_000 }),
      fc.integer({ min: 1, max: 5000 }),
      fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
      fc.integer({ min: 1, max: 40_000 }),
      fc.integer({ min: 0, max: 40_000 }),
      (n, maxArraySize, maxArrayTasks, maxJobCount, inFlight) => {
        const { arrays, deferred } = splitArray(n, {
          maxArraySize,
          maxArrayTasks,
          maxJobCount,
          inFlight,
        });
        let next = 0;
        for (const a of arrays) {
          assert.equal(a.start, next);
          assert.ok(a.size >= 1 && a.size <= Math.min(maxArraySize, maxArrayTasks ?? Infinity));
          next += a.size;
        }
        assert.equal(next + deferred, n);
        assert.ok(next <= Math.max(0, maxJobCount - inFlight));
        const perArray = Math.min(maxArraySize, maxArrayTasks ?? Infinity);
        assert.equal(arrays.length, Math.ceil(next / perArray));
      },
    ),
  );
});
