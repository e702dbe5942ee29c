import assert from "node:assert/strict";
import { decode, defineEncoding, encode, TaggedValue } from "../../lib/codec/mod.ts";
import { fromHex, toHex } from "./_hex.ts";

function hexOf(value: unknown): string {
  return toHex(encode(value));
}

Deno.test("encode() writes RFC 8949 Appendix A integers with the shortest head", () => {
  const cases: [number, string][] = [
    [0, "00"],
    [1, "01"],
    [10, "0a"],
    [23, "17"],
    [24, "1818"],
    [25, "1819"],
    [100, "1864"],
    [255, "18ff"],
    [256, "190100"],
    [1000, "1903e8"],
    [65535, "19ffff"],
    [65536, "1a00010000"],
    [1000000, "1a000f4240"],
    [4294967295, "1affffffff"],
    [4294967296, "1b0000000100000000"],
    [1000000000000, "1b000000e8d4a51000"],
    [Number.MAX_SAFE_INTEGER, "1b001fffffffffffff"],
    [-1, "20"],
    [-10, "29"],
    [-24, "37"],
    [-25, "3818"],
    [-100, "3863"],
    [-1000, "3903e7"],
    [-Number.MAX_SAFE_INTEGER, "3b001ffffffffffffe"],
  ];
  for (const [value, hex] of cases) assert.equal(hexOf(value), hex, `encode(${value})`);
});

Deno.test("encode() writes every non-safe-integer number as its shortest exact float", () => {
  assert.equal(hexOf(1.1), "fb3ff199999999999a");
  assert.equal(hexOf(1.5), "f93e00");
  assert.equal(hexOf(-4.1), "fbc010666666666666");
  assert.equal(hexOf(100000.5), "fa47c35040");
  assert.equal(hexOf(1.0e300), "fb7e37e43c8800759c");
  assert.equal(hexOf(2 ** 53), "fa5a000000"); // stays a number: a float, not an integer
  assert.equal(hexOf(5.960464477539063e-8), "f90001");
  assert.equal(hexOf(-0), "f98000");
  assert.equal(hexOf(Infinity), "f97c00");
  assert.equal(hexOf(-Infinity), "f9fc00");
  assert.equal(hexOf(NaN), "f97e00");
});

Deno.test("encode() writes every NaN bit pattern as the canonical NaN", () => {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, 0xfff80000);
  view.setUint32(4, 0x12345);
  const oddNaN = view.getFloat64(0);
  assert.ok(Number.isNaN(oddNaN));
  assert.equal(hexOf(oddNaN), "f97e00");
  assert.equal(hexOf(0 / 0), "f97e00");
});

Deno.test("encode() writes simple values, strings and containers", () => {
  assert.equal(hexOf(false), "f4");
  assert.equal(hexOf(true), "f5");
  assert.equal(hexOf(null), "f6");
  assert.equal(hexOf(undefined), "f7");
  assert.equal(hexOf(""), "60");
  assert.equal(hexOf("a"), "6161");
  assert.equal(hexOf("IETF"), "6449455446");
  assert.equal(hexOf('"\\'), "62225c");
  assert.equal(hexOf("\u00fc"), "62c3bc");
  assert.equal(hexOf("\u6c34"), "63e6b0b4");
  assert.equal(hexOf("\u{10151}"), "64f0908591");
  assert.equal(hexOf([]), "80");
  assert.equal(hexOf([1, 2, 3]), "83010203");
  assert.equal(hexOf([1, [2, 3], [4, 5]]), "8301820203820405");
  assert.equal(
    hexOf(Array.from({ length: 25 }, (_, i) => i + 1)),
    "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
  );
  assert.equal(hexOf({}), "a0");
  assert.equal(hexOf({ a: 1, b: [2, 3] }), "a26161016162820203");
  assert.equal(hexOf(["a", { b: "c" }]), "826161a161626163");
});

Deno.test("encode() sizes string heads by UTF-8 length at every boundary", () => {
  for (const n of [0, 23, 24, 255, 256, 65535, 65536]) {
    for (const unit of ["x", "\u00e9", "\u6c34", "\u{1f600}"]) {
      const s = unit.repeat(Math.ceil(n / new TextEncoder().encode(unit).length));
      const utf8 = new TextEncoder().encode(s);
      const bytes = encode(s);
      const head = bytes.length - utf8.length;
      const expectedHead = utf8.length < 24
        ? 1
        : utf8.length < 256
        ? 2
        : utf8.length < 65536
        ? 3
        : 5;
      assert.equal(head, expectedHead, `head of ${utf8.length} bytes of ${unit}`);
      assert.deepEqual(bytes.subarray(head), utf8);
      assert.equal(decode(bytes), s);
    }
  }
});

Deno.test("encode() writes lone surrogates as U+FFFD", () => {
  assert.equal(hexOf("a\ud800"), "6461efbfbd");
  assert.equal(decode(encode("a\udc00b")), "a\ufffdb");
});

Deno.test("encode() writes bigints as tag 2 and 3 bignums", () => {
  assert.equal(hexOf(0n), "c240");
  assert.equal(hexOf(1n), "c24101");
  assert.equal(hexOf(256n), "c2420100");
  assert.equal(hexOf(-1n), "c340");
  assert.equal(hexOf(-257n), "c3420100");
  assert.equal(hexOf(2n ** 64n), "c249010000000000000000");
  assert.equal(hexOf(-(2n ** 64n) - 1n), "c349010000000000000000");
  assert.notEqual(hexOf(1n), hexOf(1));
});

Deno.test("encode() writes dates in years 0000..9999 as tag 0 text, others as tag 1", () => {
  const text = (s: string): string => toHex(new TextEncoder().encode(s));
  assert.equal(hexOf(new Date("2013-03-21T20:04:00Z")), "c074" + text("2013-03-21T20:04:00Z"));
  assert.equal(
    hexOf(new Date("2013-03-21T20:04:00.5Z")),
    "c07818" + text("2013-03-21T20:04:00.500Z"),
  );
  assert.equal(hexOf(new Date("0000-01-01T00:00:00Z")), "c074" + text("0000-01-01T00:00:00Z"));
  assert.equal(
    hexOf(new Date("9999-12-31T23:59:59.999Z")),
    "c07818" + text("9999-12-31T23:59:59.999Z"),
  );
  // Outside years 0000..9999: epoch seconds, an integer when whole.
  assert.equal(hexOf(new Date("+010000-01-01T00:00:00Z")), "c11b0000003afff44180");
  assert.equal(hexOf(new Date(-62167219200001)), "c1fbc22cf2e8f8000083");
  assert.equal(hexOf(new Date(-62167219201000)), "c13b0000000e79747c00");
  assert.equal(hexOf(new Date(NaN)), "c1f97e00");
});

Deno.test("encode() writes Map as tag 259 and Set as tag 258 in insertion order", () => {
  assert.equal(hexOf(new Map<unknown, unknown>([[1, 2], ["a", [3]]])), "d90103a2010261618103");
  assert.equal(hexOf(new Set([2, 1])), "d90102820201");
  assert.equal(hexOf(new Map()), "d90103a0");
});

Deno.test("encode() writes Uint8Array as a byte string of exactly its view", () => {
  const backing = new Uint8Array([9, 1, 2, 3, 9]);
  assert.equal(hexOf(backing.subarray(1, 4)), "43010203");
  assert.equal(hexOf(new Uint8Array()), "40");
});

Deno.test("encode() writes typed arrays with RFC 8746 little-endian tags", () => {
  const cases: [ArrayBufferView, string][] = [
    [new Uint8ClampedArray([1, 255]), "d844" + "4201ff"],
    [new Uint16Array([1]), "d845" + "420100"],
    [new Uint32Array([1]), "d846" + "4401000000"],
    [new BigUint64Array([1n]), "d847" + "480100000000000000"],
    [new Int8Array([-1]), "d848" + "41ff"],
    [new Int16Array([-2]), "d84d" + "42feff"],
    [new Int32Array([1]), "d84e" + "4401000000"],
    [new BigInt64Array([-1n]), "d84f" + "48ffffffffffffffff"],
    [new Float32Array([1]), "d855" + "440000803f"],
    [new Float64Array([1]), "d856" + "48000000000000f03f"],
  ];
  for (const [value, hex] of cases) assert.equal(hexOf(value), hex, value.constructor.name);
});

Deno.test("encode() writes Float16Array with tag 84 when the platform has it", () => {
  const Float16 = (globalThis as { Float16Array?: new (xs: number[]) => ArrayBufferView })
    .Float16Array;
  if (Float16 === undefined) return;
  assert.equal(hexOf(new Float16([1])), "d854" + "42003c");
});

Deno.test("encode() writes only the bytes inside a typed array's byteOffset and byteLength", () => {
  const buffer = new ArrayBuffer(32);
  const whole = new Float64Array(buffer);
  whole.set([7, 1.5, 2.5, 7]);
  const view = new Float64Array(buffer, 8, 2);
  assert.equal(hexOf(view), hexOf(new Float64Array([1.5, 2.5])));
});

Deno.test("encode() writes large payloads out of band with the same bytes", () => {
  const data = new Float64Array(20_000).map((_, i) => i / 3); // 160 kB > 64 KiB
  const value = { before: "x".repeat(100), data, after: [1, 2] };
  const parts = [
    fromHex("a3 66" + toHex(new TextEncoder().encode("before")) + "7864" + "78".repeat(100)),
    fromHex("64" + toHex(new TextEncoder().encode("data")) + "d856 5a00027100"),
    new Uint8Array(data.buffer),
    fromHex("65" + toHex(new TextEncoder().encode("after")) + "820102"),
  ];
  const expected = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (expected.set(p, at), at + p.length), 0);
  const bytes = encode(value);
  assert.equal(bytes.length, expected.length);
  assert.ok(bytes.every((b, i) => b === expected[i]));
  assert.deepEqual(decode(bytes), value);
});

Deno.test("encode() writes a TaggedValue as its tag", () => {
  assert.equal(hexOf(new TaggedValue(32, "a")), "d8206161");
  assert.equal(hexOf(new TaggedValue(1000, [])), "d903e880");
});

Deno.test("encode() writes a class with a declared encoding as tag 27 [name, plain]", () => {
  class Vec {
    constructor(readonly xs: number[]) {}
  }
  defineEncoding(Vec, { name: "enc.Vec", encode: (v) => v.xs, decode: (xs) => new Vec(xs) });
  assert.equal(hexOf(new Vec([1])), "d81b82" + "67656e632e566563" + "8101");
});

Deno.test("encode() keeps undefined-valued keys and encodes holes as undefined", () => {
  assert.equal(hexOf({ a: undefined }), "a16161f7");
  assert.notEqual(hexOf({ a: undefined }), hexOf({}));
  // deno-lint-ignore no-sparse-arrays
  assert.equal(hexOf([1, , 3]), "8301f703");
});

Deno.test("encode() encodes shared non-cyclic references once per occurrence", () => {
  const shared = { x: 1 };
  assert.equal(hexOf([shared, shared]), hexOf([{ x: 1 }, { x: 1 }]));
});

Deno.test("encode() accepts null-prototype objects as plain objects", () => {
  const obj = Object.create(null) as Record<string, unknown>;
  obj.a = 1;
  assert.equal(hexOf(obj), hexOf({ a: 1 }));
});

Deno.test("encode() may be called again from inside a declared encoding", () => {
  class Blob {
    constructor(readonly inner: unknown) {}
  }
  defineEncoding(Blob, {
    name: "enc.Blob",
    encode: (b) => encode(b.inner),
    decode: (bytes) => new Blob(decode(bytes)),
  });
  const value = { blob: new Blob({ a: [1, 2] }), after: "x" };
  const back = decode(encode(value)) as typeof value;
  assert.ok(back.blob instanceof Blob);
  assert.deepEqual(back, value);
});

Deno.test("encode() returns a fresh array each call", () => {
  const a = encode([1]);
  const b = encode([2]);
  assert.deepEqual(a, fromHex("8101"));
  assert.deepEqual(b, fromHex("8102"));
});

Deno.test("encode() throws TypeError for a root option that is not a string", () => {
  assert.throws(() => encode(1, { root: 5 as unknown as string }), {
    name: "TypeError",
    message: "Cannot encode value: options.root must be a string (got number)",
  });
});
