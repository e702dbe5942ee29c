import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalEncode, decode, encode } from "../../lib/codec/mod.ts";
import { anyValue, codePoint } from "./_arbitraries.ts";

function roundTrip(value: unknown): unknown {
  return decode(encode(value));
}

const Float16 = (globalThis as { Float16Array?: new (xs: number[]) => ArrayBufferView })
  .Float16Array;

Deno.test("decode() inverts encode() for every primitive", () => {
  const values = [
    null,
    undefined,
    true,
    false,
    0,
    -0,
    1,
    -1,
    23,
    24,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    2 ** 32,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    2 ** 53,
    -(2 ** 53),
    1.5,
    Number.MIN_VALUE,
    Number.MAX_VALUE,
    NaN,
    Infinity,
    -Infinity,
    0n,
    1n,
    -1n,
    2n ** 64n,
    -(2n ** 64n) - 1n,
    2n ** 1000n + 7n,
    "",
    "text",
    "\u00fc\u6c34\u{1f600}",
    "x".repeat(70000),
  ];
  for (const value of values) {
    assert.ok(Object.is(roundTrip(value), value) || roundTrip(value) === value, String(value));
  }
});

Deno.test("decode() inverts encode() for dates, including invalid ones", () => {
  for (
    const date of [
      new Date(0),
      new Date(-1),
      new Date("2024-02-29T12:34:56.789Z"),
      new Date(8.64e15),
      new Date(-8.64e15),
    ]
  ) {
    const back = roundTrip(date);
    assert.ok(back instanceof Date);
    assert.equal(back.getTime(), date.getTime());
  }
  const invalid = roundTrip(new Date(NaN));
  assert.ok(invalid instanceof Date);
  assert.ok(Number.isNaN(invalid.getTime()));
});

Deno.test("decode() inverts encode() for every typed-array class", () => {
  const arrays: ArrayBufferView[] = [
    new Uint8Array([0, 1, 255]),
    new Uint8ClampedArray([0, 128, 255]),
    new Uint16Array([0, 1, 65535]),
    new Uint32Array([0, 1, 2 ** 32 - 1]),
    new BigUint64Array([0n, 1n, 2n ** 64n - 1n]),
    new Int8Array([-128, 0, 127]),
    new Int16Array([-32768, 0, 32767]),
    new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1]),
    new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n]),
    new Float32Array([-0, 1.5, NaN, Infinity]),
    new Float64Array([-0, 1.1, NaN, -Infinity]),
    new Float64Array(),
  ];
  if (Float16 !== undefined) arrays.push(new Float16([1, -2.5, Infinity]));
  for (const array of arrays) {
    const back = roundTrip(array) as ArrayBufferView;
    assert.equal(back.constructor, array.constructor);
    assert.deepEqual(back, array);
    assert.equal(back.byteOffset, 0);
  }
});

Deno.test("decode() returns typed arrays with the contents of a view, not of its whole buffer", () => {
  const buffer = new ArrayBuffer(64);
  new Uint8Array(buffer).fill(7);
  const view = new Int32Array(buffer, 12, 3);
  view.set([1, -2, 3]);
  const back = roundTrip(view) as Int32Array;
  assert.deepEqual(back, new Int32Array([1, -2, 3]));
  assert.equal(back.buffer.byteLength, 12);
});

Deno.test("decode() inverts encode() for nested containers of every kind", () => {
  const value = {
    structure: {
      cell: [[5.43, 0, 0], [0, 5.43, 0], [0, 0, 5.43]],
      positions: new Float64Array([0, 0, 0, 0.25, 0.25, 0.25]),
      numbers: new Int32Array([14, 14]),
      "odd key": { "": [null, undefined, { a: undefined }] },
    },
    kpoints: [4, 4, 4],
    tags: new Set(["relax", 1, 1n, new Date(0)]),
    index: new Map<unknown, unknown>([
      ["a", 1],
      [1, "a"],
      [[1, 2], new Set([new Map([[null, undefined]])])],
      [new Uint8Array([1]), { nested: [new BigInt64Array([-1n])] }],
    ]),
    when: new Date("2024-01-01T00:00:00.000Z"),
    energy: -1234.5678,
    converged: true,
    id: 2n ** 80n,
    empty: [[], {}, new Map(), new Set(), ""],
  };
  assert.deepEqual(roundTrip(value), value);
  // canonicalEncode writes 1 and 1n alike, so a Set holding both is refused there.
  assert.throws(() => canonicalEncode(value), {
    name: "EncodeError",
    reason: "duplicate",
    message:
      "Cannot encode value.tags: Set elements 1 and 1n have the same deterministic encoding (tag 258 sets hold distinct elements)",
  });
  const canonical = { ...value, tags: new Set(["relax", 1, new Date(0)]), id: 2n ** 80n };
  assert.deepEqual(decode(canonicalEncode(canonical)), canonical);
});

Deno.test("decode() returns undefined for array holes and plain objects for null-prototype objects", () => {
  // deno-lint-ignore no-sparse-arrays
  assert.deepEqual(roundTrip([1, , 3]), [1, undefined, 3]);
  const bare = Object.create(null) as Record<string, unknown>;
  bare.a = [1];
  const back = roundTrip(bare) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual({ ...back }, { a: [1] });
});

Deno.test("decode() inverts encode() for arbitrary values (property)", () => {
  fc.assert(
    fc.property(anyValue, (value) => {
      assert.deepEqual(roundTrip(value), value);
    }),
    { numRuns: 300 },
  );
});

Deno.test("decode() inverts encode() for arbitrary numbers, bigints and strings (property)", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.double(),
        fc.integer(),
        fc.maxSafeInteger(),
        fc.bigInt(),
        fc.string({ unit: codePoint }),
      ),
      (value) => {
        assert.ok(Object.is(roundTrip(value), value));
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("decode() inverts encode() for arbitrary typed arrays at arbitrary offsets (property)", () => {
  const typed = fc.oneof(
    fc.float64Array(),
    fc.float32Array(),
    fc.int32Array(),
    fc.uint8Array(),
    fc.int16Array(),
    fc.bigInt64Array(),
    fc.bigUint64Array(),
    fc.uint8ClampedArray(),
  );
  fc.assert(
    fc.property(typed, fc.nat(3), (array, pad) => {
      const Cls = array.constructor as unknown as {
        new (buffer: ArrayBuffer, offset: number, length: number): ArrayBufferView;
        readonly BYTES_PER_ELEMENT: number;
      };
      const size = Cls.BYTES_PER_ELEMENT;
      const buffer = new ArrayBuffer(array.byteLength + 2 * pad * size);
      const view = new Cls(buffer, pad * size, array.byteLength / size);
      new Uint8Array(buffer, pad * size).set(
        new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
      );
      const back = roundTrip({ view }) as { view: ArrayBufferView };
      assert.equal(back.view.constructor, array.constructor);
      assert.deepEqual(back.view, array);
    }),
    { numRuns: 200 },
  );
});

Deno.test("decode() reads back everything encode() accepts at the deepest nesting", () => {
  const shapes: ((x: unknown) => unknown)[] = [
    (x) => ({ a: x }),
    (x) => [x],
    (x) => new Map([[1, x]]),
    (x) => new Map([[x, 1]]),
    (x) => new Set([x]),
  ];
  for (const shape of shapes) {
    let value: unknown = { d: new Date(0), n: 2n ** 70n, xs: new Float64Array([1]) };
    for (let i = 0; i < 998; i++) value = shape(value); // the Date sits at depth 999
    // (assert.deepEqual itself overflows the stack on 998 nested Maps.)
    for (const bytes of [encode(value), canonicalEncode(value)]) {
      const back = decode(bytes);
      assert.equal(back?.constructor, value?.constructor);
      assert.deepEqual(encode(back), encode(value));
    }
  }
});
