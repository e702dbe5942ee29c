import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type DroverEvent, openSession, step } from "../../mod.ts";
import { encode } from "../../lib/codec/mod.ts";
import { legacyCallKey } from "../../lib/step/key.ts";
import { openStore } from "../../lib/store/mod.ts";
import { callRecord } from "../_helpers/call_record.ts";
import { tempDir } from "../_helpers/temp.ts";

// A float argument: its key changed with the RFC 8949 hashing rules.
const scale = step("t.legacy_keys.scale", ({ x }: { x: number }) => x * 3);

async function seedLegacy(dir: string): Promise<void> {
  // The call recorded under its drover 0.1 key, as an earlier version stored it.
  await using seed = openSession({ dir, recordRun: false });
  const info = await seed.keyOf(scale.definition, { x: 1.5 });
  const legacy = legacyCallKey(info, { x: 1.5 });
  assert.notEqual(legacy, info.key);
  seed.store.ledger.recordLocal([{
    record: callRecord(legacy, {
      step: info.step,
      codeHash: info.codeHash,
      version: info.version,
      createdAt: 0,
      startedAt: 0,
      endedAt: 0,
    }),
    inputs: encode({ x: 1.5 }),
    result: encode(99),
  }]);
}

Deno.test("a store made by an earlier version keeps its cache under drover 0.1 keys; a store made now does not look twice", async () => {
  await using tmp = await tempDir();
  const old = `${tmp.path}/old/.drover`;
  await seedLegacy(old);
  // An earlier version's store has no key_rules mark.
  const db = new DatabaseSync(`${old}/drover.db`);
  db.exec("DELETE FROM meta WHERE key = 'key_rules'");
  db.close();
  {
    const events: DroverEvent[] = [];
    await using session = openSession({
      dir: old,
      recordRun: false,
      onEvent: (e) => events.push(e),
    });
    assert.equal(session.store.mayHoldLegacyKeys, true);
    assert.equal(await session.call(scale.definition, { x: 1.5 }), 99, "the legacy result");
    assert.ok(events.some((e) => e.type === "call-cached"));
  }
  const fresh = `${tmp.path}/fresh/.drover`;
  await seedLegacy(fresh);
  await using session = openSession({ dir: fresh, recordRun: false });
  assert.equal(session.store.mayHoldLegacyKeys, false);
  assert.equal(await session.call(scale.definition, { x: 1.5 }), 4.5, "computed, not looked up");
  using store = openStore({ dir: fresh });
  assert.equal(store.mayHoldLegacyKeys, false, "the mark persists");
});
