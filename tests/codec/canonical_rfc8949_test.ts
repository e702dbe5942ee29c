// RFC 8949 §4.2.1 core deterministic encoding of canonicalEncode, checked against
// independent oracles (the platform's Float16Array and Math.fround, BigInt arithmetic).
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  canonicalEncode,
  decode,
  encode,
  EncodeError,
  hashValue,
  SimpleValue,
} from "../../lib/codec/mod.ts";
import { toHex } from "./_hex.ts";

const f16round = (Math as unknown as { f16round(x: number): number }).f16round;
const F16 = (globalThis as unknown as {
  Float16Array: new (buffer: ArrayBuffer) => ArrayLike<number>;
}).Float16Array;

/** The CBOR integer encoding of n (-2^64 <= n < 2^64) computed with BigInt only. */
function intHex(n: bigint): string {
  const major = n < 0n ? 1 : 0;
  const arg = n < 0n ? -1n - n : n;
  const sizes: [bigint, number, number][] = [[24n, 0, -1], [256n, 1, 24], [65536n, 2, 25], [
    1n << 32n,
    4,
    26,
  ], [1n << 64n, 8, 27]];
  for (const [limit, bytes, ai] of sizes) {
    if (arg < limit) {
      if (ai < 0) return ((major << 5) | Number(arg)).toString(16).padStart(2, "0");
      return ((major << 5) | ai).toString(16).padStart(2, "0") +
        arg.toString(16).padStart(2 * bytes, "0");
    }
  }
  throw new RangeError(`${n} does not fit 64 bits`);
}

Deno.test("canonicalEncode() writes every binary16 value as binary16 or, if integral, an integer", () => {
  let halves = 0;
  let ints = 0;
  for (let h = 0; h < 0x10000; h++) {
    const v = new F16(new Uint16Array([h]).buffer)[0];
    const hex = toHex(canonicalEncode(v));
    if (Number.isNaN(v)) {
      assert.equal(hex, "f97e00");
    } else if (Number.isInteger(v) && !Object.is(v, -0)) {
      assert.equal(hex, intHex(BigInt(v)), `0x${h.toString(16)}`);
      ints++;
    } else {
      assert.equal(hex, "f9" + h.toString(16).padStart(4, "0"), `0x${h.toString(16)}`);
      halves++;
    }
  }
  assert.deepEqual([halves, ints], [49155, 14335]); // and 2046 NaN patterns
});

Deno.test("canonicalEncode() writes each float in the shortest width that keeps it (property)", () => {
  fc.assert(
    fc.property(fc.oneof(fc.double(), fc.float().map(Number)), (v) => {
      const bytes = canonicalEncode(v);
      assert.ok(Object.is(decode(bytes), v) || Object.is(decode(bytes), BigInt(v)));
      if (Number.isInteger(v) && !Object.is(v, -0) && Math.abs(v) <= 2 ** 64) {
        if (v !== 2 ** 64) return assert.equal(toHex(bytes), intHex(BigInt(v)));
      }
      const width = { 0xf9: 16, 0xfa: 32, 0xfb: 64 }[bytes[0]];
      assert.ok(width !== undefined, `${v} encoded as ${toHex(bytes)}`);
      if (Number.isNaN(v)) return assert.equal(toHex(bytes), "f97e00");
      assert.equal(width === 16, f16round(v) === v, `${v} as binary${width}`);
      assert.equal(width <= 32, Math.fround(v) === v, `${v} as binary${width}`);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("canonicalEncode() writes integers in -2^64..2^64-1 as major types 0/1, numbers and bigints alike", () => {
  const edges = [0n, 23n, 24n, 255n, 256n, 65535n, 65536n, (1n << 32n) - 1n, 1n << 32n];
  const all = [...edges, ...edges.map((n) => -1n - n), (1n << 53n) - 1n, 1n << 53n, 1n << 63n];
  all.push((1n << 64n) - 1n, -(1n << 64n), -(1n << 63n), 12345678901234567890n);
  for (const n of all) {
    assert.equal(toHex(canonicalEncode(n)), intHex(n), `${n}n`);
    const asNumber = Number(n);
    if (BigInt(asNumber) === n) {
      assert.equal(toHex(canonicalEncode(asNumber)), intHex(n), `${n}`);
      assert.equal(hashValue(asNumber), hashValue(n));
    }
  }
  assert.equal(toHex(canonicalEncode(-(2 ** 64))), "3bffffffffffffffff");
  assert.equal(toHex(canonicalEncode(2 ** 64)), "fa5f800000"); // beyond 64 bits: a float
  fc.assert(
    fc.property(fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }), (n) => {
      assert.equal(toHex(canonicalEncode(n)), intHex(n));
      const back = decode(canonicalEncode(n));
      assert.equal(back, Number.isSafeInteger(Number(n)) ? Number(n) : n);
    }),
    { numRuns: 500 },
  );
});

Deno.test("canonicalEncode() writes bigints beyond 64 bits as bignums without leading zeros", () => {
  assert.equal(toHex(canonicalEncode(1n << 64n)), "c249010000000000000000");
  assert.equal(toHex(canonicalEncode(-(1n << 64n) - 1n)), "c349010000000000000000");
  assert.equal(toHex(canonicalEncode(1n << 72n)), "c24a01000000000000000000");
  fc.assert(
    fc.property(fc.bigInt({ min: 1n << 64n, max: 1n << 300n }), fc.boolean(), (n, negative) => {
      const value = negative ? -1n - n : n;
      const bytes = canonicalEncode(value);
      assert.equal(bytes[0], negative ? 0xc3 : 0xc2);
      const content = decode(bytes.subarray(1)) as Uint8Array;
      assert.ok(content instanceof Uint8Array && content.length > 8 && content[0] !== 0);
      assert.equal(decode(bytes), value);
    }),
    { numRuns: 300 },
  );
});

Deno.test("encode() and canonicalEncode() write dates outside years 0000..9999 as tag 1 epoch seconds", () => {
  const tag0Min = Date.parse("0000-01-01T00:00:00.000Z");
  const tag0Max = Date.parse("9999-12-31T23:59:59.999Z");
  fc.assert(
    fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (t) => {
      const date = new Date(t);
      for (const bytes of [encode(date), canonicalEncode(date)]) {
        assert.equal(bytes[0], t >= tag0Min && t <= tag0Max ? 0xc0 : 0xc1, `${t}`);
        assert.equal((decode(bytes) as Date).getTime(), t, `${t}: ${toHex(bytes)}`);
        if (bytes[0] === 0xc1) {
          const seconds = decode(bytes.subarray(1)) as number;
          assert.equal(typeof seconds, "number");
          assert.ok(Math.abs(seconds * 1000 - t) <= 2, `${t}: ${seconds}`);
        }
      }
    }),
    { numRuns: 1000, examples: [[tag0Min], [tag0Min - 1], [tag0Max], [tag0Max + 1], [-8.64e15]] },
  );
});

Deno.test("canonicalEncode() writes tag 0 dates without a zero fraction", () => {
  const text = (v: unknown): string => new TextDecoder().decode(canonicalEncode(v).subarray(2));
  assert.equal(text(new Date("2013-03-21T20:04:00Z")), "2013-03-21T20:04:00Z");
  assert.equal(text(new Date("2013-03-21T20:04:00.120Z")).slice(1), "2013-03-21T20:04:00.120Z");
  assert.equal(toHex(canonicalEncode(new Date(NaN))), "c1f97e00");
});

Deno.test("canonicalEncode() refuses Map keys and Set elements that encode alike", () => {
  assert.throws(
    () =>
      canonicalEncode({ m: new Map<unknown, unknown>([[1, "a"], [1n, "b"]]) }, { root: "args" }),
    {
      name: "EncodeError",
      reason: "duplicate",
      message:
        "Cannot encode args.m: Map keys 1 and 1n have the same deterministic encoding (RFC 8949 §5.6 forbids duplicate keys)",
    },
  );
  assert.throws(() => hashValue(new Set([[1, 2], [1, 2]])), EncodeError);
  assert.throws(() => hashValue(new Map([[{ a: 1 }, 1], [{ a: 1 }, 2]])), { reason: "duplicate" });
  // encode keeps them (the stored form is not deterministic), and so do the legacy rules.
  assert.deepEqual(decode(encode(new Set([[1, 2], [1, 2]]))), new Set([[1, 2], [1, 2]]));
  assert.match(hashValue(new Set([1, 1n]), { rules: "drover-v1" }), /^[0-9a-f]{64}$/);
});

Deno.test("canonicalEncode() writes SimpleValue as its simple value", () => {
  assert.equal(toHex(canonicalEncode([new SimpleValue(0), new SimpleValue(19)])), "82e0f3");
  assert.equal(toHex(canonicalEncode(new SimpleValue(32))), "f820");
  assert.deepEqual(decode(canonicalEncode(new SimpleValue(200))), new SimpleValue(200));
});

Deno.test("canonicalEncode() and hashValue() throw TypeError for unknown rules", () => {
  const bad = { rules: "rfc7049" } as unknown as { rules: "rfc8949" };
  assert.throws(() => canonicalEncode(1, bad), {
    name: "TypeError",
    message: 'Cannot encode value: options.rules must be "rfc8949" or "drover-v1" (got "rfc7049")',
  });
  assert.throws(() => hashValue(1, bad), TypeError);
});
