import assert from "node:assert/strict";
import { runCli, seededProject } from "./_fixture.ts";

const EVIL = "boom\x1b]0;pwned\x07\x1b[2J\rhidden\x9b31m\u202eevil";

// deno-lint-ignore no-control-regex
const OWN = /\x1b\[(?:1|2|22|31|32|33|36|39)m/g;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/;

/** Every ESC in the text starts one of the CLI's own color codes. */
function onlyOwnColors(text: string): boolean {
  return text.replace(OWN, "").match(CONTROL) === null;
}

Deno.test("main() escapes control characters of stored errors, stacks and steps when printing", async () => {
  await using fx = await seededProject();
  {
    using store = fx.open();
    const call = store.getCall(fx.keys.c)!;
    store.putCall({
      ...call,
      step: `relax${EVIL}`,
      location: `cluster\x1b[1A`,
      error: {
        name: `Convergence${EVIL}`,
        message: EVIL,
        stack: `Error: ${EVIL}\n    at x (a.ts:1:1)`,
      },
    });
    // putCall never changes a step; a store written by anything else might.
    store.db.prepare("UPDATE calls SET step = ? WHERE key = ?").run(`relax${EVIL}`, fx.keys.c);
  }
  for (const isTerminal of [false, true]) {
    const show = await runCli(["calls", "show", fx.keys.c], fx.dir, { isTerminal });
    assert.equal(show.code, 0, show.stderr);
    assert.ok(onlyOwnColors(show.stdout), JSON.stringify(show.stdout));
    assert.match(show.stdout, /boom\\x1b\]0;pwned\\x07\\x1b\[2J\\rhidden\\x9b31m\\u202eevil/);
    assert.match(show.stdout, /\n {2}.*at x \(a\.ts:1:1\)/, "stack lines stay lines");
    for (
      const args of [["calls", "ls"], ["status"], ["rm", "--step", `relax${EVIL}`, "--dry-run"]]
    ) {
      const r = await runCli(args, fx.dir, { isTerminal });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(onlyOwnColors(r.stdout), `${args.join(" ")}: ${JSON.stringify(r.stdout)}`);
      assert.match(r.stdout, /relax.*\\x1b/, args.join(" "));
    }
  }
});

Deno.test("main() escapes control characters of a bad option value in its one-line error", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "ls", "--where", `x = '\x1b[2J' AND (`], fx.dir);
  assert.equal(r.code, 2);
  assert.ok(onlyOwnColors(r.stderr), JSON.stringify(r.stderr));
  assert.equal(r.stderr.split("\n").length, 2);
});
