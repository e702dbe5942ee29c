import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openStore, SchemaMarkerError } from "../../lib/store/mod.ts";

for (const marker of ["-1", "banana", "0", "1.5", ""]) {
  Deno.test(`openStore() refuses a garbage schema marker ${JSON.stringify(marker)} and leaves it`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      openStore({ dir: `${dir}/.drover` }).close();
      const raw = new DatabaseSync(`${dir}/.drover/drover.db`);
      raw.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(marker);
      raw.close();
      assert.throws(
        () => openStore({ dir: `${dir}/.drover` }),
        (e: unknown) =>
          e instanceof SchemaMarkerError && e.found === marker &&
          e.message.includes(`schema version ${JSON.stringify(marker)} is not a version number`) &&
          e.message.includes(`${dir}/.drover/drover.db`) && !e.message.includes("\n"),
      );
      const check = new DatabaseSync(`${dir}/.drover/drover.db`, { readOnly: true });
      const row = check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
      check.close();
      assert.equal(row?.value, marker);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("openStore() refuses a meta table without a schema marker", async () => {
  const dir = await Deno.makeTempDir();
  try {
    openStore({ dir: `${dir}/.drover` }).close();
    const raw = new DatabaseSync(`${dir}/.drover/drover.db`);
    raw.exec("DELETE FROM meta WHERE key = 'schema_version'");
    raw.close();
    assert.throws(() => openStore({ dir: `${dir}/.drover` }), /has no schema_version/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
