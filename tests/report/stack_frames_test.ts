import assert from "node:assert/strict";
import { isUserFrame, parseFrame, userFrames, userStack } from "../../lib/report/mod.ts";

Deno.test("parseFrame() reads every frame shape V8 and Deno print", () => {
  const cases: [string, string, string | undefined, number | undefined, number | undefined][] = [
    ["    at relax (file:///p/relax.ts:3:9)", "relax", "file:///p/relax.ts", 3, 9],
    ["    at file:///p/flow.ts:12:3", "", "file:///p/flow.ts", 12, 3],
    ["    at async Promise.all (index 0)", "async Promise.all", undefined, undefined, undefined],
    ["    at new Relaxer (file:///p/a%20b.ts:1:2)", "new Relaxer", "file:///p/a%20b.ts", 1, 2],
    ["    at Array.map (<anonymous>)", "Array.map", undefined, undefined, undefined],
    ["    at ext:core/01_core.js:179:7", "", "ext:core/01_core.js", 179, 7],
    [
      "    at eventLoopTick (ext:core/01_core.js:179:7)",
      "eventLoopTick",
      "ext:core/01_core.js",
      179,
      7,
    ],
    ["    at Object.<anonymous> (/home/u/x.js:4:1)", "Object.<anonymous>", "/home/u/x.js", 4, 1],
    [
      "    at f (node:internal/process/task_queues:95:5)",
      "f",
      "node:internal/process/task_queues",
      95,
      5,
    ],
    [
      "    at eval (eval at run (file:///p/a.ts:1:1), <anonymous>:1:1)",
      "eval",
      undefined,
      undefined,
      undefined,
    ],
    ["    at g (file:///C:/Users/u/flow.ts:2:7)", "g", "file:///C:/Users/u/flow.ts", 2, 7],
    ["    at h (file:///p/f(1).ts:5:6)", "h", "file:///p/f(1).ts", 5, 6],
  ];
  for (const [line, fn, file, l, c] of cases) {
    const f = parseFrame(line);
    assert.ok(f, line);
    assert.deepEqual([f.fn, f.file, f.line, f.column], [fn, file, l, c], line);
    if (f.span) assert.equal(line.slice(...f.span), `${file}:${l}:${c}`);
  }
  assert.equal(parseFrame("RangeError: at the limit"), undefined);
  assert.equal(parseFrame("  at"), undefined);
});

Deno.test("userFrames() drops drover's, Deno's and installed packages' frames", () => {
  const stack = [
    "RangeError: fmax must be positive",
    "    at check (file:///home/u/proj/physics.ts:3:11)",
    "    at relax (file:///home/u/proj/flow.ts:8:10)",
    "    at Session.#execute (file:///opt/drover/lib/step/session.ts:290:31)",
    "    at Limiter.run (file:///opt/drover/lib/runtime/limiter.ts:40:12)",
    "    at eventLoopTick (ext:core/01_core.js:179:7)",
    "    at parse (file:///home/u/.cache/deno/npm/registry.npmjs.org/yaml/2.8.1/dist/index.js:1:1)",
    "    at x (file:///home/u/proj/node_modules/.deno/zod@4.0.0/node_modules/zod/index.js:1:1)",
    "    at step (https://jsr.io/@drover/drover/0.1.0/lib/step/step.ts:5:5)",
    "    at async Promise.all (index 0)",
    "    at async file:///home/u/proj/flow.ts:20:1",
  ].join("\n");
  const options = { droverRoot: ["file:///opt/drover", "https://jsr.io/@drover/drover/"] };
  assert.deepEqual(userFrames(stack, options).map((f) => f.text), [
    "at check (file:///home/u/proj/physics.ts:3:11)",
    "at relax (file:///home/u/proj/flow.ts:8:10)",
    "at async file:///home/u/proj/flow.ts:20:1",
  ]);
  assert.equal(
    userFrames(stack, { ...options, keepDependencies: true }).length,
    5,
    "npm frames kept on request",
  );
  assert.equal(
    userStack(stack, options).split("\n").length,
    4,
  );
});

Deno.test("isUserFrame() matches drover roots on whole path segments", () => {
  const frame = parseFrame("    at f (file:///opt/drover-work/flow.ts:1:1)")!;
  assert.ok(
    isUserFrame(frame, { droverRoot: "/opt/drover" }),
    "a sibling folder with a longer name is not drover",
  );
  assert.ok(!isUserFrame(frame, { droverRoot: new URL("file:///opt/drover-work/") }));
  const spaced = parseFrame("    at f (file:///opt/my%20drover/lib/x.ts:1:1)")!;
  assert.ok(
    !isUserFrame(spaced, { droverRoot: "/opt/my drover" }),
    "percent-encoded paths are decoded",
  );
});

Deno.test("userStack() keeps a multi-line message whole", () => {
  const stack =
    "Error: line one\nline two\n    at f (file:///d/x.ts:1:1)\n    at g (file:///u/y.ts:2:2)";
  assert.equal(
    userStack(stack, { droverRoot: "/d" }),
    "Error: line one\nline two\n    at g (file:///u/y.ts:2:2)",
  );
  assert.equal(userStack("no frames at all", { droverRoot: "/d" }), "no frames at all");
});
