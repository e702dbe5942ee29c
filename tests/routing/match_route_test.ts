import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  AmbiguousRouteError,
  captureStack,
  explainRoutes,
  matchRoute,
  parseRemoteInfo,
  type RemoteInfoInput,
  type StackFrame,
} from "../../lib/routing/mod.ts";

/** A stack of frames written `file::function`, outermost first. */
function stack(...frames: string[]): StackFrame[] {
  return frames.map((f) => {
    const [file, fn] = f.split("::");
    return { file, function: fn };
  });
}

/** The system of the key that routes the call, or undefined. */
function route(
  input: RemoteInfoInput,
  frames: StackFrame[],
  call: { stepName: string; stepFile?: string; label?: string },
): string | undefined {
  return matchRoute(parseRemoteInfo(input), frames, call)?.route.system;
}

const RELAX = { stepName: "relax", stepFile: "/p/lib/relax.ts" };
const MAIN = stack("/p/flows/relax_all.ts::", "/p/flows/relax_all.ts::main");

Deno.test("matchRoute() returns undefined when no key matches the call", () => {
  assert.equal(route({ "other.ts::main,*::relax": { system: "c" } }, MAIN, RELAX), undefined);
  assert.equal(route({}, MAIN, RELAX), undefined);
});

Deno.test("matchRoute() matches file paths by suffix on / boundaries", () => {
  const frames = stack("/home/me/proj/flows/relax_all.ts::main");
  const call = { stepName: "relax", stepFile: "/home/me/proj/lib/relax.ts" };
  for (const file of ["lib/relax.ts", "proj/lib/relax.ts", "/home/me/proj/lib/relax.ts"]) {
    assert.equal(route({ [`${file}::relax`]: { system: "c" } }, frames, call), "c", file);
  }
  for (const file of ["ib/relax.ts", "relax", "other/lib/relax.ts", "/proj/lib/relax.ts"]) {
    assert.equal(route({ [`${file}::relax`]: { system: "c" } }, frames, call), undefined, file);
  }
  assert.equal(route({ "relax_all.ts::main,relax.ts::relax": { system: "c" } }, frames, call), "c");
  assert.equal(
    route({ "all.ts::main,relax.ts::relax": { system: "c" } }, frames, call),
    undefined,
    "all.ts is not a suffix on a / boundary of relax_all.ts",
  );
});

Deno.test("matchRoute() requires the last element to match the step call itself", () => {
  // The step call is <file where the step is defined>::<step name>, the innermost frame.
  assert.equal(route({ "relax_all.ts::main": { system: "c" } }, MAIN, RELAX), undefined);
  assert.equal(route({ "relax_all.ts::main,*::*": { system: "c" } }, MAIN, RELAX), "c");
  assert.equal(route({ "lib/relax.ts::relax": { system: "c" } }, [], RELAX), "c");
  assert.equal(
    route({ "lib/relax.ts::relax": { system: "c" } }, MAIN, { ...RELAX, stepName: "score" }),
    undefined,
  );
});

Deno.test("matchRoute() matches elements as a subsequence of the stack in order", () => {
  const frames = stack(
    "/p/flows/relax_all.ts::",
    "/p/flows/relax_all.ts::main",
    "/p/lib/batch.ts::runBatch",
    "/p/lib/batch.ts::",
    "/p/lib/phonons.ts::Phonons.compute",
  );
  const call = { stepName: "relax", stepFile: "/p/lib/relax.ts" };
  assert.equal(
    route({ "relax_all.ts::main,lib/relax.ts::relax": { system: "c" } }, frames, call),
    "c",
  );
  assert.equal(
    route(
      { "relax_all.ts::main,batch.ts::runBatch,relax.ts::relax": { system: "c" } },
      frames,
      call,
    ),
    "c",
  );
  assert.equal(
    route(
      { "batch.ts::runBatch,relax_all.ts::main,relax.ts::relax": { system: "c" } },
      frames,
      call,
    ),
    undefined,
    "out of order",
  );
  assert.equal(
    route({ "phonons.ts::compute,relax.ts::relax": { system: "c" } }, frames, call),
    "c",
  );
  assert.equal(
    route({ "phonons.ts::Phonons.compute,relax.ts::relax": { system: "c" } }, frames, call),
    "c",
  );
  assert.equal(
    route({ "phonons.ts::Phonons,relax.ts::relax": { system: "c" } }, frames, call),
    undefined,
  );
});

Deno.test("matchRoute() lets * stand for any file or any function, and only * match top-level code", () => {
  assert.equal(route({ "*::main,lib/relax.ts::relax": { system: "c" } }, MAIN, RELAX), "c");
  assert.equal(route({ "relax_all.ts::*,lib/relax.ts::relax": { system: "c" } }, MAIN, RELAX), "c");
  assert.equal(route({ "*::*": { system: "c" } }, [], RELAX), "c");
  assert.equal(
    route({ "*::relax": { system: "c" } }, [], { stepName: "relax" }),
    "c",
    "file unknown",
  );
  assert.equal(
    route({ "lib/relax.ts::relax": { system: "c" } }, [], { stepName: "relax" }),
    undefined,
  );
  const topLevelOnly = stack("/p/flows/script.ts::");
  assert.equal(route({ "script.ts::*,*::relax": { system: "c" } }, topLevelOnly, RELAX), "c");
  assert.equal(
    route({ "script.ts::main,*::relax": { system: "c" } }, topLevelOnly, RELAX),
    undefined,
  );
});

Deno.test("matchRoute() matches a label key when the call carries that label", () => {
  const info = { gpu: { system: "g" }, "*::relax": { system: "c" } };
  assert.equal(route(info, MAIN, { ...RELAX, label: "gpu" }), "g");
  assert.equal(route(info, MAIN, { ...RELAX, label: "cpu" }), "c");
  assert.equal(route(info, MAIN, RELAX), "c");
  assert.equal(route({ gpu: { system: "g" } }, MAIN, { stepName: "x", label: "gpu" }), "g");
});

Deno.test("matchRoute() prefers the longest pattern, then fewer wildcards, when several keys match", () => {
  const info = {
    "*::*": { system: "any" },
    "*::relax": { system: "one-wild" },
    "lib/relax.ts::relax": { system: "exact" },
    "relax_all.ts::main,*::*": { system: "two-long" },
    "*::main,*::relax": { system: "two-wild" },
    "relax_all.ts::main,lib/relax.ts::relax": { system: "best" },
  };
  assert.equal(route(info, MAIN, RELAX), "best");
  assert.equal(route(info, stack("/p/x.ts::other"), RELAX), "exact");
  assert.equal(route(info, stack("/p/x.ts::main"), RELAX), "two-wild");
  const keys = Object.keys(info).reverse();
  const reversed = Object.fromEntries(keys.map((k) => [k, info[k as keyof typeof info]]));
  assert.equal(route(reversed, MAIN, RELAX), "best", "the order of keys does not matter");
});

Deno.test("matchRoute() throws AmbiguousRouteError naming both keys when they tie", () => {
  const info = parseRemoteInfo({
    "relax_all.ts::*,*::relax": { system: "a" },
    "*::main,lib/relax.ts::*": { system: "b" },
    "*::relax": { system: "c" },
  });
  assert.throws(() => matchRoute(info, MAIN, RELAX), (e) => {
    assert.ok(e instanceof AmbiguousRouteError);
    assert.deepEqual(e.keys, ["relax_all.ts::*,*::relax", "*::main,lib/relax.ts::*"]);
    assert.equal(e.step, "relax");
    assert.equal(
      e.message,
      'Cannot route a call of step "relax": keys "relax_all.ts::*,*::relax" and "*::main,lib/relax.ts::*" ' +
        "match it equally well (same number of elements and wildcards); make one of them more specific",
    );
    return true;
  });
  assert.equal(matchRoute(info, stack("/p/x.ts::main"), RELAX)?.key, "*::main,lib/relax.ts::*");
});

Deno.test("matchRoute() routes a real captured stack when keys name this test file", () => {
  const info = parseRemoteInfo({
    "routing/match_route_test.ts::runWorkflow,lib/relax.ts::relax": { system: "hpc" },
  });
  function runWorkflow(): string | undefined {
    return matchRoute(info, captureStack(), RELAX)?.route.system;
  }
  function elsewhere(): string | undefined {
    return matchRoute(info, captureStack(), RELAX)?.route.system;
  }
  assert.equal(runWorkflow(), "hpc");
  assert.equal(elsewhere(), undefined);
  assert.ok(fileURLToPath(import.meta.url).endsWith("/tests/routing/match_route_test.ts"));
});

Deno.test("explainRoutes() gives a readable reason for every key when explaining one call", () => {
  const info = parseRemoteInfo({
    "relax_all.ts::main,lib/relax.ts::relax": { system: "hpc" },
    "*::relax": { system: "small" },
    "lib/other.ts::relax": { system: "x" },
    "lib/relax.ts::score": { system: "x" },
    "other.ts::*,lib/relax.ts::*": { system: "x" },
    "main.ts::main,lib/relax.ts::relax": { system: "x" },
    "*::*,relax_all.ts::main,*::relax": { system: "x" },
    gpu: { system: "gpu" },
  });
  const frames = stack(
    "/p/flows/relax_all.ts::",
    "/p/flows/relax_all.ts::main",
    "/p/lib/batch.ts::run",
  );
  const explanation = explainRoutes(info, frames, { ...RELAX, cwd: "/p" });
  assert.deepEqual(explanation.frames, [
    "flows/relax_all.ts::<top level>",
    "flows/relax_all.ts::main",
    "lib/batch.ts::run",
    "lib/relax.ts::relax",
  ]);
  assert.equal(explanation.chosen, "*::*,relax_all.ts::main,*::relax");
  assert.equal(explanation.system, "x");
  assert.deepEqual(explanation.conflict, []);
  assert.deepEqual(explanation.keys, [
    {
      key: "relax_all.ts::main,lib/relax.ts::relax",
      matched: true,
      chosen: false,
      reason:
        "matched: relax_all.ts::main at frame 2, lib/relax.ts::relax at frame 4 (the step call); " +
        'but "*::*,relax_all.ts::main,*::relax" is more specific (3 elements vs 2)',
    },
    {
      key: "*::relax",
      matched: true,
      chosen: false,
      reason: "matched: *::relax at frame 4 (the step call); " +
        'but "*::*,relax_all.ts::main,*::relax" is more specific (3 elements vs 1)',
    },
    {
      key: "lib/other.ts::relax",
      matched: false,
      chosen: false,
      reason:
        "lib/other.ts::relax does not match the step call (frame 4): its file lib/relax.ts is not lib/other.ts",
    },
    {
      key: "lib/relax.ts::score",
      matched: false,
      chosen: false,
      reason:
        'lib/relax.ts::score does not match the step call (frame 4): its step is "relax", not "score"',
    },
    {
      key: "other.ts::*,lib/relax.ts::*",
      matched: false,
      chosen: false,
      reason:
        "lib/relax.ts::* matched frame 4 (the step call) but other.ts::* did not appear before it",
    },
    {
      key: "main.ts::main,lib/relax.ts::relax",
      matched: false,
      chosen: false,
      reason:
        "lib/relax.ts::relax matched frame 4 (the step call) but main.ts::main did not appear before it",
    },
    {
      key: "*::*,relax_all.ts::main,*::relax",
      matched: true,
      chosen: true,
      reason:
        "matched: *::* at frame 1, relax_all.ts::main at frame 2, *::relax at frame 4 (the step call); " +
        "chosen as the most specific match",
    },
    { key: "gpu", matched: false, chosen: false, reason: "the call has no label" },
  ]);
});

Deno.test("explainRoutes() says which inner elements matched when an outer one is missing", () => {
  const info = parseRemoteInfo({ "a.ts::main,b.ts::run,lib/relax.ts::relax": { system: "x" } });
  const explanation = explainRoutes(info, stack("/p/c.ts::main", "/p/b.ts::run"), RELAX);
  assert.equal(
    explanation.keys[0].reason,
    "b.ts::run matched frame 2, lib/relax.ts::relax matched frame 3 (the step call), " +
      "but a.ts::main did not appear before frame 2",
  );
});

Deno.test("explainRoutes() explains labels and their precedence when the call has a label", () => {
  const info = parseRemoteInfo({
    "relax_all.ts::main,lib/relax.ts::relax": { system: "hpc" },
    gpu: { system: "gpu" },
    cpu: { system: "cpu" },
  });
  const explanation = explainRoutes(info, MAIN, { ...RELAX, label: "gpu" });
  assert.equal(explanation.chosen, "gpu");
  assert.deepEqual(explanation.keys.map((k) => k.reason), [
    "matched: relax_all.ts::main at frame 2, lib/relax.ts::relax at frame 3 (the step call); " +
    'but "gpu" is a label, and labels take precedence over call-stack patterns',
    'the call\'s label is "gpu"; chosen (labels take precedence over call-stack patterns)',
    'the call\'s label is "gpu", not "cpu"',
  ]);
});

Deno.test("explainRoutes() reports a tie instead of throwing when keys match equally well", () => {
  const info = parseRemoteInfo({
    "relax_all.ts::*,*::relax": { system: "a" },
    "*::main,lib/relax.ts::*": { system: "b" },
    "*::relax": { system: "c" },
  });
  const explanation = explainRoutes(info, MAIN, RELAX);
  assert.equal(explanation.chosen, undefined);
  assert.equal(explanation.system, undefined);
  assert.deepEqual(explanation.conflict, ["relax_all.ts::*,*::relax", "*::main,lib/relax.ts::*"]);
  assert.deepEqual(explanation.keys.map((k) => [k.matched, k.chosen, k.reason]), [
    [
      true,
      false,
      "matched: relax_all.ts::* at frame 2, *::relax at frame 3 (the step call); " +
      'tied with "*::main,lib/relax.ts::*" (2 elements, 2 wildcards each)',
    ],
    [
      true,
      false,
      "matched: *::main at frame 2, lib/relax.ts::* at frame 3 (the step call); " +
      'tied with "relax_all.ts::*,*::relax" (2 elements, 2 wildcards each)',
    ],
    [
      true,
      false,
      "matched: *::relax at frame 3 (the step call); " +
      'but "relax_all.ts::*,*::relax" and "*::main,lib/relax.ts::*" are more specific',
    ],
  ]);
});

Deno.test("explainRoutes() says the step's file is unknown when the call has no stepFile", () => {
  const info = parseRemoteInfo({ "lib/relax.ts::relax": { system: "x" } });
  const explanation = explainRoutes(info, [], { stepName: "relax" });
  assert.deepEqual(explanation.frames, ["<unknown file>::relax"]);
  assert.equal(
    explanation.keys[0].reason,
    "lib/relax.ts::relax does not match the step call (frame 1): the file defining the step is unknown",
  );
});
