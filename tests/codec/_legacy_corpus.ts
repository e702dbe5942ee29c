// Test helpers: the values whose "drover-v1" hashes are frozen in
// golden/legacy_hashes.json. The digests there were computed by the canonical encoding
// of commit 257359e (before RFC 8949 deterministic encoding became the default) and must
// never change: stores written by that code find their cache through them.
import fc from "fast-check";
import { defineEncoding, TaggedValue } from "../../lib/codec/mod.ts";
import { anyValue } from "./_arbitraries.ts";

/** A class stored through defineEncoding (tag 27). */
export class LegacyPoint {
  constructor(readonly x: number, readonly y: number) {}
}
defineEncoding(LegacyPoint, {
  name: "drover.test.LegacyPoint",
  encode: (p) => [p.x, p.y],
  decode: ([x, y]: number[]) => new LegacyPoint(x, y),
});

const TWO_64 = 2n ** 64n;

/** Named values: floats, integers, bigints, dates, strings, nested maps, typed arrays. */
export function namedValues(): Array<[string, unknown]> {
  const big = new Float64Array(10_000);
  for (let i = 0; i < big.length; i++) big[i] = i * 0.5 - 17.25;
  return [
    // integers (numbers)
    ["int 0", 0],
    ["int 1", 1],
    ["int -1", -1],
    ["int 23", 23],
    ["int 24", 24],
    ["int 255", 255],
    ["int 256", 256],
    ["int 65535", 65535],
    ["int 65536", 65536],
    ["int 2^32-1", 2 ** 32 - 1],
    ["int 2^32", 2 ** 32],
    ["int -2^32-1", -(2 ** 32) - 1],
    ["int MAX_SAFE", Number.MAX_SAFE_INTEGER],
    ["int MIN_SAFE", Number.MIN_SAFE_INTEGER],
    // floats
    ["float -0", -0],
    ["float 0.5", 0.5],
    ["float 1.5", 1.5],
    ["float -1.5", -1.5],
    ["float 1.1", 1.1],
    ["float 500.5", 500.5],
    ["float 0.1", 0.1],
    ["float 65504", 65504.5],
    ["float 100000.5", 100000.5],
    ["float 5.960464477539063e-8", 5.960464477539063e-8],
    ["float 6.103515625e-5", 6.103515625e-5],
    ["float 3.4028234663852886e38", 3.4028234663852886e38],
    ["float 1e300", 1e300],
    ["float 2^53", 2 ** 53],
    ["float 2^60", 2 ** 60],
    ["float -2^63", -(2 ** 63)],
    ["float 2^64", 2 ** 64],
    ["float -2^64", -(2 ** 64)],
    ["float MIN_VALUE", Number.MIN_VALUE],
    ["float MAX_VALUE", Number.MAX_VALUE],
    ["float NaN", NaN],
    ["float Infinity", Infinity],
    ["float -Infinity", -Infinity],
    // bigints
    ["bigint 0", 0n],
    ["bigint 1", 1n],
    ["bigint -1", -1n],
    ["bigint 500", 500n],
    ["bigint 2^53", 2n ** 53n],
    ["bigint 2^63", 2n ** 63n],
    ["bigint 2^64-1", TWO_64 - 1n],
    ["bigint 2^64", TWO_64],
    ["bigint -2^64", -TWO_64],
    ["bigint -2^64-1", -TWO_64 - 1n],
    ["bigint 2^100", 2n ** 100n],
    ["bigint -2^100", -(2n ** 100n)],
    // dates
    ["date epoch", new Date(0)],
    ["date 2013-03-21T20:04:00Z", new Date("2013-03-21T20:04:00Z")],
    ["date with ms", new Date("2024-02-29T12:34:56.789Z")],
    ["date year 0000", new Date("0000-01-01T00:00:00.000Z")],
    ["date year -1", new Date("-000001-06-01T00:00:00.000Z")],
    ["date year 9999", new Date("9999-12-31T23:59:59.999Z")],
    ["date year 10000", new Date("+010000-01-01T00:00:00.000Z")],
    ["date max", new Date(8.64e15)],
    ["date min", new Date(-8.64e15)],
    ["date invalid", new Date(NaN)],
    // strings and simple values
    ["string empty", ""],
    ["string a", "a"],
    ["string ü", "\u00fc"],
    ["string 水", "\u6c34"],
    ["string 𐅑", "\u{10151}"],
    ["string lone surrogate", "a\ud800b"],
    ["string 300", "x".repeat(300)],
    ["null", null],
    ["undefined", undefined],
    ["true", true],
    ["false", false],
    // arrays and nested maps
    ["array empty", []],
    ["array mixed", [1, -1.5, 2n ** 70n, "s", null, [new Date(0)]]],
    ["array sparse", [1, , 3]],
    ["object empty", {}],
    ["object keys", { b: 2, a: 1, aa: 3, "\u00e9": 4, "\u{10000}": 5, "\uff61": 6 }],
    ["object nested", {
      structure: { cell: [[1, 0, 0], [0, 1.5, 0], [0, 0, 2.25]], species: ["Si", "Si"] },
      kpoints: new Int32Array([4, 4, 4]),
      ecut: 500.5,
      smearing: { kind: "gaussian", width: 0.01 },
      seed: 12345678901234567890n,
    }],
    [
      "map mixed keys",
      new Map<unknown, unknown>([
        [1, "int"],
        ["a", "text"],
        [1n, "bigint"],
        [
          1.5,
          "float",
        ],
        [-1, "neg"],
        [2n ** 64n, "big"],
      ]),
    ],
    [
      "map nested",
      new Map<unknown, unknown>([["inner", new Map([[new Date(0), { z: 1, y: 2 }]])], [
        "list",
        [new Map([[0.25, 1n]])],
      ]]),
    ],
    ["set mixed", new Set<unknown>([3, 1n, "b", 1.5, -0, 2n ** 64n, null])],
    ["set nested", new Set<unknown>([new Set([1, 2]), [1, 2], { a: 1 }])],
    // typed arrays
    ["Uint8Array", new Uint8Array([1, 2, 3, 255])],
    ["Uint8ClampedArray", new Uint8ClampedArray([0, 255])],
    ["Int8Array", new Int8Array([-1, 1])],
    ["Uint16Array", new Uint16Array([1, 65535])],
    ["Int16Array", new Int16Array([-2, 2])],
    ["Uint32Array", new Uint32Array([1, 2 ** 32 - 1])],
    ["Int32Array", new Int32Array([-3, 3])],
    ["Float32Array", new Float32Array([1.5, -0, NaN])],
    ["Float64Array", new Float64Array([1.1, Infinity])],
    ["BigInt64Array", new BigInt64Array([-1n, 2n ** 62n])],
    ["BigUint64Array", new BigUint64Array([2n ** 64n - 1n])],
    ["Float64Array 80 KB", big],
    // tags and classes
    ["TaggedValue 32", new TaggedValue(32, "http://www.example.com")],
    ["class LegacyPoint", new LegacyPoint(1.5, -2)],
  ];
}

/** Values drawn from the codec's arbitrary with a fixed seed (stored in the golden file). */
export function sampledValues(): unknown[] {
  return fc.sample(anyValue, { seed: 8_2026, numRuns: 200 });
}

/** Call-key inputs: step parts and arguments as a workflow passes them. */
export function keyCases(): Array<{
  name: string;
  step: string;
  codeHash: string;
  version: string;
  inputs: Record<string, unknown>;
  ignore: string[];
}> {
  return [
    {
      name: "relax floats",
      step: "relax",
      codeHash: "c0de",
      version: "",
      inputs: { r0: 0.9, fmax: 0.01 },
      ignore: [],
    },
    {
      name: "scf typed arrays and bigint",
      step: "scf",
      codeHash: "a1b2",
      version: "2",
      inputs: {
        structure: { cell: [[1, 0], [0, 1]] },
        kpoints: new Int32Array([4, 4]),
        ecut: 500.5,
        seed: 7n,
      },
      ignore: ["seed"],
    },
    {
      name: "ints only",
      step: "count",
      codeHash: "ff",
      version: "v1",
      inputs: { n: 3, names: ["a", "b"] },
      ignore: [],
    },
    {
      name: "dates and maps",
      step: "window",
      codeHash: "01",
      version: "",
      inputs: {
        from: new Date("2024-01-01T00:00:00Z"),
        to: new Date("+012000-01-01T00:00:00Z"),
        weights: new Map([[1, 0.5], [2, 0.25]]),
      },
      ignore: [],
    },
  ];
}
