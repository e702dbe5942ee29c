// RFC 8949 Appendix A (examples) and Appendix F.1 (not well-formed items), from the
// fixtures in tests/codec/fixtures, which name their source.
import assert from "node:assert/strict";
import {
  canonicalEncode,
  decode,
  DecodeError,
  encode,
  SimpleValue,
  TaggedValue,
} from "../../lib/codec/mod.ts";
import { fromHex, toHex } from "./_hex.ts";

interface Vector {
  readonly hex: string;
  readonly roundtrip: boolean;
  readonly decoded?: unknown;
  readonly diagnostic?: string;
}

const read = <T>(name: string): T =>
  JSON.parse(Deno.readTextFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

const APPENDIX_A = read<{ vectors: Vector[] }>("rfc8949_appendix_a.json").vectors;
const APPENDIX_F = read<{ groups: { label: string; items: string[] }[] }>(
  "rfc8949_appendix_f.json",
).groups;

/** Values of the vectors given in diagnostic notation only. */
const DIAGNOSTIC: Record<string, unknown> = {
  "Infinity": Infinity,
  "NaN": NaN,
  "-Infinity": -Infinity,
  "undefined": undefined,
  "simple(16)": new SimpleValue(16),
  "simple(255)": new SimpleValue(255),
  '0("2013-03-21T20:04:00Z")': new Date("2013-03-21T20:04:00Z"),
  "1(1363896240)": new Date(1363896240_000),
  "1(1363896240.5)": new Date(1363896240_500),
  "23(h'01020304')": new TaggedValue(23, new Uint8Array([1, 2, 3, 4])),
  "24(h'6449455446')": new TaggedValue(24, new Uint8Array([0x64, 0x49, 0x45, 0x54, 0x46])),
  '32("http://www.example.com")': new TaggedValue(32, "http://www.example.com"),
  "h''": new Uint8Array(),
  "h'01020304'": new Uint8Array([1, 2, 3, 4]),
  "{1: 2, 3: 4}": new Map([[1, 2], [3, 4]]),
  "(_ h'0102', h'030405')": new Uint8Array([1, 2, 3, 4, 5]),
};

/**
 * RFC 7049's simple(24) example, not well-formed under RFC 8949 §3.3 (and listed in
 * Appendix F.1): rejected.
 */
const REJECTED = new Set(["f818"]);

/**
 * Vectors marked "roundtrip" whose value canonicalEncode writes differently, on purpose:
 * hex -> [what canonicalEncode writes, why].
 */
const CANONICAL_DIFFERS: Record<string, [string, string]> = {
  "f90000": [
    "00",
    "JavaScript numbers have no int/float distinction: integral values are integers",
  ],
  "f93c00": ["01", "integral number"],
  "f97bff": ["19ffe0", "integral number"],
  "fa47c35000": ["1a000186a0", "integral number"],
  "f9c400": ["23", "integral number"],
  "c11a514b67b0": ["c074323031332d30332d32315432303a30343a30305a", "dates in 0000..9999 are tag 0"],
  "c1fb41d452d9ec200000": [
    "c078183230" + "31332d30332d32315432303a30343a30302e3530305a",
    "dates in 0000..9999 are tag 0 (with milliseconds)",
  ],
  "a201020304": ["d90103a201020304", "a map with non-text keys decodes to a Map, tag 259"],
  "5f42010243030405ff": ["450102030405", "deterministic encoding uses definite lengths"],
  "7f657374726561646d696e67ff": ["6973747265616d696e67", "definite lengths"],
};

/** Vectors where encode (the stored form) differs from canonicalEncode, on purpose. */
const STORED_DIFFERS: Record<string, [string, string]> = {
  "1bffffffffffffffff": ["c248ffffffffffffffff", "encode keeps bigints as bignums"],
  "3bffffffffffffffff": ["c348ffffffffffffffff", "encode keeps bigints as bignums"],
};

function expected(v: Vector): unknown {
  if (v.diagnostic !== undefined) {
    assert.ok(v.diagnostic in DIAGNOSTIC, `no expected value for ${v.diagnostic}`);
    return DIAGNOSTIC[v.diagnostic];
  }
  const big = (x: unknown): unknown =>
    typeof x === "string" && x.startsWith("BIG:") ? BigInt(x.slice(4)) : x;
  return big(v.decoded);
}

Deno.test("decode() reads every RFC 8949 Appendix A example", () => {
  assert.equal(APPENDIX_A.length, 82);
  let decoded = 0;
  for (const v of APPENDIX_A) {
    if (REJECTED.has(v.hex)) {
      assert.throws(() => decode(fromHex(v.hex)), DecodeError, v.hex);
      continue;
    }
    assert.deepEqual(decode(fromHex(v.hex)), expected(v), v.hex);
    decoded++;
  }
  assert.equal(decoded, 81);
});

Deno.test("canonicalEncode() writes the Appendix A bytes for every round-trip example", () => {
  let same = 0;
  const differs: string[] = [];
  for (const v of APPENDIX_A) {
    if (!v.roundtrip || REJECTED.has(v.hex)) continue;
    const got = toHex(canonicalEncode(decode(fromHex(v.hex))));
    if (v.hex in CANONICAL_DIFFERS) {
      assert.equal(got, CANONICAL_DIFFERS[v.hex][0], v.hex);
      differs.push(v.hex);
    } else {
      assert.equal(got, v.hex);
      same++;
    }
  }
  assert.equal(same, 56);
  assert.deepEqual(differs.sort(), Object.keys(CANONICAL_DIFFERS).sort());
});

Deno.test("encode() writes the Appendix A bytes where it agrees with canonicalEncode", () => {
  let same = 0;
  for (const v of APPENDIX_A) {
    if (!v.roundtrip || REJECTED.has(v.hex)) continue;
    const value = decode(fromHex(v.hex));
    const want = STORED_DIFFERS[v.hex]?.[0] ?? toHex(canonicalEncode(value));
    assert.equal(toHex(encode(value)), want, v.hex);
    if (want === v.hex) same++;
  }
  assert.equal(same, 54);
});

Deno.test("decode() inverts encode() and canonicalEncode() for every Appendix A value", () => {
  let count = 0;
  for (const v of APPENDIX_A) {
    if (REJECTED.has(v.hex)) continue;
    const value = decode(fromHex(v.hex));
    assert.deepEqual(decode(encode(value)), value, v.hex);
    assert.deepEqual(decode(canonicalEncode(value)), value, v.hex);
    count++;
  }
  assert.equal(count, 81);
});

/** What each Appendix F.1 group is refused for, and where the offset must point. */
const REASONS: Record<
  string,
  { message: RegExp; at: (bytes: Uint8Array, offset: number) => boolean }
> = {
  "End of input in a head": { message: /unexpected end of input/, at: atEnd },
  "Definite-length strings with short data": {
    message: /declared length \d+ exceeds the \d+ remaining bytes?$/,
    at: (_, offset) => offset === 0,
  },
  "Definite-length maps and arrays not closed with enough items": {
    message: /unexpected end of input|declared length \d+ exceeds/,
    at: (bytes, offset) => offset === bytes.length || (bytes[offset] & 0xc0) === 0x80,
  },
  "Tag number not followed by tag content": { message: /unexpected end of input/, at: atEnd },
  'Indefinite-length strings not closed by a "break" stop code': {
    message: /unexpected end of input/,
    at: atEnd,
  },
  'Indefinite-length maps and arrays not closed by a "break" stop code': {
    message: /unexpected end of input/,
    at: atEnd,
  },
  "Subkind 1: Reserved additional information values": {
    message: /reserved additional information (28|29|30) in initial byte/,
    at: (bytes, offset) => [28, 29, 30].includes(bytes[offset] & 0x1f),
  },
  "Subkind 2: Reserved two-byte encodings of simple values": {
    message: /simple value \d+ in two bytes \(reserved, RFC 8949 §3\.3\)/,
    at: (bytes, offset) => bytes[offset] === 0xf8 && bytes[offset + 1] < 32,
  },
  "Subkind 3: Indefinite-length string chunks not of the correct type": {
    message: /indefinite-length string chunk of the wrong type/,
    at: (bytes, offset) => offset > 0 && bytes[offset] >> 5 !== bytes[0] >> 5,
  },
  "Subkind 3: Indefinite-length string chunks not definite length": {
    message: /indefinite-length string chunk of indefinite length/,
    at: (bytes, offset) => offset > 0 && (bytes[offset] & 0x1f) === 31,
  },
  "Subkind 4: Break occurring on its own outside of an indefinite-length item": {
    message: /unexpected break/,
    at: (bytes, offset) => bytes[offset] === 0xff,
  },
  // A map declaring more entries than bytes remain is refused before its break is read.
  "Subkind 4: Break occurring in a definite-length array or map or a tag": {
    message: /unexpected break|declared length \d+ exceeds/,
    at: (bytes, offset) => bytes[offset] === 0xff || (offset === 0 && bytes[0] >> 5 === 5),
  },
  "Subkind 4: Break in an indefinite-length map that would lead to an odd number of items (break in a value position)":
    { message: /unexpected break/, at: (bytes, offset) => bytes[offset] === 0xff },
  "Subkind 5: Major type 0, 1, 6 with additional information 31": {
    message: /indefinite length is not allowed for major type (0|1|6)/,
    at: (bytes, offset) => offset === 0 && (bytes[0] & 0x1f) === 31,
  },
};

function atEnd(bytes: Uint8Array, offset: number): boolean {
  return offset === bytes.length;
}

Deno.test("decode() rejects every RFC 8949 Appendix F.1 item with its reason and offset", () => {
  assert.equal(APPENDIX_F.length, 14);
  let rejected = 0;
  for (const group of APPENDIX_F) {
    const reason = REASONS[group.label];
    assert.ok(reason !== undefined, `no reason for ${group.label}`);
    for (const item of group.items) {
      const bytes = fromHex(item);
      assert.throws(() => decode(bytes), (e: unknown) => {
        assert.ok(e instanceof DecodeError, `${item}: ${e}`);
        assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= bytes.length);
        assert.ok(e.message.startsWith(`Cannot decode CBOR at byte ${e.offset}: `), e.message);
        assert.match(e.message, reason.message, item);
        assert.ok(reason.at(bytes, e.offset), `${item}: offset ${e.offset} (${e.message})`);
        return true;
      }, item);
      rejected++;
    }
  }
  assert.equal(rejected, 94);
});
