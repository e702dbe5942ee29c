import assert from "node:assert/strict";
import fc from "fast-check";
import {
  canonicalEncode,
  decode,
  encode,
  EncodeError,
  hashValue,
  sha256Hex,
} from "../../lib/codec/mod.ts";
import { toHex } from "./_hex.ts";
import { anyValue, codePoint } from "./_arbitraries.ts";

/** A copy of `value` with every object's keys, Map's entries and Set's elements reordered. */
function reorder(value: unknown, seed: number): unknown {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Map) return new Map(shuffle([...v].map(([k, x]) => [walk(k), walk(x)])));
    if (v instanceof Set) return new Set(shuffle([...v].map(walk)));
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const k of shuffle(Object.keys(v))) {
        Object.defineProperty(out, k, {
          value: walk((v as Record<string, unknown>)[k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return v;
  };
  return walk(value);
}

Deno.test("canonicalEncode() sorts object keys by length, then bytewise", () => {
  assert.equal(toHex(canonicalEncode({ b: 2, a: 1 })), "a2616101616202");
  assert.deepEqual(canonicalEncode({ b: 2, a: 1 }), canonicalEncode({ a: 1, b: 2 }));
  const keys = (x: object): string[] => Object.keys(decode(canonicalEncode(x)) as object);
  assert.deepEqual(keys({ aa: 1, b: 2, "": 3, ab: 4, z: 5 }), ["", "b", "z", "aa", "ab"]);
  // UTF-8 length counts: "é" is 2 bytes, so it sorts after every 1-byte key.
  assert.deepEqual(keys({ "\u00e9": 1, zz: 2, z: 3 }), ["z", "zz", "\u00e9"]);
  // Code point order, not UTF-16 order: U+FF61 (3 bytes) < U+10000 (4 bytes, a surrogate pair).
  assert.deepEqual(keys({ "\u{10000}": 1, "\uff61": 2 }), ["\uff61", "\u{10000}"]);
  assert.deepEqual(keys({ "a\u{10000}": 1, "a\uff61b": 2 }), ["a\uff61b", "a\u{10000}"]);
});

Deno.test("canonicalEncode() sorts Map keys and Set elements by their encoded bytes", () => {
  assert.equal(
    toHex(canonicalEncode(new Set([10, 2, -1, "a"]))),
    "d9010284" + "02" + "0a" + "20" + "6161",
  );
  assert.deepEqual(
    canonicalEncode(new Map<unknown, unknown>([["b", 1], [1, 2], [[0], 3]])),
    canonicalEncode(new Map<unknown, unknown>([[[0], 3], [1, 2], ["b", 1]])),
  );
  assert.equal(
    toHex(canonicalEncode(new Map<unknown, unknown>([["b", 1], [1, 2]]))),
    "d90103a2" + "0102" + "616201",
  );
});

Deno.test("canonicalEncode() differs from encode() only in order", () => {
  const value = { b: new Set([2, 1]), a: new Map([["y", 1], ["x", 2]]) };
  assert.equal(encode(value).length, canonicalEncode(value).length);
  assert.deepEqual(decode(canonicalEncode(value)), value);
});

Deno.test("canonicalEncode() is invariant under key, entry and element order (property)", () => {
  fc.assert(
    fc.property(anyValue, fc.integer(), (value, seed) => {
      const shuffled = reorder(value, seed);
      let bytes: Uint8Array;
      try {
        bytes = canonicalEncode(value);
      } catch (e) {
        // Keys or elements that encode alike (1 and 1n, two equal arrays in a Set).
        assert.ok(e instanceof EncodeError && e.reason === "duplicate", String(e));
        assert.throws(() => canonicalEncode(shuffled), { reason: "duplicate" });
        return;
      }
      assert.deepEqual(canonicalEncode(shuffled), bytes);
      assert.equal(hashValue(shuffled), hashValue(value));
      // The canonical form is a fixed point: decoding and encoding again changes nothing.
      assert.deepEqual(canonicalEncode(decode(bytes)), bytes);
    }),
    { numRuns: 200 },
  );
});

Deno.test("hashValue() is the sha256 of the canonical encoding (property)", () => {
  fc.assert(
    fc.property(anyValue, (value) => {
      let bytes: Uint8Array;
      try {
        bytes = canonicalEncode(value);
      } catch (e) {
        // Keys or elements that encode alike are refused by both, the same way.
        assert.ok(e instanceof EncodeError && e.reason === "duplicate", String(e));
        assert.throws(() => hashValue(value), { reason: "duplicate" });
        return;
      }
      assert.equal(hashValue(value), sha256Hex(bytes));
    }),
    { numRuns: 200 },
  );
});

const DISTINCT: unknown[] = [
  -0,
  0,
  NaN,
  null,
  undefined,
  1,
  2n ** 64n,
  "1",
  true,
  -1n,
  "",
  [],
  {},
  [undefined],
  { a: undefined },
  new Uint8Array([1]),
  new Int8Array([1]),
  new Uint8ClampedArray([1]),
  new Set([1]),
  [1],
  new Map(),
  new Set(),
  new Date(0),
  new Date(NaN),
  new Float32Array([1]),
  new Float64Array([1]),
  Infinity,
  -Infinity,
];

Deno.test('hashValue() distinguishes -0, 0, NaN, null, undefined, 1 and "1"', () => {
  const hashes = DISTINCT.map((v) => hashValue(v));
  assert.equal(new Set(hashes).size, DISTINCT.length);
});

Deno.test("hashValue() distinguishes those values wherever they sit in an argument (property)", () => {
  const slot = fc.constantFrom(...DISTINCT.keys());
  fc.assert(
    fc.property(
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
      fc.string(),
      slot,
      slot,
      (context, key, i, j) => {
        fc.pre(i !== j);
        const at = (v: unknown): unknown => ({ ...context, [key]: [v] });
        assert.notEqual(hashValue(at(DISTINCT[i])), hashValue(at(DISTINCT[j])));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("hashValue() hashes typed arrays by content, whatever their buffer or offset", () => {
  const a = new Float64Array([1.5, 2.5, 3.5]);
  const buffer = new ArrayBuffer(64);
  const b = new Float64Array(buffer, 16, 3);
  b.set([1.5, 2.5, 3.5]);
  assert.equal(hashValue({ x: a }), hashValue({ x: b }));
  assert.equal(hashValue(a), hashValue(a.slice()));
  assert.notEqual(hashValue(a), hashValue(new Float32Array([1.5, 2.5, 3.5])));
  assert.notEqual(hashValue(a), hashValue([1.5, 2.5, 3.5]));
  assert.notEqual(hashValue(new Uint8Array([1, 2])), hashValue(new Uint16Array([0x0201])));
});

Deno.test("hashValue() streams large typed arrays with the same result as hashing the bytes", () => {
  const big = new Float64Array(50_000).map((_, i) => Math.sin(i)); // 400 kB
  const offsetView = new Float64Array(new ArrayBuffer(big.byteLength + 24), 16, big.length);
  offsetView.set(big);
  const value = { before: "x", big, after: [offsetView, new Set([big.subarray(1)])] };
  const expected = sha256Hex(canonicalEncode(value));
  assert.equal(hashValue(value), expected);
  assert.equal(
    hashValue({ after: [offsetView, new Set([big.subarray(1)])], big, before: "x" }),
    expected,
  );
  const map = new Map<unknown, unknown>([[big, big], ["k", offsetView]]);
  assert.equal(hashValue(map), sha256Hex(canonicalEncode(map)));
});

Deno.test("hashValue() returns 64 lowercase hex digits", () => {
  assert.match(hashValue({ a: 1 }), /^[0-9a-f]{64}$/);
  assert.equal(hashValue(null), sha256Hex(new Uint8Array([0xf6])));
});

Deno.test("sha256Hex() matches the FIPS 180-2 test vector", () => {
  assert.equal(
    sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("canonicalEncode() writes object keys in the bytewise order of their encodings (property)", () => {
  const compare = (a: Uint8Array, b: Uint8Array): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  /** The encoded keys of a map whose values are all the 1-byte integer 0. */
  const encodedKeys = (bytes: Uint8Array): Uint8Array[] => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const arg = (at: number): [number, number] => {
      const ai = bytes[at] & 0x1f;
      if (ai < 24) return [ai, 1];
      if (ai === 24) return [bytes[at + 1], 2];
      if (ai === 25) return [view.getUint16(at + 1), 3];
      return [view.getUint32(at + 1), 5];
    };
    const [count, headSize] = arg(0);
    const keys: Uint8Array[] = [];
    let at = headSize;
    for (let i = 0; i < count; i++) {
      const [length, size] = arg(at);
      keys.push(bytes.subarray(at, at + size + length));
      at += size + length + 1; // skip the value 0x00
    }
    assert.equal(at, bytes.length);
    return keys;
  };
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ unit: codePoint, maxLength: 30 }), fc.constant(0)),
      (obj) => {
        const keys = encodedKeys(canonicalEncode(obj));
        assert.equal(keys.length, Object.keys(obj).length);
        for (let i = 1; i < keys.length; i++) assert.ok(compare(keys[i - 1], keys[i]) < 0);
      },
    ),
    { numRuns: 300 },
  );
});
