import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { beginImmediate, openDatabase } from "../../lib/store/database.ts";
import { StoreLockedError } from "../../lib/store/mod.ts";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";

Deno.test("beginImmediate() waits in short steps while another connection writes, then begins", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/d.db`;
  const db = openDatabase(path);
  const other = new DatabaseSync(path);
  other.exec("BEGIN IMMEDIATE");
  const pauses: number[] = [];
  beginImmediate(db, path, {
    pause: (ms) => {
      pauses.push(ms);
      if (pauses.length === 6) other.exec("COMMIT");
    },
  });
  assert.equal(db.isTransaction, true);
  assert.equal(pauses.length, 6);
  assert.ok(pauses[0] < 0.1, `first pause ${pauses[0]} ms`);
  assert.ok(pauses.every((ms) => ms <= 3), `pauses ${pauses}`);
  db.exec("INSERT INTO meta VALUES ('x', '1')");
  db.exec("COMMIT");
  // SQLite's busy handler is back for the plain statements.
  assert.equal(db.prepare("PRAGMA busy_timeout").get()?.timeout, 5000);
  other.close();
  db.close();
});

Deno.test("beginImmediate() throws StoreLockedError naming the file once the lock outlasts the timeout", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/d.db`;
  const db = openDatabase(path);
  const other = new DatabaseSync(path);
  other.exec("BEGIN IMMEDIATE");
  let t = 0;
  assert.throws(
    () => beginImmediate(db, path, { timeoutMs: 100, now: () => t, pause: (ms) => t += ms + 10 }),
    (e) => e instanceof StoreLockedError && e.message.includes(path),
  );
  assert.ok(t >= 100 && t < 200, `waited ${t} ms`);
  assert.equal(db.isTransaction, false);
  other.exec("ROLLBACK");
  other.close();
  db.close();
});

Deno.test("transaction() of two processes contending for one store: both commit every write, none lost", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/d.db`;
  openDatabase(path).close();
  const n = 300;
  const script = `
    import { openDatabase, transaction } from "${REPO_ROOT}/lib/store/database.ts";
    const [path, who, n] = Deno.args;
    const db = openDatabase(path);
    const insert = db.prepare("INSERT INTO meta VALUES (?, ?)");
    for (let i = 0; i < Number(n); i++) {
      transaction(db, path, () => { insert.run(who + "-" + i, "1"); });
    }
    db.close();
  `;
  const run = (who: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", script, path, who, String(n)],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const outs = await Promise.all([run("a"), run("b")]);
  for (const o of outs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  const db = new DatabaseSync(path);
  const rows = db.prepare("SELECT key FROM meta WHERE key LIKE 'a-%' OR key LIKE 'b-%'").all();
  db.close();
  assert.equal(rows.length, 2 * n);
});
