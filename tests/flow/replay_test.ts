import assert from "node:assert/strict";
import { type DroverEvent, flow, type FlowArray, mapStep, openSession, step } from "../../mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const inv = step("t.replay.inv", ({ x }: { x: number }) => {
  if (x === 0) throw new RangeError("no inverse of 0");
  return 1 / x;
}, { returns: "y" });
const f = flow("t_replay", mapStep(inv, "x[i] -> y[i]"));

Deno.test("Flow.run() replays a map from the cache in one lookup, keeping failures and keys", async () => {
  await using dir = await tempDir();
  const events: DroverEvent[] = [];
  await using session = openSession({
    dir: `${dir.path}/.drover`,
    recordRun: false,
    onEvent: (e) => events.push(e),
  });
  const xs = [1, 0, 4, 2];
  const first = (await f.run({ x: xs }, { session })).data.get("y")!.value as FlowArray<number>;
  session.flush();
  events.length = 0;
  const again = (await f.run({ x: xs }, { session })).data.get("y")!.value as FlowArray<number>;
  assert.deepEqual(again.values, [1, undefined, 0.25, 0.5]);
  assert.deepEqual(again.states, first.states);
  for (let i = 0; i < xs.length; i++) assert.equal(again.keyAt(i), first.keyAt(i));
  assert.equal(again.errorAt(1)?.error.message, "no inverse of 0");
  assert.equal(again.errorAt(1)?.key, (await session.keyOf(inv.definition, { x: 0 })).key);
  assert.equal(events.filter((e) => e.type === "call-cached").length, 4);
  assert.equal(events.filter((e) => e.type === "call-start").length, 0, "nothing ran again");
});

Deno.test("Flow.run() of a fresh step stops asking the cache in bulk after a chunk with no hit and keeps its chunks as result sets; a grown step replays its cached part", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const asked: number[] = [];
  const doneResults = session.store.doneResults.bind(session.store);
  session.store.doneResults = (keys) => {
    asked.push(keys.length);
    return doneResults(keys);
  };
  const xs = Array.from({ length: 20 * 1024 }, (_, i) => i + 1);
  const fresh = (await f.run({ x: xs }, { session })).data.get("y")!.value as FlowArray<number>;
  assert.equal(fresh.counts().ok, xs.length);
  // Chunk 0 finds nothing; chunks 1-15 are not looked up, chunk 16 is probed again.
  assert.deepEqual(asked, [1024, 1024]);
  asked.length = 0;
  const grown = [...xs, ...Array.from({ length: 1024 }, (_, i) => -(i + 1))];
  const again = (await f.run({ x: grown }, { session })).data.get("y")!.value as FlowArray<number>;
  assert.equal(again.counts().ok, grown.length);
  // The first run kept each full chunk as a result set: only the new chunk is looked up
  // call by call.
  assert.deepEqual(asked, [1024]);
  assert.equal(again.at(grown.length - 1), -1 / 1024);
  assert.equal(again.at(5), 1 / 6);
  // Without the sets, every chunk of the replay hits, so every chunk is looked up.
  session.store.db.exec("DELETE FROM result_sets");
  asked.length = 0;
  const third = (await f.run({ x: grown }, { session })).data.get("y")!.value as FlowArray<number>;
  assert.equal(third.counts().ok, grown.length);
  assert.equal(asked.length, 21);
  // ... and keeps them again: the next replay reads no call.
  asked.length = 0;
  await f.run({ x: grown }, { session });
  assert.deepEqual(asked, []);
});
