import assert from "node:assert/strict";
import { CallWriter } from "../../lib/step/call_writer.ts";
import { type CallRecord, openStore } from "../../lib/store/mod.ts";
import { callRecord } from "../_helpers/call_record.ts";
import { tempDir } from "../_helpers/temp.ts";

function record(key: string, state: CallRecord["state"] = "done"): CallRecord {
  return callRecord(key, { step: "t.writer", codeHash: "c", state });
}

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

Deno.test("CallWriter commits a group as soon as its results reach maxPendingBytes, without waiting for the timer", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const writer = new CallWriter(store, { flushMs: 60_000, maxPendingBytes: 1000 });
  const first = writer.add(record("a"), bytes(10, 1), bytes(400, 2));
  assert.equal(store.getCall("a"), undefined, "below the bound the call waits");
  const second = writer.add(record("b"), bytes(10, 3), bytes(700, 4));
  assert.equal(writer.size, 0, "the bound was reached: both written at once");
  await Promise.all([first, second]);
  assert.equal(store.getCall("a")?.state, "done");
  assert.equal(store.getCall("b")?.state, "done");
  const third = writer.add(record("c"), bytes(10, 5), bytes(10, 6));
  assert.equal(writer.size, 1, "the byte count starts again after a commit");
  writer.close();
  await third;
  assert.equal(store.getCall("c")?.state, "done");
});

Deno.test("CallWriter: when a group's transaction fails, the calls are written one at a time and only the one that cannot be written fails", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const writer = new CallWriter(store, { flushMs: 60_000 });
  const good1 = writer.add(record("g1"), bytes(4, 1), bytes(4, 2));
  // The calls table's CHECK refuses this state: a real SQLite failure inside the group.
  const bad = writer.add(record("bad", "bogus" as CallRecord["state"]), bytes(4, 3), bytes(4, 4));
  const good2 = writer.add(record("g2"), bytes(4, 5), bytes(4, 6));
  writer.flush();
  await good1;
  await good2;
  await assert.rejects(bad, /CHECK constraint failed/);
  assert.equal(store.getCall("g1")?.state, "done");
  assert.equal(store.getCall("g2")?.state, "done");
  assert.equal(store.getCall("bad"), undefined);
  assert.ok(store.objects.get(store.getCall("g2")!.resultRef!), "the result object is stored");
  assert.equal(writer.size, 0);
  writer.close();
});
