import assert from "node:assert/strict";
import { preview, TaggedValue } from "../../lib/codec/mod.ts";

Deno.test("preview() renders primitives readably", () => {
  const cases: [unknown, string][] = [
    [null, "null"],
    [undefined, "undefined"],
    [true, "true"],
    [1.5, "1.5"],
    [-0, "-0"],
    [NaN, "NaN"],
    [-Infinity, "-Infinity"],
    [12n, "12n"],
    ["a\nb", '"a\\nb"'],
    [Symbol("s"), "Symbol(s)"],
    [function named(): void {}, "[Function named]"],
    [class Foo {}, "[class Foo]"],
  ];
  for (const [value, text] of cases) assert.equal(preview(value), text);
});

Deno.test("preview() renders containers, dates and typed arrays on one line", () => {
  assert.equal(
    preview({ a: [1, "x", undefined], "odd key": {}, b: null }),
    '{a: [1, "x", undefined], "odd key": {}, b: null}',
  );
  assert.equal(
    preview(new Map<unknown, unknown>([["k", 1], [2, [3]]])),
    'Map(2) {"k" => 1, 2 => [3]}',
  );
  assert.equal(preview(new Set([1, "a"])), 'Set(2) {1, "a"}');
  assert.equal(preview(new Date("2024-01-01T00:00:00Z")), "Date(2024-01-01T00:00:00.000Z)");
  assert.equal(preview(new Date(NaN)), "Date(Invalid)");
  assert.equal(preview(new Float64Array([1, 2, 3])), "Float64Array(3) [1, 2, 3]");
  assert.equal(preview(new BigInt64Array([1n])), "BigInt64Array(1) [1n]");
  assert.equal(preview(new Uint8Array()), "Uint8Array(0) []");
  // deno-lint-ignore no-sparse-arrays
  assert.equal(preview([1, , 3]), "[1, <empty>, 3]");
  assert.equal(preview(new TaggedValue(32, "u")), 'TaggedValue {tag: 32, value: "u"}');
  assert.equal(preview(new ArrayBuffer(8)), "ArrayBuffer(8)");
  assert.equal(preview(new RangeError("bad")), 'RangeError: "bad"');
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  assert.equal(preview([new Point(1, 2)]), "[Point {x: 1, y: 2}]");
  assert.equal(preview(Object.create(null)), "{}");
});

Deno.test("preview() truncates to maxChars with an ellipsis", () => {
  const long = preview(new Float64Array(1_000_000));
  assert.equal(long.length, 200);
  assert.ok(long.startsWith("Float64Array(1000000) [0, 0, "));
  assert.ok(long.endsWith("…"));
  assert.equal(preview("x".repeat(10_000), 10), '"xxxxxxxx…');
  assert.equal(preview({ a: 1 }, 8), "{a: 1}");
  assert.equal(preview({ abc: 1 }, 8), "{abc: 1}");
  assert.equal(preview({ abcd: 1 }, 8), "{abcd: …");
  assert.equal(preview([1, 2], 1), "…");
});

Deno.test("preview() does not cut a surrogate pair in half", () => {
  assert.equal(preview("\u{1f600}\u{1f600}", 4), '"\u{1f600}…');
});

Deno.test("preview() marks cycles instead of recursing", () => {
  const a: unknown[] = [1];
  a.push(a);
  assert.equal(preview(a), "[1, [Circular]]");
  const shared = { x: 1 };
  assert.equal(preview([shared, shared]), "[{x: 1}, {x: 1}]");
});

Deno.test("preview() throws RangeError for a maxChars that is not a positive integer", () => {
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(() => preview(1, bad), {
      name: "RangeError",
      message: `Cannot preview value: maxChars must be a positive integer (got ${bad})`,
    });
  }
});
