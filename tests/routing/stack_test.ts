import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  captureStack,
  formatStackFrame,
  parseRemoteInfo,
  parseStackText,
  parseStackTrace,
  resourcesFor,
  type StackFrame,
} from "../../lib/routing/mod.ts";

const THIS_FILE = fileURLToPath(import.meta.url);

function names(frames: readonly StackFrame[]): string[] {
  return frames.map((f) => `${f.file === THIS_FILE ? "test" : f.file}::${f.function}`);
}

function outer(): StackFrame[] {
  return inner();
}

function inner(): StackFrame[] {
  return captureStack();
}

class Relaxer {
  run(): StackFrame[] {
    return captureStack();
  }
}

async function asyncMain(): Promise<StackFrame[]> {
  await Promise.resolve();
  return inner();
}

Deno.test("parseStackTrace() reads V8 frames outermost first and normalizes function names", () => {
  const stack = [
    "Error: boom",
    "    at inner (file:///p/lib/relax.ts:3:9)",
    "    at Object.relax [as relax] (file:///p/lib/relax.ts:10:2)",
    "    at new Relaxer (file:///p/lib/relaxer.ts:4:4)",
    "    at Array.map (<anonymous>)",
    "    at async Promise.all (index 0)",
    "    at eventLoopTick (ext:core/01_core.js:179:7)",
    "    at node:internal/x:1:1",
    "    at https://jsr.io/@x/y/mod.ts:1:1",
    "    at async main (file:///p/my%20flow.ts:20:5)",
    "    at Object.<anonymous> (file:///p/my%20flow.ts:30:1)",
    "    at async file:///p/my%20flow.ts:40:1",
  ].join("\n");
  assert.deepEqual(parseStackTrace(stack), [
    { file: "/p/my flow.ts", function: "", line: 40, column: 1 },
    { file: "/p/my flow.ts", function: "", line: 30, column: 1 },
    { file: "/p/my flow.ts", function: "main", line: 20, column: 5 },
    { file: "/p/lib/relaxer.ts", function: "Relaxer", line: 4, column: 4 },
    { file: "/p/lib/relax.ts", function: "Object.relax", line: 10, column: 2 },
    { file: "/p/lib/relax.ts", function: "inner", line: 3, column: 9 },
  ]);
});

Deno.test("parseStackTrace() leaves out files the caller skips when given skipFile", () => {
  const stack = "Error\n    at a (file:///p/a.ts:1:1)\n    at b (file:///lib/b.ts:1:1)";
  const frames = parseStackTrace(stack, { skipFile: (f) => f.startsWith("/lib/") });
  assert.deepEqual(frames.map((f) => f.function), ["a"]);
});

Deno.test("captureStack() lists the caller's functions outermost first when called", () => {
  const frames = outer();
  const mine = names(frames).filter((n) => n.startsWith("test::"));
  assert.deepEqual(mine.slice(-2), ["test::outer", "test::inner"]);
  assert.equal(frames[frames.length - 1].file, THIS_FILE);
  assert.ok((frames[frames.length - 1].line ?? 0) > 0);
});

Deno.test("captureStack() names class methods Class.method when called from one", () => {
  const frames = new Relaxer().run();
  assert.equal(frames[frames.length - 1].function, "Relaxer.run");
});

Deno.test("captureStack() keeps the async caller's name when called after an await", async () => {
  const frames = await asyncMain();
  assert.deepEqual(names(frames).slice(-2), ["test::asyncMain", "test::inner"]);
});

Deno.test("captureStack() leaves out drover's own frames when called through drover code", () => {
  let frames: StackFrame[] = [];
  const [rule] = parseRemoteInfo({
    gpu: {
      system: "c",
      resources: () => {
        frames = captureStack();
        return {};
      },
    },
  }).rules;
  function viaDrover(): void {
    resourcesFor(rule.route, 1);
  }
  viaDrover();
  assert.ok(frames.length >= 2);
  assert.ok(frames.every((f) => !f.file.includes("/lib/routing/")), JSON.stringify(frames));
  // V8 names a function held in an object property "Object.<property>".
  assert.deepEqual(names(frames).slice(-2), ["test::viaDrover", "test::Object.resources"]);
});

Deno.test("captureStack() reads deep stacks beyond Error.stackTraceLimit and restores the limit", () => {
  const limit = Error.stackTraceLimit;
  function recurse(n: number): StackFrame[] {
    return n === 0 ? captureStack() : recurse(n - 1);
  }
  const frames = recurse(40);
  assert.ok(frames.filter((f) => f.function === "recurse").length === 41);
  assert.equal(Error.stackTraceLimit, limit);
});

Deno.test("parseStackText() resolves files against cwd when given file::function text", () => {
  assert.deepEqual(parseStackText(" a.ts::main , /abs/b.ts::Relaxer.run", "/p"), [
    { file: "/p/a.ts", function: "main" },
    { file: "/abs/b.ts", function: "Relaxer.run" },
  ]);
});

Deno.test("parseStackText() throws RangeError when an element is not file::function", () => {
  for (const text of ["a.ts", "a.ts::main,", "*::main", "a.ts::*", "::main", "a.ts::a b"]) {
    assert.throws(() => parseStackText(text, "/p"), RangeError, text);
  }
  assert.throws(() => parseStackText("a.ts::main,b.ts", "/p"), {
    message:
      'Cannot parse stack "a.ts::main,b.ts": "b.ts" is not file::function (a file and a function name, no wildcards)',
  });
});

Deno.test("formatStackFrame() shows files relative to cwd and top-level code by name", () => {
  assert.equal(
    formatStackFrame({ file: "/p/flows/a.ts", function: "main" }, "/p"),
    "flows/a.ts::main",
  );
  assert.equal(formatStackFrame({ file: "/q/a.ts", function: "" }, "/p"), "/q/a.ts::<top level>");
  assert.equal(formatStackFrame({ file: "/p/a.ts", function: "f" }), "/p/a.ts::f");
});
