// Test helpers: Python's cbor2 (Debian python3-cbor2) as an independent CBOR
// implementation, run with `python3 -c`. Values cross the boundary in a neutral
// "description" form (see describe) so both sides can be compared exactly.

/** A value described as nested arrays: ["num", "1"], ["map", [[k, v], ...]], ... */
export type Desc = readonly unknown[];

/** The Python program: `decode` reads hex items from stdin, `encode` writes its corpus. */
const PROGRAM = String.raw`
import collections.abc, io, json, math, struct, sys
from datetime import datetime, timezone
import cbor2
import cbor2.decoder as pydecoder
import cbor2.types as pytypes

TAGS = (cbor2.CBORTag, pytypes.CBORTag)
SIMPLES = (cbor2.CBORSimpleValue, pytypes.CBORSimpleValue)

def num(x):
    if isinstance(x, int):
        return ["num", str(x)]
    if math.isnan(x):
        return ["num", "nan"]
    if math.isinf(x):
        return ["num", "inf" if x > 0 else "-inf"]
    if x == 0 and math.copysign(1, x) < 0:
        return ["num", "-0"]
    if x == int(x):
        return ["num", str(int(x))]
    return ["num", struct.pack(">d", x).hex()]

# RFC 8746 typed arrays: tag = 0b010_f_s_e_ll (f float, s signed, e little-endian).
def typed(tag, data):
    bits = tag - 64
    f, s, e, ll = (bits >> 4) & 1, (bits >> 3) & 1, (bits >> 2) & 1, bits & 3
    if f:
        code = "efd"[ll]
        size = 2 << ll
    else:
        code = "bhiq"[ll] if s else "BHIQ"[ll]
        size = 1 << ll
    order = "<" if e else ">"
    values = struct.unpack(order + code * (len(data) // size), data)
    return ["typed", tag, [num(v) for v in values]]

def desc(x):
    if isinstance(x, dict) and "__raw_date__" in x:
        return x["__raw_date__"]
    if x is None:
        return ["null"]
    if x is cbor2.undefined or x is pytypes.undefined:
        return ["undefined"]
    if isinstance(x, bool):
        return ["bool", x]
    if isinstance(x, SIMPLES):  # a namedtuple: before tuples
        return ["simple", x.value]
    if isinstance(x, (int, float)):
        return num(x)
    if isinstance(x, str):
        return ["str", x]
    if isinstance(x, (bytes, bytearray)):
        return ["bytes", bytes(x).hex()]
    if isinstance(x, (list, tuple)):
        return ["array", [desc(v) for v in x]]
    if isinstance(x, collections.abc.Mapping):
        return ["map", [[desc(k), desc(v)] for k, v in x.items()]]
    if isinstance(x, (set, frozenset)):
        return ["set", [desc(v) for v in x]]
    if isinstance(x, datetime):
        x = x.astimezone(timezone.utc)
        ms = "" if x.microsecond == 0 else ".%03d" % (x.microsecond // 1000)
        return ["date", "%04d-%02d-%02dT%02d:%02d:%02d%sZ" % (
            x.year, x.month, x.day, x.hour, x.minute, x.second, ms)]
    if isinstance(x, TAGS):
        if 64 <= x.tag <= 86 and isinstance(x.value, bytes):
            return typed(x.tag, x.value)
        return ["tag", x.tag, desc(x.value)]
    raise TypeError("cannot describe %r" % (x,))

# Python's datetime holds years 1..9999 only: the fallback decoder (cbor2's pure-Python
# one) reads tags 0 and 1 as their raw content instead.
def raw_tag0(self):
    return {"__raw_date__": ["tag0", self._decode()]}
def raw_tag1(self):
    return {"__raw_date__": ["epoch", num(self._decode())]}

def decode(hexes):
    out = []
    for h in hexes:
        data = bytes.fromhex(h)
        try:
            out.append({"value": desc(cbor2.loads(data))})
        except ValueError as e:
            saved = dict(pydecoder.semantic_decoders)
            pydecoder.semantic_decoders[0] = raw_tag0
            pydecoder.semantic_decoders[1] = raw_tag1
            try:
                value = pydecoder.CBORDecoder(io.BytesIO(data)).decode()
                out.append({"value": desc(value), "fallback": str(e)})
            finally:
                pydecoder.semantic_decoders.clear()
                pydecoder.semantic_decoders.update(saved)
    return out

def corpus():
    utc = timezone.utc
    T = cbor2.CBORTag
    return [
        ("int 0", 0), ("int 24", 24), ("int -1000", -1000), ("int 2^32", 2**32),
        ("int 2^64-1", 2**64 - 1), ("int -2^64", -2**64), ("bignum 2^64", 2**64),
        ("bignum -2^64-1", -2**64 - 1), ("bignum 2^100", 2**100),
        ("float16 1.5", 1.5), ("float16 5.960464477539063e-08", 5.960464477539063e-08),
        ("float16 -0.0", -0.0), ("float16 inf", math.inf), ("float16 -inf", -math.inf),
        ("float16 nan", math.nan), ("float32 100000.5", 100000.5),
        ("float32 3.4028234663852886e38", 3.4028234663852886e38), ("float64 1.1", 1.1),
        ("float64 -4.1", -4.1), ("float64 1e300", 1e300), ("float 1.0", 1.0),
        ("float 2^60", float(2**60)),
        ("text", "a\u00fc\u6c34\U00010151"), ("text empty", ""), ("bytes", b"\x01\x02\xff"),
        ("array nested", [1, [2, 3], [], [[None]]]), ("array 30", list(range(30))),
        ("map text keys", {"b": 1, "a": 2, "aa": 3, "\u00e9": 4, "": [True, False]}),
        ("map nested", {"z": {"y": [1.5, None, True]}, "a": b"\x00"}),
        ("map int keys", {1: 2, 3: 4}),
        ("tag 259 map", T(259, {1: "a", "b": 2})),
        ("set small ints", {3, 1, 2, 1000}), ("set text", {"b", "a", "cc"}),
        ("set mixed signs", {1000, -5}),
        ("datetime", datetime(2013, 3, 21, 20, 4, 0, tzinfo=utc)),
        ("datetime ms", datetime(2013, 3, 21, 20, 4, 0, 500000, tzinfo=utc)),
        ("datetime year 1", datetime(1, 1, 1, tzinfo=utc)),
        ("typed uint16 LE", T(69, struct.pack("<3H", 1, 2, 65535))),
        ("typed uint32 LE", T(70, struct.pack("<2I", 7, 2**32 - 1))),
        ("typed uint64 LE", T(71, struct.pack("<2Q", 1, 2**64 - 1))),
        ("typed sint8", T(72, struct.pack("<3b", -128, 0, 127))),
        ("typed sint16 LE", T(77, struct.pack("<2h", -2, 300))),
        ("typed sint32 LE", T(78, struct.pack("<2i", -70000, 70000))),
        ("typed sint64 LE", T(79, struct.pack("<2q", -2**63, 2**63 - 1))),
        ("typed float16 LE", T(84, struct.pack("<2e", 1.5, -0.0))),
        ("typed float32 LE", T(85, struct.pack("<2f", 1.5, -2.25))),
        ("typed float64 LE", T(86, struct.pack("<2d", 1.1, math.inf))),
        ("typed uint8 clamped", T(68, bytes([0, 255]))),
        ("tag 32", T(32, "http://www.example.com")),
        ("simple 16", cbor2.CBORSimpleValue(16)), ("simple 255", cbor2.CBORSimpleValue(255)),
        ("undefined", cbor2.undefined), ("null", None), ("true", True), ("false", False),
    ]

def encode():
    return [
        {"name": name, "hex": cbor2.dumps(v, canonical=True).hex(), "value": desc(v)}
        for name, v in corpus()
    ]

mode = sys.argv[1]
if mode == "decode":
    print(json.dumps(decode(json.load(sys.stdin))))
else:
    print(json.dumps(encode()))
`;

/**
 * The Python executable that imports cbor2, or undefined: DROVER_TEST_PYTHON if set,
 * else `python3` on the PATH, else /usr/bin/python3 (Debian's python3-cbor2 installs
 * there, which a pyenv python3 on the PATH does not see).
 */
export async function findCbor2Python(): Promise<string | undefined> {
  const chosen = Deno.env.get("DROVER_TEST_PYTHON");
  const candidates = chosen ? [chosen] : ["python3", "/usr/bin/python3"];
  for (const python of candidates) {
    try {
      const { success } = await new Deno.Command(python, {
        args: ["-c", "import cbor2"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return python;
    } catch {
      // not installed
    }
  }
  return undefined;
}

/** Runs the Python program in `mode` with `input` on stdin and parses its JSON output. */
export async function runCbor2(
  python: string,
  mode: "decode" | "encode",
  input = "",
): Promise<unknown> {
  const child = new Deno.Command(python, {
    args: ["-c", PROGRAM, mode],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  if (!success) throw new Error(`cbor2 ${mode} failed: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

const TYPED_TAGS: ReadonlyArray<readonly [string, number]> = [
  ["Uint8ClampedArray", 68],
  ["Uint16Array", 69],
  ["Uint32Array", 70],
  ["BigUint64Array", 71],
  ["Int8Array", 72],
  ["Int16Array", 77],
  ["Int32Array", 78],
  ["BigInt64Array", 79],
  ["Float16Array", 84],
  ["Float32Array", 85],
  ["Float64Array", 86],
];

const TAG0_MIN = Date.parse("0000-01-01T00:00:00.000Z");
const PY_MIN = Date.parse("0001-01-01T00:00:00.000Z");
const TAG0_MAX = Date.parse("9999-12-31T23:59:59.999Z");

function num(x: number | bigint): Desc {
  if (typeof x === "bigint") return ["num", x.toString()];
  if (Number.isNaN(x)) return ["num", "nan"];
  if (x === Infinity) return ["num", "inf"];
  if (x === -Infinity) return ["num", "-inf"];
  if (Object.is(x, -0)) return ["num", "-0"];
  if (Number.isInteger(x)) return ["num", BigInt(x).toString()];
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return [
    "num",
    Array.from(new Uint8Array(view.buffer), (b) => b.toString(16).padStart(2, "0")).join(""),
  ];
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * What cbor2 should see for a value drover encodes: the description the Python
 * program gives of what cbor2 decodes. Dates cbor2 cannot hold as a Python datetime
 * (outside years 1..9999, invalid) are described by their raw tag content.
 */
export function describe(v: unknown): Desc {
  switch (typeof v) {
    case "number":
    case "bigint":
      return num(v);
    case "string":
      return ["str", v];
    case "boolean":
      return ["bool", v];
    case "undefined":
      return ["undefined"];
  }
  if (v === null) return ["null"];
  if (Array.isArray(v)) return ["array", v.map(describe)];
  if (v instanceof Uint8Array) return ["bytes", hex(v)];
  if (ArrayBuffer.isView(v)) {
    const tag = TYPED_TAGS.find(([name]) => v.constructor.name === name)?.[1];
    if (tag === undefined) throw new TypeError(`no RFC 8746 tag for ${v.constructor.name}`);
    return ["typed", tag, Array.from(v as unknown as ArrayLike<number | bigint>, num)];
  }
  if (v instanceof Map) {
    return ["tag", 259, ["map", [...v].map(([k, x]) => [describe(k), describe(x)])]];
  }
  if (v instanceof Set) return ["set", [...v].map(describe)];
  if (v instanceof Date) {
    const t = v.getTime();
    if (Number.isNaN(t)) return ["epoch", ["num", "nan"]];
    if (t >= PY_MIN && t <= TAG0_MAX) {
      const iso = v.toISOString();
      return ["date", t % 1000 === 0 ? iso.slice(0, 19) + "Z" : iso];
    }
    if (t >= TAG0_MIN && t < PY_MIN) return ["tag0", v.toISOString().slice(0, 19) + "Z"];
    return ["epoch", num(t / 1000)];
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    return ["map", Object.entries(v as object).map(([k, x]) => [["str", k], describe(x)])];
  }
  const tagged = v as { tag?: number; value?: unknown };
  if (proto.constructor.name === "TaggedValue") return ["tag", tagged.tag, describe(tagged.value)];
  if (proto.constructor.name === "SimpleValue") return ["simple", tagged.value];
  throw new TypeError(`cannot describe ${proto.constructor.name}`);
}

/** Sorts map entries and set elements so that descriptions compare regardless of order. */
export function normalize(d: Desc): Desc {
  const key = (x: unknown): string => JSON.stringify(x);
  const byKey = (a: unknown, b: unknown): number => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  switch (d[0]) {
    case "array":
      return ["array", (d[1] as Desc[]).map(normalize)];
    case "set":
      return ["set", (d[1] as Desc[]).map(normalize).sort(byKey)];
    case "map":
      return [
        "map",
        (d[1] as [Desc, Desc][]).map(([k, v]) => [normalize(k), normalize(v)]).sort(byKey),
      ];
    case "tag":
      return ["tag", d[1], normalize(d[2] as Desc)];
    case "epoch":
      return d;
    default:
      return d;
  }
}
