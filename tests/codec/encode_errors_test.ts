import assert from "node:assert/strict";
import {
  canonicalEncode,
  encode,
  EncodeError,
  type EncodeErrorReason,
  hashValue,
} from "../../lib/codec/mod.ts";

/** Asserts that `f` throws an EncodeError with this path, reason and message. */
function assertRefused(
  f: () => unknown,
  path: string,
  reason: EncodeErrorReason,
  message: string,
): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof EncodeError, `expected EncodeError, got ${e}`);
    assert.ok(e instanceof TypeError);
    assert.equal(e.name, "EncodeError");
    assert.equal(e.path, path);
    assert.equal(e.reason, reason);
    assert.equal(e.message, message);
    return true;
  });
}

Deno.test("encode() rejects a function nested in an array with its path", () => {
  const args = { structure: { cell: [1, 2, () => 3] } };
  assertRefused(
    () => encode(args, { root: "args" }),
    "args.structure.cell[2]",
    "function",
    "Cannot encode args.structure.cell[2]: functions cannot be encoded",
  );
});

Deno.test("encode() names the root 'value' by default", () => {
  assertRefused(
    () => encode(Math.max),
    "value",
    "function",
    "Cannot encode value: functions cannot be encoded",
  );
});

Deno.test("encode() rejects a symbol with its path", () => {
  assertRefused(
    () => encode({ "odd key": [Symbol("s")] }, { root: "args" }),
    'args["odd key"][0]',
    "symbol",
    'Cannot encode args["odd key"][0]: symbols cannot be encoded',
  );
});

Deno.test("encode() quotes keys that are not identifiers in paths", () => {
  assertRefused(
    () => encode({ a1: { "2x": { $ok_: { "": { "\n": () => 0 } } } } }),
    'value.a1["2x"].$ok_[""]["\\n"]',
    "function",
    'Cannot encode value.a1["2x"].$ok_[""]["\\n"]: functions cannot be encoded',
  );
});

Deno.test("encode() rejects an instance of a class without a declared encoding, naming the class", () => {
  class Atoms {
    positions = [0, 0, 0];
  }
  assertRefused(
    () => encode({ structure: new Atoms() }, { root: "args" }),
    "args.structure",
    "class",
    "Cannot encode args.structure: instance of class Atoms has no declared encoding (see defineEncoding)",
  );
});

Deno.test("encode() rejects an instance of an anonymous class", () => {
  const instance = new (class {})();
  Object.defineProperty(Object.getPrototypeOf(instance).constructor, "name", { value: "" });
  assertRefused(
    () => encode([instance]),
    "value[0]",
    "class",
    "Cannot encode value[0]: instance of an anonymous class has no declared encoding (see defineEncoding)",
  );
});

Deno.test("encode() rejects subclasses of arrays, maps and typed arrays as classes", () => {
  class Row extends Array<number> {}
  class Index extends Map<string, number> {}
  class Samples extends Float64Array {}
  for (
    const [value, name] of [[new Row(), "Row"], [new Index(), "Index"], [
      new Samples(1),
      "Samples",
    ]] as const
  ) {
    assertRefused(
      () => encode({ x: value }),
      "value.x",
      "class",
      `Cannot encode value.x: instance of class ${name} has no declared encoding (see defineEncoding)`,
    );
  }
});

Deno.test("encode() rejects unsupported built-in objects", () => {
  const cases: [unknown, string][] = [
    [new ArrayBuffer(4), "ArrayBuffer objects cannot be encoded (wrap the bytes in a Uint8Array)"],
    [
      new DataView(new ArrayBuffer(4)),
      "DataView objects cannot be encoded (wrap the bytes in a Uint8Array)",
    ],
    [new WeakMap(), "WeakMap objects cannot be encoded"],
    [new WeakSet(), "WeakSet objects cannot be encoded"],
    [Promise.resolve(1), "Promise objects cannot be encoded"],
    [/re/, "RegExp objects cannot be encoded"],
    [new Error("x"), "Error objects cannot be encoded"],
    [new Number(1), "Number objects cannot be encoded"],
    [new String("s"), "String objects cannot be encoded"],
    [Object.create({ inherited: 1 }), "objects with a custom prototype cannot be encoded"],
  ];
  for (const [value, detail] of cases) {
    assertRefused(
      () => encode({ v: [value] }, { root: "args" }),
      "args.v[0]",
      "unsupported",
      `Cannot encode args.v[0]: ${detail}`,
    );
  }
});

Deno.test("encode() detects a cycle and names the ancestor it goes back to", () => {
  const structure: Record<string, unknown> = { cell: [] };
  (structure.cell as unknown[]).push({ parent: structure });
  assertRefused(
    () => encode({ structure }, { root: "args" }),
    "args.structure.cell[0].parent",
    "cycle",
    "Cannot encode args.structure.cell[0].parent: cycle back to args.structure",
  );
});

Deno.test("encode() detects an object containing itself directly", () => {
  const a: unknown[] = [];
  a.push(a);
  assertRefused(
    () => encode(a),
    "value[0]",
    "cycle",
    "Cannot encode value[0]: cycle back to value",
  );
});

Deno.test("encode() detects cycles deeper than its linear-scan window", () => {
  const nodes: Record<string, unknown>[] = [{}];
  for (let i = 1; i <= 100; i++) {
    const next: Record<string, unknown> = {};
    nodes[i - 1].n = next;
    nodes.push(next);
  }
  const leaf = nodes[100];
  // Paths over 40 segments keep their first and last 20.
  const pathOf = (segments: string[]): string =>
    segments.length <= 40
      ? "value" + segments.join("")
      : "value" + segments.slice(0, 20).join("") + `…(${segments.length - 40} more)…` +
        segments.slice(-20).join("");
  for (const target of [1, 40, 41, 63, 64, 65, 80, 100]) {
    leaf.back = nodes[target];
    assert.throws(() => encode(nodes[0]), (e: unknown) => {
      assert.ok(e instanceof EncodeError);
      assert.equal(e.reason, "cycle");
      assert.equal(e.path, pathOf([...Array(100).fill(".n"), ".back"]));
      assert.equal(
        e.message,
        `Cannot encode ${e.path}: cycle back to ${pathOf(Array(target).fill(".n"))}`,
      );
      return true;
    });
  }
  // Deep but acyclic data with shared references still encodes.
  leaf.back = { a: nodes[100 - 1].x, b: [nodes[99].x] };
  nodes[50].shared = { s: 1 };
  nodes[90].shared = nodes[50].shared;
  assert.ok(encode(nodes[0]).length > 100);
});

Deno.test("encode() names Map keys, Map values and Set elements in paths", () => {
  assertRefused(
    () => encode(new Map<unknown, unknown>([["a", 1], ["cell", [() => 0]]]), { root: "m" }),
    'm.get("cell")[0]',
    "function",
    'Cannot encode m.get("cell")[0]: functions cannot be encoded',
  );
  assertRefused(
    () => encode(new Map<unknown, unknown>([["a", 1], [Symbol.iterator, 2]]), { root: "m" }),
    "m<map key 1>",
    "symbol",
    "Cannot encode m<map key 1>: symbols cannot be encoded",
  );
  assertRefused(
    () => encode({ s: new Set([1, () => 0]) }),
    "value.s<set element 1>",
    "function",
    "Cannot encode value.s<set element 1>: functions cannot be encoded",
  );
});

Deno.test("encode() detects a Map that contains itself as a value", () => {
  const m = new Map<string, unknown>();
  m.set("self", m);
  assertRefused(
    () => encode(m),
    'value.get("self")',
    "cycle",
    'Cannot encode value.get("self"): cycle back to value',
  );
});

Deno.test("canonicalEncode() and hashValue() reject the same values with the same paths", () => {
  const args = { b: new Set([1, Symbol("s")]), a: 1 };
  for (const f of [canonicalEncode, hashValue]) {
    assertRefused(
      () => f(args, { root: "args" }),
      "args.b<set element 1>",
      "symbol",
      "Cannot encode args.b<set element 1>: symbols cannot be encoded",
    );
  }
  const cyclic: Record<string, unknown> = { z: 1 };
  cyclic.m = new Map([[cyclic, 1]]);
  assertRefused(
    () => hashValue(cyclic),
    "value.m<map key 0>",
    "cycle",
    "Cannot encode value.m<map key 0>: cycle back to value",
  );
});

Deno.test("encode() works normally after a refused value", () => {
  const cyclic: unknown[] = [];
  cyclic.push([cyclic]);
  assert.throws(() => encode(cyclic), EncodeError);
  assert.throws(() => hashValue(cyclic), EncodeError);
  assert.deepEqual(encode([[1]]), new Uint8Array([0x81, 0x81, 0x01]));
  assert.equal(hashValue([[1]]), hashValue([[1]]));
});

Deno.test("encode() rejects objects nested deeper than 1000 levels, shortening the path", () => {
  let ok: unknown = 1;
  for (let i = 0; i < 1000; i++) ok = [ok];
  assert.equal(encode(ok).length, 1001);
  assert.throws(() => encode([ok]), (e: unknown) => {
    assert.ok(e instanceof EncodeError);
    assert.equal(e.reason, "unsupported");
    assert.equal(e.path, "value" + "[0]".repeat(20) + "…(960 more)…" + "[0]".repeat(20));
    assert.equal(
      e.message,
      `Cannot encode ${e.path}: objects nested deeper than 1000 levels cannot be encoded`,
    );
    return true;
  });
});
