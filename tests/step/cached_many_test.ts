import assert from "node:assert/strict";
import { type DroverEvent, openSession, step } from "../../mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const half = step("t.cached_many.half", ({ x }: { x: number }) => {
  if (x < 0) throw new RangeError("negative");
  return x / 2;
});

Deno.test("Session.cachedMany() answers finished calls in one lookup and leaves the rest to call()", async () => {
  await using dir = await tempDir();
  const events: DroverEvent[] = [];
  await using session = openSession({
    dir: `${dir.path}/.drover`,
    recordRun: false,
    onEvent: (e) => events.push(e),
  });
  await session.call(half.definition, { x: 2 });
  await session.call(half.definition, { x: 4 });
  await assert.rejects(session.call(half.definition, { x: -1 }), /negative/);
  session.flush();
  events.length = 0;
  const inputs = [{ x: 4 }, { x: 6 }, { x: -1 }, { x: 2 }, null as unknown as { x: number }];
  const r = await session.cachedMany(half.definition, inputs);
  assert.deepEqual([...r.hits.entries()], [[0, 2], [3, 1]]);
  for (const i of [0, 1, 2, 3]) {
    assert.equal(r.keys[i], (await session.keyOf(half.definition, inputs[i])).key);
  }
  assert.equal(r.keys[4], undefined, "invalid inputs get no key");
  assert.deepEqual(
    events.filter((e) => e.type === "call-cached").map((e) => (e as { key: string }).key),
    [r.keys[0], r.keys[3]],
  );
});

Deno.test("Session.cachedMany() answers nothing for a step that is not cached", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const now = step("t.cached_many.now", ({ x }: { x: number }) => x, { cache: false });
  await session.call(now.definition, { x: 1 });
  const r = await session.cachedMany(now.definition, [{ x: 1 }]);
  assert.equal(r.hits.size, 0);
});

Deno.test("Session.cachedMany() keeps a list found done in full as a result set and answers from it next time", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const inputs = Array.from({ length: 70 }, (_, x) => ({ x }));
  for (const i of inputs) await session.call(half.definition, i);
  session.flush();
  const keys = (await session.cachedMany(half.definition, inputs, { lookup: false })).keys;
  assert.equal(
    session.store.resultSets.get(keys as string[]),
    undefined,
    "calls one by one keep no set",
  );
  const first = await session.cachedMany(half.definition, inputs);
  assert.equal(first.hits.size, 70);
  assert.equal(session.store.resultSets.get(keys as string[])?.length, 70);
  // A list with a call not done keeps no set.
  const more = [...inputs, { x: 1000 }];
  const third = await session.cachedMany(half.definition, more);
  assert.equal(third.hits.size, 70);
  assert.equal(session.store.db.prepare("SELECT count(*) AS n FROM result_sets").get()?.n, 1);
  // Answered from the set: the calls' rows are not read (their results are gone now).
  session.store.db.exec("DELETE FROM objects");
  const second = await session.cachedMany(half.definition, inputs);
  assert.deepEqual([...second.hits.entries()], [...first.hits.entries()]);
});
