import assert from "node:assert/strict";
import { captureStack, formatStackFrame, type StackFrame } from "../../lib/routing/mod.ts";
import type { StepDefinition } from "../../lib/step/definition.ts";
import { type RemoteRouting, Router } from "../../lib/step/router.ts";

const FILE = "router_test.ts";

/** A router whose keys route step "s" called under the given stacks. */
function routerFor(keys: Record<string, string>): Router {
  const remoteInfo = Object.fromEntries(
    Object.entries(keys).map(([key, system]) => [`${key},*::s`, { system }]),
  );
  return new Router({ remoteInfo, env: {}, cwd: "/" });
}

// deno-lint-ignore no-explicit-any
function stepDef(name: string): StepDefinition<any, any> {
  // deno-lint-ignore no-explicit-any
  return { name, options: {} } as unknown as StepDefinition<any, any>;
}

/** The frames routing keeps, as `file::function` with the file's base name. */
function names(frames: readonly StackFrame[]): string[] {
  return frames.map((f) => formatStackFrame(f).replace(/^.*\//, ""));
}

function helper(router: Router, label?: string): RemoteRouting | undefined {
  return router.capture(label);
}

function outerA(router: Router): RemoteRouting | undefined {
  return helper(router);
}

function outerB(router: Router): RemoteRouting | undefined {
  return helper(router);
}

class Base {
  run(router: Router): RemoteRouting | undefined {
    return router.capture(undefined);
  }
}
class Alpha extends Base {}
class Beta extends Base {}

Deno.test("Router.capture() captures the stack of a call site once for many calls", () => {
  const router = routerFor({ [`${FILE}::helper`]: "a" });
  const seen = new Set<RemoteRouting | undefined>();
  for (let i = 0; i < 100; i++) seen.add(helper(router));
  assert.equal(seen.size, 1);
  assert.equal(router.captures, 1);
  const [routing] = seen;
  assert.ok(routing);
  assert.deepEqual(names(routing.stack).slice(-1), [`${FILE}::helper`]);
  // The frames are what a direct capture gives at this site (without drover's own).
  const direct = ((): StackFrame[] => captureStack())();
  assert.equal(routing.stack[0].file, direct[0].file);
  assert.equal(routing.stack[0].function, direct[0].function);
});

Deno.test("Router.capture() tells apart one function called from two outer functions", () => {
  const router = routerFor({
    [`${FILE}::outerA,${FILE}::helper`]: "a",
    [`${FILE}::outerB,${FILE}::helper`]: "b",
  });
  const def = stepDef("s");
  const systems: string[] = [];
  for (let i = 0; i < 3; i++) {
    systems.push(router.route(def, outerA(router))?.route.system ?? "-");
    systems.push(router.route(def, outerB(router))?.route.system ?? "-");
  }
  assert.deepEqual(systems, ["a", "b", "a", "b", "a", "b"]);
  assert.equal(router.captures, 2);
  const a = outerA(router);
  assert.ok(a);
  assert.deepEqual(names(a.stack).slice(-2), [`${FILE}::outerA`, `${FILE}::helper`]);
});

Deno.test("Router.capture() tells apart calls from one line on two lines and two labels", () => {
  const router = routerFor({ [`${FILE}::helper`]: "a" });
  const one = helper(router);
  const two = helper(router);
  assert.notEqual(one, two);
  assert.notEqual(one?.stack.at(-2)?.line, two?.stack.at(-2)?.line);
  const labelled = helper(router, "big");
  assert.equal(labelled?.label, "big");
  assert.notEqual(labelled, helper(router, "small"));
  assert.equal(router.captures, 4);
});

Deno.test("Router.capture() tells apart one method called on two classes", () => {
  const router = routerFor({ [`${FILE}::Alpha.run`]: "a", [`${FILE}::Beta.run`]: "b" });
  const def = stepDef("s");
  const alpha = new Alpha();
  const beta = new Beta();
  const systems = [alpha, beta, alpha, beta].map((o) =>
    router.route(def, o.run(router))?.route.system
  );
  assert.deepEqual(systems, ["a", "b", "a", "b"]);
  assert.equal(router.captures, 2);
});

Deno.test("Router.route() matches a call site once per step", () => {
  const router = routerFor({ [`${FILE}::helper`]: "a" });
  const routing = helper(router);
  const s = stepDef("s");
  const first = router.route(s, routing);
  assert.equal(first?.route.system, "a");
  assert.equal(router.route(s, routing), first);
  assert.equal(router.route(s, undefined), undefined);
  assert.equal(routerFor({}).capture(undefined), undefined);
});

Deno.test("Router.capture() reads the stack, and leaves in place, a user's Error.prepareStackTrace", () => {
  const ctor = Error as unknown as { prepareStackTrace?: unknown };
  const mine = (_e: unknown, sites: unknown[]): string => `custom ${sites.length > 0}`;
  ctor.prepareStackTrace = mine;
  try {
    const router = routerFor({
      [`${FILE}::outerA,${FILE}::helper`]: "a",
      [`${FILE}::outerB,${FILE}::helper`]: "b",
    });
    const def = stepDef("s");
    assert.equal(router.route(def, outerA(router))?.route.system, "a");
    assert.equal(router.route(def, outerB(router))?.route.system, "b");
    assert.equal(ctor.prepareStackTrace, mine);
    assert.equal(new Error("x").stack, "custom true");
  } finally {
    delete ctor.prepareStackTrace;
  }
});
