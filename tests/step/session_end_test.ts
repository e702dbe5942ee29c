import assert from "node:assert/strict";
import { BUSY_TIMEOUT_MS } from "../../lib/store/database.ts";
import { openSession } from "../../mod.ts";
import { tempDir } from "../_helpers/temp.ts";

// The other process holds the store's write lock past one busy timeout, then lets go.
const HOLDER = `
  import { DatabaseSync } from "node:sqlite";
  const db = new DatabaseSync(Deno.args[0]);
  db.exec("BEGIN IMMEDIATE");
  await Deno.stdout.write(new TextEncoder().encode("locked\\n"));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(Deno.args[1]));
  db.exec("COMMIT");
  db.close();
`;

Deno.test("Session.endRun() waits out another process's write lock held past the busy timeout and ends the run done", async () => {
  await using dir = await tempDir();
  const session = openSession({ dir: `${dir.path}/.drover` });
  try {
    const runId = session.runId;
    assert.notEqual(runId, null);
    const holder = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", HOLDER, session.store.dbPath, String(BUSY_TIMEOUT_MS + 1500)],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = holder.stdout.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "locked\n");
    session.endRun("done");
    reader.releaseLock();
    await holder.stdout.cancel();
    assert.equal((await holder.status).code, 0);
    const run = session.store.runs.get(runId!);
    assert.equal(run?.status, "done");
    assert.equal(typeof run?.endedAt, "number");
  } finally {
    await session.close();
  }
});
