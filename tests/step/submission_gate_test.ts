import assert from "node:assert/strict";
import { SubmissionGate } from "../../lib/step/submission_gate.ts";
import type { Clock } from "../../lib/runtime/mod.ts";

/** A clock whose sleeps end only when the test says so. */
function heldClock(): { clock: Pick<Clock, "sleep">; fire(): void; sleeping(): number } {
  const sleepers: (() => void)[] = [];
  return {
    clock: {
      sleep: (_ms, signal) =>
        new Promise((resolve, reject) => {
          sleepers.push(resolve);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    },
    fire: () => sleepers.splice(0).forEach((r) => r()),
    sleeping: () => sleepers.length,
  };
}

Deno.test("SubmissionGate holds local work until every routed call is submitted", async () => {
  const { clock } = heldClock();
  const gate = new SubmissionGate({ clock });
  gate.routed("a");
  gate.routed("b");
  const hold = gate.hold();
  assert.ok(hold);
  let open = false;
  void hold.then(() => open = true);
  gate.submitted(["a"]);
  await Promise.resolve();
  assert.equal(open, false, "one call still waits");
  gate.submitted(["b", "unknown"]);
  await hold;
  assert.equal(open, true);
  assert.equal(gate.hold(), undefined);
});

Deno.test("SubmissionGate gives up after its hold once per episode, and holds again in the next", async () => {
  const t = heldClock();
  const gate = new SubmissionGate({ clock: t.clock, maxHoldMs: 3000 });
  gate.routed("a");
  const first = gate.hold()!;
  t.fire(); // the hold ran out: the system is slow
  await first;
  assert.equal(gate.hold(), undefined, "no second hold in the same episode");
  gate.submitted(["a"]);
  gate.routed("b"); // a new episode
  assert.ok(gate.hold(), "held again");
  gate.submitted(["b"]);
});

Deno.test("SubmissionGate shares one opening among its waiters and leaves no timer behind", async () => {
  const t = heldClock();
  const gate = new SubmissionGate({ clock: t.clock });
  gate.routed("a");
  const waits = [gate.hold()!, gate.hold()!, gate.hold()!];
  assert.equal(t.sleeping(), 3);
  gate.submitted(["a"]);
  await Promise.all(waits);
});

Deno.test("SubmissionGate: a call marked by a token before its key is known holds through the handoff", async () => {
  const { clock } = heldClock();
  const gate = new SubmissionGate({ clock });
  const token = Symbol("step");
  gate.routed(token);
  const hold = gate.hold();
  assert.ok(hold, "held while the call's code identity is computed");
  let open = false;
  void hold.then(() => open = true);
  gate.routed("key");
  gate.submitted([token]);
  await Promise.resolve();
  assert.equal(open, false, "the key took the token's place");
  gate.submitted(["key"]);
  await hold;
  assert.equal(open, true);
});
