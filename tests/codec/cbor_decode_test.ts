import assert from "node:assert/strict";
import { decode, DecodeError, TaggedValue } from "../../lib/codec/mod.ts";
import { fromHex, toHex } from "./_hex.ts";

function decodeHex(hex: string): unknown {
  return decode(fromHex(hex));
}

/** Asserts that decoding `hex` throws a DecodeError at `offset` with `detail`. */
function assertMalformed(hex: string, offset: number, detail: string): void {
  assert.throws(() => decodeHex(hex), (e: unknown) => {
    assert.ok(e instanceof DecodeError, `expected DecodeError for ${hex}, got ${e}`);
    assert.equal(e.offset, offset, hex);
    assert.equal(e.message, `Cannot decode CBOR at byte ${offset}: ${detail}`);
    return true;
  });
}

Deno.test("decode() reads RFC 8949 Appendix A integers", () => {
  const cases: [string, number | bigint][] = [
    ["00", 0],
    ["01", 1],
    ["0a", 10],
    ["17", 23],
    ["1818", 24],
    ["1819", 25],
    ["1864", 100],
    ["1903e8", 1000],
    ["1a000f4240", 1000000],
    ["1b000000e8d4a51000", 1000000000000],
    ["1bffffffffffffffff", 18446744073709551615n],
    ["c249010000000000000000", 18446744073709551616n],
    ["3bffffffffffffffff", -18446744073709551616n],
    ["c349010000000000000000", -18446744073709551617n],
    ["20", -1],
    ["29", -10],
    ["3863", -100],
    ["3903e7", -1000],
    ["1b001fffffffffffff", Number.MAX_SAFE_INTEGER],
    ["1b0020000000000000", 2n ** 53n],
  ];
  for (const [hex, value] of cases) assert.equal(decodeHex(hex), value, hex);
});

Deno.test("decode() reads RFC 8949 Appendix A half, single and double floats", () => {
  const cases: [string, number][] = [
    ["f90000", 0],
    ["f98000", -0],
    ["f93c00", 1],
    ["fb3ff199999999999a", 1.1],
    ["f93e00", 1.5],
    ["f97bff", 65504],
    ["fa47c35000", 100000],
    ["fa7f7fffff", 3.4028234663852886e+38],
    ["fb7e37e43c8800759c", 1.0e+300],
    ["f90001", 5.960464477539063e-8],
    ["f90400", 0.00006103515625],
    ["f9c400", -4],
    ["fbc010666666666666", -4.1],
    ["f97c00", Infinity],
    ["f97e00", NaN],
    ["f9fc00", -Infinity],
    ["fa7f800000", Infinity],
    ["fa7fc00000", NaN],
    ["faff800000", -Infinity],
    ["fb7ff0000000000000", Infinity],
    ["fb7ff8000000000000", NaN],
    ["fbfff0000000000000", -Infinity],
  ];
  for (const [hex, value] of cases) assert.ok(Object.is(decodeHex(hex), value), hex);
});

Deno.test("decode() reads RFC 8949 Appendix A simple values, strings and containers", () => {
  assert.equal(decodeHex("f4"), false);
  assert.equal(decodeHex("f5"), true);
  assert.equal(decodeHex("f6"), null);
  assert.equal(decodeHex("f7"), undefined);
  assert.deepEqual(decodeHex("40"), new Uint8Array());
  assert.deepEqual(decodeHex("4401020304"), new Uint8Array([1, 2, 3, 4]));
  assert.equal(decodeHex("60"), "");
  assert.equal(decodeHex("6161"), "a");
  assert.equal(decodeHex("6449455446"), "IETF");
  assert.equal(decodeHex("62225c"), '"\\');
  assert.equal(decodeHex("62c3bc"), "\u00fc");
  assert.equal(decodeHex("63e6b0b4"), "\u6c34");
  assert.equal(decodeHex("64f0908591"), "\u{10151}");
  assert.deepEqual(decodeHex("80"), []);
  assert.deepEqual(decodeHex("83010203"), [1, 2, 3]);
  assert.deepEqual(decodeHex("8301820203820405"), [1, [2, 3], [4, 5]]);
  assert.deepEqual(
    decodeHex("98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    Array.from({ length: 25 }, (_, i) => i + 1),
  );
  assert.deepEqual(decodeHex("a0"), {});
  assert.deepEqual(decodeHex("a26161016162820203"), { a: 1, b: [2, 3] });
  assert.deepEqual(decodeHex("826161a161626163"), ["a", { b: "c" }]);
  assert.deepEqual(
    decodeHex("a56161614161626142616361436164614461656145"),
    { a: "A", b: "B", c: "C", d: "D", e: "E" },
  );
});

Deno.test("decode() reads a map with non-text keys as a Map", () => {
  assert.deepEqual(decodeHex("a201020304"), new Map([[1, 2], [3, 4]]));
  assert.deepEqual(decodeHex("a26161010203"), new Map<unknown, number>([["a", 1], [2, 3]]));
});

Deno.test("decode() reads RFC 8949 Appendix A tags", () => {
  assert.deepEqual(
    decodeHex("c074323031332d30332d32315432303a30343a30305a"),
    new Date("2013-03-21T20:04:00Z"),
  );
  assert.deepEqual(decodeHex("c11a514b67b0"), new Date(1363896240 * 1000));
  assert.deepEqual(decodeHex("c1fb41d452d9ec200000"), new Date(1363896240500));
  assert.deepEqual(decodeHex("d74401020304"), new TaggedValue(23, new Uint8Array([1, 2, 3, 4])));
  assert.deepEqual(decodeHex("d818456449455446"), new TaggedValue(24, fromHex("6449455446")));
  assert.deepEqual(
    decodeHex("d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
    new TaggedValue(32, "http://www.example.com"),
  );
});

Deno.test("decode() reads RFC 8949 Appendix A indefinite-length items", () => {
  assert.deepEqual(decodeHex("5f42010243030405ff"), new Uint8Array([1, 2, 3, 4, 5]));
  assert.equal(decodeHex("7f657374726561646d696e67ff"), "streaming");
  assert.deepEqual(decodeHex("9fff"), []);
  assert.deepEqual(decodeHex("9f018202039f0405ffff"), [1, [2, 3], [4, 5]]);
  assert.deepEqual(decodeHex("9f01820203820405ff"), [1, [2, 3], [4, 5]]);
  assert.deepEqual(decodeHex("83018202039f0405ff"), [1, [2, 3], [4, 5]]);
  assert.deepEqual(decodeHex("bf61610161629f0203ffff"), { a: 1, b: [2, 3] });
  assert.deepEqual(decodeHex("826161bf61626163ff"), ["a", { b: "c" }]);
  assert.deepEqual(decodeHex("bf6346756ef563416d7421ff"), { Fun: true, Amt: -2 });
  assert.deepEqual(decodeHex("bf0102ff"), new Map([[1, 2]]));
});

Deno.test("decode() reads typed arrays under RFC 8746 tags into fresh aligned buffers", () => {
  // A Float64Array payload at an odd offset of the input.
  const bytes = fromHex("82 00 d856 48 000000000000f03f");
  const [, xs] = decode(bytes) as [number, Float64Array];
  assert.ok(xs instanceof Float64Array);
  assert.deepEqual(xs, new Float64Array([1]));
  assert.equal(xs.byteOffset, 0);
  assert.equal(xs.buffer.byteLength, 8);
  assert.deepEqual(decodeHex("d840 42 0102"), new Uint8Array([1, 2])); // tag 64, uint8
  assert.deepEqual(decodeHex("d84d 5f 41fe 41ff ff"), new Int16Array([-2])); // chunked payload
});

Deno.test("decode() copies byte strings out of the input", () => {
  const input = fromHex("43010203");
  const out = decode(input) as Uint8Array;
  input[1] = 9;
  assert.deepEqual(out, new Uint8Array([1, 2, 3]));
  assert.equal(out.buffer.byteLength, 3);
});

Deno.test("decode() reads the self-describe tag 55799 as its content", () => {
  assert.deepEqual(decodeHex("d9d9f7 83010203"), [1, 2, 3]);
});

Deno.test("decode() keeps a __proto__ key as an own property", () => {
  const value = decodeHex("a1 69 5f5f70726f746f5f5f a1 61 78 01") as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ["__proto__"]);
  assert.equal((value as { x?: number }).x, undefined);
});

Deno.test("decode() throws DecodeError for truncated input", () => {
  assertMalformed("", 0, "unexpected end of input");
  assertMalformed("19 03", 2, "unexpected end of input");
  assertMalformed("fb 4009", 3, "unexpected end of input");
  assertMalformed("82 01", 0, "declared length 2 exceeds the 1 remaining byte");
  assertMalformed("82 01 19 03", 4, "unexpected end of input");
  assertMalformed("44 0102", 0, "declared length 4 exceeds the 2 remaining bytes");
  assertMalformed("9f 01", 2, "unexpected end of input");
  assertMalformed(
    "9b 00000001 00000000",
    0,
    "declared length 4294967296 exceeds the 0 remaining bytes",
  );
  assertMalformed(
    "5b ffffffff ffffffff",
    0,
    "declared length 18446744073709551615 exceeds the 0 remaining bytes",
  );
});

Deno.test("decode() throws DecodeError for trailing bytes", () => {
  assertMalformed("01 02", 1, "1 trailing byte after the value");
  assertMalformed("80 0000", 1, "2 trailing bytes after the value");
});

Deno.test("decode() throws DecodeError for reserved and misplaced initial bytes", () => {
  assertMalformed("1c", 0, "reserved additional information 28 in initial byte 0x1c");
  assertMalformed("81 fe", 1, "reserved additional information 30 in initial byte 0xfe");
  assertMalformed("ff", 0, "unexpected break");
  assertMalformed("1f", 0, "indefinite length is not allowed for major type 0");
  assertMalformed("df 00", 0, "indefinite length is not allowed for major type 6");
  assertMalformed("5f 61 61 ff", 1, "indefinite-length string chunk of the wrong type");
  assertMalformed("f8 18", 0, "simple value 24 in two bytes (reserved, RFC 8949 §3.3)");
  assertMalformed("81 f8 1f", 1, "simple value 31 in two bytes (reserved, RFC 8949 §3.3)");
});

Deno.test("decode() throws DecodeError for invalid UTF-8", () => {
  assertMalformed("62 c328", 0, "invalid UTF-8 in text string");
  assertMalformed("81 61 ff", 1, "invalid UTF-8 in text string");
  assertMalformed("7f 61 c3 ff", 0, "invalid UTF-8 in text string");
});

Deno.test("decode() throws DecodeError for known tags around the wrong content", () => {
  assertMalformed("c0 01", 1, "tag 0 must contain a date/time string");
  assertMalformed("c0 63 616263", 1, "tag 0 must contain a date/time string");
  assertMalformed("c1 61 61", 1, "tag 1 must contain a number");
  assertMalformed("c2 01", 1, "tag 2 must contain a byte string");
  assertMalformed("d9 0102 01", 3, "tag 258 must contain an array");
  assertMalformed("d9 0103 80", 3, "tag 259 must contain a map");
  assertMalformed("d8 56 43 000000", 0, "tag 86 payload of 3 bytes is not a multiple of 8");
  assertMalformed("d8 56 01", 2, "tag 86 must contain a byte string");
});

Deno.test("decode() throws TypeError for input that is not a Uint8Array", () => {
  assert.throws(() => decode([1] as unknown as Uint8Array), {
    name: "TypeError",
    message: "Cannot decode CBOR: expected a Uint8Array (got object)",
  });
});

Deno.test("decode() throws DecodeError for items nested deeper than 2048 levels", () => {
  const deep = new Uint8Array(5000).fill(0x81);
  assertMalformed(toHex(deep), 2048, "items nested deeper than 2048 levels");
  assertMalformed("9f".repeat(5000), 2048, "items nested deeper than 2048 levels");
});
