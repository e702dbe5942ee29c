import assert from "node:assert/strict";
import { pollPace } from "../../lib/runtime/poll_pace.ts";

const running = (since: number) => ({ state: "running" as const, since });

Deno.test("pollPace() looks quickly while an element is young and slower as it ages", () => {
  const job = (since: number) => ({ submittedAt: 0, elements: [running(since)] });
  assert.equal(pollPace([job(99_900)], { now: 100_000, backoffMs: 2000 }), 250);
  assert.equal(pollPace([job(95_000)], { now: 100_000, backoffMs: 2000 }), 500);
  assert.equal(pollPace([job(0)], { now: 100_000, backoffMs: 2000 }), 2000);
  assert.equal(pollPace([job(0), job(99_000)], { now: 100_000, backoffMs: 2000 }), 250);
});

Deno.test("pollPace() dates a waiting element from its job's submission", () => {
  const pending = { state: "pending" as const, since: 0 };
  const job = { submittedAt: 98_000, elements: [pending] };
  assert.equal(pollPace([job], { now: 100_000, backoffMs: 2000 }), 250);
  assert.equal(pollPace([job], { now: 108_000, backoffMs: 2000 }), 1000);
});

Deno.test("pollPace() keeps the backoff when nothing is young: ended elements, unsubmitted jobs", () => {
  const ended = {
    submittedAt: 99_000,
    elements: [{ state: "exited" as const, since: 99_500 }, {
      state: "decided" as const,
      since: 99_600,
    }],
  };
  const staged = { submittedAt: null, elements: [running(99_900)] };
  assert.equal(pollPace([ended, staged], { now: 100_000, backoffMs: 3000 }), 3000);
  assert.equal(pollPace([], { now: 100_000, backoffMs: 40 }), 40);
  assert.equal(
    pollPace([{ submittedAt: 0, elements: [running(99_990)] }], {
      now: 100_000,
      backoffMs: 2000,
      fastMs: 100,
    }),
    100,
  );
});
