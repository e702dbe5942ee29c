import assert from "node:assert/strict";
import {
  formatRoutePattern,
  parseRouteKey,
  safeParseRouteKey,
  wildcardCount,
} from "../../lib/routing/mod.ts";

Deno.test("parseRouteKey() reads a label when the key has neither :: nor .ts", () => {
  for (const label of ["gpu", "big-memory", "dft.pbe", "phase:2", "_x", "7"]) {
    assert.deepEqual(parseRouteKey(label), { kind: "label", label });
  }
  assert.deepEqual(parseRouteKey("  gpu "), { kind: "label", label: "gpu" });
});

Deno.test("parseRouteKey() reads file::function elements outermost first when the key has ::", () => {
  assert.deepEqual(parseRouteKey("relax_all.ts::main,lib/relax.ts::relax"), {
    kind: "stack",
    frames: [
      { file: "relax_all.ts", function: "main" },
      { file: "lib/relax.ts", function: "relax" },
    ],
  });
  assert.deepEqual(parseRouteKey(" *::main ,  ./lib/x.ts::* ,/abs/y.ts::Relaxer.run"), {
    kind: "stack",
    frames: [
      { file: "*", function: "main" },
      { file: "lib/x.ts", function: "*" },
      { file: "/abs/y.ts", function: "Relaxer.run" },
    ],
  });
  assert.deepEqual(parseRouteKey("a\\b.ts::f"), {
    kind: "stack",
    frames: [{ file: "a/b.ts", function: "f" }],
  });
});

Deno.test("parseRouteKey() splits at the first :: when a step name holds :", () => {
  assert.deepEqual(parseRouteKey("lib/x.ts::chem:relax"), {
    kind: "stack",
    frames: [{ file: "lib/x.ts", function: "chem:relax" }],
  });
});

Deno.test("parseRouteKey() throws RangeError saying what is wrong when the key is malformed", () => {
  const cases: [string, string][] = [
    ["relax_all.ts", 'has "relax_all.ts" where file::function is expected'],
    ["relax_all.ts,lib/relax.ts::relax", 'has "relax_all.ts" where file::function is expected'],
    ["a.ts::main,,b.ts::f", "has an empty element"],
    ["a.ts::main,", "has an empty element"],
    ["a.ts::", 'has "a.ts::" with an empty side (write * to match any)'],
    ["::main", 'has "::main" with an empty side (write * to match any)'],
    ["lib/*.ts::main", 'has "lib/*.ts": * must be a whole side of file::function'],
    ["a.ts::re*", 'has "re*": * must be a whole side of file::function'],
    ["a.ts::my fn", 'has "my fn", which is not a function name'],
    [
      "gpu jobs",
      "is neither a label (letters, digits, _ . : -) nor comma-separated file.ts::function patterns",
    ],
    [
      "main,relax",
      "is neither a label (letters, digits, _ . : -) nor comma-separated file.ts::function patterns",
    ],
    [
      "",
      "is neither a label (letters, digits, _ . : -) nor comma-separated file.ts::function patterns",
    ],
  ];
  for (const [key, problem] of cases) {
    assert.throws(() => parseRouteKey(key), {
      name: "RangeError",
      message: `Cannot parse remote info key ${JSON.stringify(key)}: ${problem}`,
    }, key);
    assert.deepEqual(safeParseRouteKey(key), { success: false, error: problem }, key);
  }
});

Deno.test("formatRoutePattern() writes the canonical form when given a parsed key", () => {
  assert.equal(formatRoutePattern(parseRouteKey(" a.ts::main , ./b.ts::* ")), "a.ts::main,b.ts::*");
  assert.equal(formatRoutePattern(parseRouteKey("gpu")), "gpu");
});

Deno.test("wildcardCount() counts * sides when given a pattern", () => {
  assert.equal(wildcardCount(parseRouteKey("*::*,a.ts::*")), 3);
  assert.equal(wildcardCount(parseRouteKey("a.ts::main")), 0);
  assert.equal(wildcardCount(parseRouteKey("gpu")), 0);
});
