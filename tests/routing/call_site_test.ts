import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { callerSite, type CallSite, parseStackFrame } from "../../lib/routing/call_site.ts";

const THIS_FILE = fileURLToPath(import.meta.url);
const SOURCE_LINES = Deno.readTextFileSync(THIS_FILE).split("\n");

/** 1-based column of `text` on a 1-based line of this file. */
function columnOf(line: number, text: string): number {
  return SOURCE_LINES[line - 1].indexOf(text) + 1;
}

function whereWasICalled(): CallSite | undefined {
  return callerSite(1);
}

function twoLevelsUp(): CallSite | undefined {
  return callerSite(2);
}

Deno.test("callerSite() returns the caller's call position when depth is 1", () => {
  const [site, here] = [whereWasICalled(), callerSite(0)];
  assert.ok(site !== undefined && here !== undefined);
  assert.equal(site.file, THIS_FILE);
  assert.equal(site.line, here.line);
  assert.equal(site.column, columnOf(here.line, "whereWasICalled()"));
});

Deno.test("callerSite() returns the position inside the calling function when depth is 0", () => {
  const site = callerSite(0);
  assert.ok(site !== undefined);
  assert.equal(site.file, THIS_FILE);
  assert.equal(SOURCE_LINES[site.line - 1].slice(site.column - 1, site.column + 9), "callerSite");
});

Deno.test("callerSite() skips native frames when a callback runs inside Array.map", () => {
  const [sites, here] = [[0].map(() => twoLevelsUp()), callerSite(0)];
  assert.equal(sites[0]?.file, THIS_FILE);
  assert.equal(sites[0]?.line, here?.line);
  assert.equal(sites[0]?.column, columnOf(here?.line ?? 0, "map("));
});

Deno.test("callerSite() reads frames without a function name and decodes paths with spaces", async () => {
  const dir = await Deno.makeTempDir({ prefix: "drover call site " });
  try {
    const file = join(await Deno.realPath(dir), "top level.ts");
    const library = new URL("../../lib/routing/call_site.ts", import.meta.url).href;
    await Deno.writeTextFile(
      file,
      `import { callerSite } from ${
        JSON.stringify(library)
      };\n\nexport const site = callerSite(0);\n`,
    );
    const module = await import(new URL(`file://${file}`).href);
    assert.deepEqual(module.site, { file, line: 3, column: 21 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("callerSite() returns undefined when the stack is not that deep", () => {
  assert.equal(callerSite(10_000), undefined);
});

Deno.test("callerSite() throws RangeError when depth is negative or fractional", () => {
  assert.throws(() => callerSite(-1), RangeError);
  assert.throws(() => callerSite(1.5), RangeError);
});

Deno.test("callerSite() leaves Error.stackTraceLimit as it was when reading a deep frame", () => {
  const limit = Error.stackTraceLimit;
  callerSite(50);
  assert.equal(Error.stackTraceLimit, limit);
});

Deno.test("parseStackFrame() reads named, anonymous and async frames", () => {
  const expected = { file: "/w/flow.ts", line: 12, column: 3 };
  assert.deepEqual(parseStackFrame("    at relax (file:///w/flow.ts:12:3)"), expected);
  assert.deepEqual(parseStackFrame("    at file:///w/flow.ts:12:3"), expected);
  assert.deepEqual(parseStackFrame("    at async file:///w/flow.ts:12:3"), expected);
  assert.deepEqual(parseStackFrame("    at new Relax (file:///w/flow.ts:12:3)"), expected);
  assert.deepEqual(parseStackFrame("    at Object.run [as go] (file:///w/flow.ts:12:3)"), expected);
});

Deno.test("parseStackFrame() decodes URL-encoded paths and keeps parentheses in names", () => {
  assert.deepEqual(parseStackFrame("    at f (file:///w/my%20flows/a%20b.ts:1:2)"), {
    file: "/w/my flows/a b.ts",
    line: 1,
    column: 2,
  });
  assert.deepEqual(parseStackFrame("    at file:///w/my flows/copy (1).ts:4:5"), {
    file: "/w/my flows/copy (1).ts",
    line: 4,
    column: 5,
  });
  assert.deepEqual(parseStackFrame("    at f (file:///w/copy (1).ts:4:5)"), {
    file: "/w/copy (1).ts",
    line: 4,
    column: 5,
  });
});

Deno.test("parseStackFrame() returns undefined when the frame is not a local file", () => {
  for (
    const line of [
      "Error: boom",
      "    at ext:core/01_core.js:1:2",
      "    at op (ext:deno_fs/30_fs.js:10:3)",
      "    at node:internal/process:4:1",
      "    at Array.map (<anonymous>)",
      "    at Promise.all (index 0)",
      "    at https://deno.land/x/mod.ts:1:1",
      "    at eval (eval at run (file:///w/a.ts:1:1), <anonymous>:1:1)",
    ]
  ) {
    assert.equal(parseStackFrame(line), undefined, line);
  }
});
