// drover's codec against an independent CBOR implementation: Python's cbor2 (Debian
// python3-cbor2). drover encodes, cbor2 decodes; cbor2 encodes (canonical=True),
// drover decodes and re-encodes with canonicalEncode. With CI=true a missing cbor2
// fails the test; elsewhere the test is skipped with a warning.
import assert from "node:assert/strict";
import { canonicalEncode, decode, encode, SimpleValue, TaggedValue } from "../../lib/codec/mod.ts";
import { toHex } from "./_hex.ts";
import { type Desc, describe, findCbor2Python, normalize, runCbor2 } from "./_cbor2.ts";

const PYTHON = await findCbor2Python();
const IN_CI = Deno.env.get("CI") === "true";
if (PYTHON === undefined && !IN_CI) {
  console.warn(
    "cbor2_test.ts: skipped, Python's cbor2 is missing (apt-get install -y python3-cbor2)",
  );
}

function requirePython(): string {
  if (PYTHON === undefined) {
    assert.fail("Python's cbor2 is missing under CI=true: apt-get install -y python3-cbor2");
  }
  return PYTHON;
}

const TWO_64 = 1n << 64n;

/** Values drover encodes for cbor2 to read. */
const DROVER_CORPUS: ReadonlyArray<readonly [string, unknown]> = [
  ["ints", [0, 23, 24, -1, -25, 65535, 2 ** 32, Number.MAX_SAFE_INTEGER, -(2 ** 53) + 1]],
  ["integral numbers beyond 2^53", [2 ** 53, 2 ** 60, -(2 ** 63), 2 ** 64, -(2 ** 64), 1e300]],
  ["bigints", [0n, 1n, -1n, TWO_64 - 1n, -TWO_64, TWO_64, -TWO_64 - 1n, 2n ** 100n]],
  ["floats binary16", [1.5, -0, 5.960464477539063e-8, 65504.5 - 0.5 + 0.25, Infinity, -Infinity]],
  ["float NaN", NaN],
  ["floats binary32", [100000.5, 3.4028234663852886e38, 1 / 1024 + 2 ** -20]],
  ["floats binary64", [1.1, -4.1, 0.1, Number.MIN_VALUE, Number.MAX_VALUE]],
  ["strings", ["", "a", "\u00fc\u6c34\u{10151}", "x".repeat(300)]],
  ["bytes", new Uint8Array([0, 1, 255])],
  ["typed arrays", [
    new Uint8ClampedArray([0, 255]),
    new Uint16Array([1, 65535]),
    new Uint32Array([7, 2 ** 32 - 1]),
    new BigUint64Array([1n, TWO_64 - 1n]),
    new Int8Array([-128, 127]),
    new Int16Array([-2, 300]),
    new Int32Array([-70000, 70000]),
    new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
    new Float16Array([1.5, -0]),
    new Float32Array([1.5, -2.25, NaN]),
    new Float64Array([1.1, Infinity, -0]),
  ]],
  [
    "Map mixed keys",
    new Map<unknown, unknown>([[1, "int"], ["a", [1]], [[1, 2], "array"], [2.5, null]]),
  ],
  ["Set ints", new Set([3, 1, 2, 1000, -5])],
  ["Set texts and arrays", new Set<unknown>(["b", "a", [1, 2]])],
  ["dates", [new Date("2013-03-21T20:04:00Z"), new Date("2013-03-21T20:04:00.5Z")]],
  ["date year 1", new Date("0001-01-01T00:00:00Z")],
  ["date year 0000", new Date("0000-06-01T00:00:00Z")],
  ["date year -1", new Date("-000001-06-01T12:00:00.250Z")],
  ["date year 10000", new Date("+010000-01-01T00:00:00Z")],
  ["date max", new Date(8.64e15)],
  ["date invalid", new Date(NaN)],
  ["nested", {
    structure: { cell: [[5.43, 0, 0], [0, 5.43, 0], [0, 0, 5.43]], species: ["Si", "Si"] },
    kpoints: new Int32Array([4, 4, 4]),
    ecut: 500.5,
    seed: 12345678901234567890n,
    flags: new Set(["a"]),
    index: new Map([["k", { deep: [new Float64Array([0.25])] }]]),
  }],
  ["tags and simple values", [
    new TaggedValue(32, "http://www.example.com"),
    new TaggedValue(27, ["example.Point", [1, 2]]),
    new SimpleValue(16),
    new SimpleValue(255),
    undefined,
    null,
    true,
    false,
  ]],
];

/** Cases cbor2 reads but cannot hold as a Python datetime (years outside 1..9999, NaN). */
const PYTHON_DATE_LIMIT = new Set([
  "date year 0000",
  "date year -1",
  "date year 10000",
  "date max",
  "date invalid",
]);

Deno.test({
  name: "cbor2 decodes what encode() and canonicalEncode() write to the same values",
  ignore: PYTHON === undefined && !IN_CI,
  fn: async () => {
    const python = requirePython();
    const hexes = DROVER_CORPUS.flatMap(([, v]) => [toHex(encode(v)), toHex(canonicalEncode(v))]);
    const got = await runCbor2(python, "decode", JSON.stringify(hexes)) as {
      value: Desc;
      fallback?: string;
    }[];
    assert.equal(got.length, 2 * DROVER_CORPUS.length);
    let agreed = 0;
    for (const [i, [name, value]] of DROVER_CORPUS.entries()) {
      for (const [j, form] of ["encode", "canonicalEncode"].entries()) {
        const out = got[2 * i + j];
        const where = `${name} (${form}: ${hexes[2 * i + j]})`;
        assert.deepEqual(normalize(out.value), normalize(describe(value)), where);
        assert.equal(out.fallback !== undefined, PYTHON_DATE_LIMIT.has(name), where);
        agreed++;
      }
    }
    assert.equal(agreed, 44);
  },
});

/**
 * cbor2 corpus items (canonical=True) that canonicalEncode writes differently, on
 * purpose: name -> why.
 */
const BYTES_DIFFER: Record<string, string> = {
  "float 1.0": "JavaScript numbers have no int/float distinction: integral values are integers",
  "float 2^60": "integral value within 64 bits: an integer",
  "map int keys": "a map with non-text keys decodes to a Map, written as tag 259",
  "set mixed signs":
    "cbor2 5.4 sorts length-first (RFC 7049 canonical); RFC 8949 §4.2.1 sorts bytewise",
  "datetime ms": "cbor2 writes 6 fraction digits; drover dates hold milliseconds",
};

/** cbor2 values drover decodes to a different (equivalent) data-model value: name -> why. */
const VALUE_DIFFERS: Record<string, string> = {
  "map int keys": "a map with non-text keys decodes to a Map (described as tag 259)",
};

Deno.test({
  name: "decode() reads cbor2's canonical output, and canonicalEncode() writes the same bytes",
  ignore: PYTHON === undefined && !IN_CI,
  fn: async () => {
    const python = requirePython();
    const corpus = await runCbor2(python, "encode") as { name: string; hex: string; value: Desc }[];
    assert.equal(corpus.length, 55);
    let decoded = 0;
    let sameBytes = 0;
    const differs: string[] = [];
    for (const { name, hex, value } of corpus) {
      const back = decode(Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16)));
      const expected = name in VALUE_DIFFERS ? ["tag", 259, value] : value;
      assert.deepEqual(normalize(describe(back)), normalize(expected), `${name}: ${hex}`);
      decoded++;
      const ours = toHex(canonicalEncode(back));
      if (name in BYTES_DIFFER) {
        assert.notEqual(ours, hex, name);
        differs.push(name);
      } else {
        assert.equal(ours, hex, name);
        sameBytes++;
      }
    }
    assert.equal(decoded, 55);
    assert.equal(sameBytes, 50);
    assert.deepEqual(differs.sort(), Object.keys(BYTES_DIFFER).sort());
  },
});
