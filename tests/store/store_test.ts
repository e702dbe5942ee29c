import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import {
  type CallRecord,
  FilterError,
  findProjectDir,
  INLINE_LIMIT_BYTES,
  type ObjectEvent,
  openStore,
  SCHEMA_VERSION,
  SchemaVersionError,
  StoreLockedError,
} from "../../lib/store/mod.ts";
import { collectGarbage, planGc } from "../../lib/store/object_gc.ts";
import { callRecord } from "../_helpers/call_record.ts";
import { tempDir } from "../_helpers/temp.ts";
import { MIGRATIONS } from "../../lib/store/schema.ts";

function call(key: string, over: Partial<CallRecord> = {}): CallRecord {
  return callRecord(key, { argHashes: { x: "aa" }, ...over });
}

Deno.test("findProjectDir() finds .drover in a parent directory", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/.drover`);
  await Deno.mkdir(`${dir.path}/a/b`, { recursive: true });
  assert.equal(findProjectDir({ cwd: `${dir.path}/a/b`, env: "" }), `${dir.path}/.drover`);
});

Deno.test("findProjectDir() prefers DROVER_PROJECT", async () => {
  await using dir = await tempDir();
  assert.equal(findProjectDir({ cwd: "/", env: `${dir.path}/.drover` }), `${dir.path}/.drover`);
});

Deno.test("openStore() creates the store and records the schema version", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  assert.ok(Deno.statSync(`${dir.path}/.drover/objects`).isDirectory);
  const db = new DatabaseSync(store.dbPath);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
  db.close();
  assert.equal(row?.value, String(SCHEMA_VERSION));
});

Deno.test("openStore() refuses a store from a newer schema version and leaves it untouched", async () => {
  await using dir = await tempDir();
  openStore({ cwd: dir.path }).close();
  const path = `${dir.path}/.drover/drover.db`;
  const db = new DatabaseSync(path);
  db.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  db.close();
  const before = await Deno.readFile(path);
  assert.throws(
    () => openStore({ cwd: dir.path }),
    (e: unknown) =>
      e instanceof SchemaVersionError && e.found === 99 &&
      e.message.includes(
        `schema version 99 but this drover knows only up to ${SCHEMA_VERSION};`,
      ),
  );
  assert.deepEqual(await Deno.readFile(path), before);
});

Deno.test("Store.putCall() and getCall() round-trip a record", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  const rec = call("ab".repeat(32), {
    state: "failed",
    error: { name: "RangeError", message: "bad", data: { n: 1 } },
    failure: { reason: "timeout", retryable: true, retryState: "max-restarts" },
  });
  store.putCall(rec);
  assert.deepEqual(store.getCall(rec.key), rec);
  assert.equal(store.getCall("ff".repeat(32)), undefined);
});

Deno.test("Store.putCall() keeps created_at of an existing row", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  store.putCall(call("k1", { createdAt: 5 }));
  store.putCall(call("k1", { createdAt: 99, attempts: 2 }));
  assert.equal(store.getCall("k1")?.createdAt, 5);
  assert.equal(store.getCall("k1")?.attempts, 2);
});

Deno.test("Store.listCalls() filters by step, state and SQL where", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  store.putCall(call("a1", { step: "relax" }));
  store.putCall(call("a2", { step: "relax", state: "failed" }));
  store.putCall(call("a3", { step: "score", attempts: 3 }));
  assert.deepEqual(store.listCalls({ step: "relax" }).map((c) => c.key).sort(), ["a1", "a2"]);
  assert.deepEqual(store.listCalls({ states: ["failed"] }).map((c) => c.key), ["a2"]);
  assert.deepEqual(store.listCalls({ where: "attempts > 2" }).map((c) => c.key), ["a3"]);
  assert.deepEqual(store.countCalls(), [
    { step: "relax", state: "done", count: 1 },
    { step: "relax", state: "failed", count: 1 },
    { step: "score", state: "done", count: 1 },
  ]);
});

Deno.test("Store.listCalls() rejects a bad where clause with FilterError and changes nothing", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  store.putCall(call("a1"));
  assert.throws(() => store.listCalls({ where: "nosuchcolumn = 1" }), FilterError);
  assert.throws(() => store.listCalls({ where: "1); DELETE FROM calls; --" }), FilterError);
  assert.throws(
    () => store.removeCalls({ where: "1); DELETE FROM calls; --" }),
    (e: unknown) => e instanceof FilterError && /not valid SQL/.test(e.message),
  );
  assert.equal(store.listCalls().length, 1);
});

Deno.test("Store.removeCalls() supports a dry run and removes in one go", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  for (const k of ["a1", "a2", "a3"]) store.putCall(call(k));
  assert.equal(store.removeCalls({ keys: ["a1", "a2"] }, { dryRun: true }).length, 2);
  assert.equal(store.listCalls().length, 3);
  assert.deepEqual(store.removeCalls({ keys: ["a1", "a2"] }).sort(), ["a1", "a2"]);
  assert.deepEqual(store.listCalls().map((c) => c.key), ["a3"]);
});

Deno.test("Store.resolveKey() resolves unique prefixes", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  store.putCall(call("abcdef01" + "0".repeat(56)));
  store.putCall(call("abcdef02" + "0".repeat(56)));
  assert.equal(store.resolveKey("abcdef01").length, 1);
  assert.equal(store.resolveKey("abcdef").length, 2);
  assert.equal(store.resolveKey("zz").length, 0);
});

Deno.test("ObjectStore keeps small objects inline and large ones as files", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  const small = store.objects.put(new Uint8Array(100).fill(1));
  const big = store.objects.put(new Uint8Array(INLINE_LIMIT_BYTES + 1).fill(2));
  assert.throws(() => Deno.statSync(store.objects.pathOf(small)));
  assert.equal(Deno.statSync(store.objects.pathOf(big)).size, INLINE_LIMIT_BYTES + 1);
  assert.equal(store.objects.get(big)?.byteLength, INLINE_LIMIT_BYTES + 1);
  assert.equal(store.objects.put(new Uint8Array(100).fill(1)), small);
});

Deno.test("ObjectStore.put() reuses a complete file whose row was rolled back, and rewrites a damaged one", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  const bytes = new Uint8Array(INLINE_LIMIT_BYTES + 10).fill(4);
  store.db.exec("BEGIN");
  const ref = store.objects.put(bytes);
  store.db.exec("ROLLBACK");
  const path = store.objects.pathOf(ref);
  const before = Deno.statSync(path);
  assert.equal(store.objects.get(ref), undefined, "no row after the rollback");
  assert.equal(store.objects.put(bytes), ref);
  assert.equal(
    Deno.statSync(path).ino,
    before.ino,
    "the file in place was kept, not written again",
  );
  assert.equal(store.objects.get(ref)?.byteLength, bytes.byteLength);
  store.db.prepare("DELETE FROM objects WHERE hash = ?").run(ref);
  const damaged = bytes.slice();
  damaged[3] = 9;
  Deno.writeFileSync(path, damaged);
  store.objects.put(bytes);
  assert.equal(
    store.objects.get(ref)?.[3],
    4,
    "a file of the same size but other content is replaced",
  );
});

Deno.test("ObjectStore.get() reports a corrupted object and treats it as missing", async () => {
  await using dir = await tempDir();
  const events: ObjectEvent[] = [];
  using store = openStore({ cwd: dir.path, onEvent: (e) => events.push(e) });
  const ref = store.objects.put(new Uint8Array(INLINE_LIMIT_BYTES + 10).fill(3));
  const path = store.objects.pathOf(ref);
  const bytes = await Deno.readFile(path);
  bytes[7] ^= 0xff;
  await Deno.writeFile(path, bytes);
  assert.equal(store.objects.get(ref), undefined);
  assert.equal(events.length, 1);
  assert.equal(events[0].hash, ref);
  // A rewrite of the same content repairs it.
  store.objects.put(new Uint8Array(INLINE_LIMIT_BYTES + 10).fill(3));
  assert.equal(store.objects.get(ref)?.[7], 3);
});

Deno.test("ObjectStore.get() detects a corrupted inline object", async () => {
  await using dir = await tempDir();
  const events: ObjectEvent[] = [];
  using store = openStore({ cwd: dir.path, onEvent: (e) => events.push(e) });
  const ref = store.objects.put(new Uint8Array([1, 2, 3]));
  store.db.prepare("UPDATE objects SET data = ? WHERE hash = ?").run(
    new Uint8Array([9, 9, 9]),
    ref,
  );
  assert.equal(store.objects.get(ref), undefined);
  assert.equal(events[0]?.type, "object-corrupt");
});

Deno.test("planGc()/collectGarbage() remove only unreferenced objects and stray files; calls and flow runs keep theirs", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  const kept = store.objects.put(new Uint8Array(INLINE_LIMIT_BYTES).fill(4));
  const keptInputs = store.objects.put(new Uint8Array([7, 7]));
  const flowInputs = store.objects.put(new Uint8Array([8, 8]));
  const dropped = store.objects.put(new Uint8Array(INLINE_LIMIT_BYTES).fill(5));
  const droppedSmall = store.objects.put(new Uint8Array([5]));
  store.putCall(call("k", { resultRef: kept, inputsRef: keptInputs }));
  store.flowRuns.create({
    flow: "f",
    inputsRef: flowInputs,
    origin: "run",
    cwd: dir.path,
    steps: [],
  });
  const stray = `${store.objects.pathOf("ee".repeat(32))}`;
  await Deno.mkdir(dirname(stray), { recursive: true });
  await Deno.writeFile(stray, new Uint8Array([1]));
  const opts = { graceMs: 0, now: Date.now() + 1000 };
  const plan = planGc(store, opts);
  assert.deepEqual(plan.unreferenced.map((o) => o.hash).sort(), [dropped, droppedSmall].sort());
  assert.equal(plan.bytes, INLINE_LIMIT_BYTES + 1);
  assert.equal(plan.referenced, 3);
  assert.ok(store.objects.has(dropped), "planning deletes nothing");
  assert.deepEqual(collectGarbage(store, plan, opts), {
    objects: 2,
    bytes: INLINE_LIMIT_BYTES + 1,
  });
  for (const ref of [kept, keptInputs, flowInputs]) assert.ok(store.objects.get(ref));
  assert.equal(store.objects.has(dropped), false);
  assert.equal(store.objects.has(droppedSmall), false);
  assert.throws(() => Deno.statSync(store.objects.pathOf(dropped)));
  assert.throws(() => Deno.statSync(stray));
  // A call recorded after the plan names one of its objects: the collection keeps it.
  const late = store.objects.put(new Uint8Array([6]));
  const plan2 = planGc(store, opts);
  assert.deepEqual(plan2.unreferenced.map((o) => o.hash), [late]);
  store.putCall(call("k2", { resultRef: late }));
  assert.equal(collectGarbage(store, plan2, opts).objects, 0);
  assert.ok(store.objects.has(late));
});

Deno.test("Store turns a lock held past the busy timeout into StoreLockedError", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  const other = new DatabaseSync(store.dbPath);
  other.exec("PRAGMA busy_timeout = 0");
  store.db.exec("PRAGMA busy_timeout = 50");
  other.exec("BEGIN IMMEDIATE");
  try {
    assert.throws(
      () => store.putCall(call("k")),
      (e: unknown) => e instanceof StoreLockedError && e.retryable && /locked/.test(e.message),
    );
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  store.putCall(call("k"));
  assert.ok(store.getCall("k"));
});

Deno.test("Store.transaction() rolls back every change when it throws", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  assert.throws(() =>
    store.transaction(() => {
      store.putCall(call("k1"));
      throw new Error("boom");
    }), /boom/);
  assert.equal(store.getCall("k1"), undefined);
});

Deno.test("store.runs.list() marks runs of dead processes as interrupted", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  const child = new Deno.Command("true").spawn();
  const { pid } = child;
  await child.status;
  const id = store.runs.start({ script: "w.ts", argv: ["a"], cwd: dir.path });
  store.db.prepare("UPDATE runs SET pid = ? WHERE id = ?").run(pid, id);
  const mine = store.runs.start({ script: "w.ts", argv: [], cwd: dir.path });
  const runs = store.runs.list();
  assert.equal(runs.find((r) => r.id === id)?.status, "interrupted");
  assert.equal(runs.find((r) => r.id === mine)?.status, "running");
  store.runs.end(mine, "done");
  assert.equal(store.runs.get(mine)?.status, "done");
  assert.deepEqual(store.runs.get(id)?.argv, ["a"]);
});

Deno.test("openStore() upgrades a schema-1 store to the job tables and keeps its calls", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/.drover/drover.db`;
  await Deno.mkdir(`${dir.path}/.drover`);
  const db = new DatabaseSync(path);
  db.exec(MIGRATIONS[0]);
  db.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '1')");
  db.exec(
    "INSERT INTO calls (key, step, state, code_hash, version, arg_hashes, location, created_at) VALUES ('k', 's', 'done', 'c', '', '{}', 'local', 1)",
  );
  db.close();
  using store = openStore({ cwd: dir.path });
  assert.equal(store.getCall("k")?.step, "s");
  const id = store.jobs.createJob({
    name: "dr-s-1",
    system: "hpc",
    step: "s",
    size: 1,
    attempt: 1,
    spec: { route: "x" },
    dir: "/r/jobs/dr-s-1",
    runId: null,
    createdAt: 1,
  }, [{ key: "k", element: 0, inputsRef: "i" }]);
  assert.equal(store.jobs.elementsInFlight("hpc"), 1);
  store.jobs.decideCall(id, "k", { state: "done", resultRef: "r" });
  assert.equal(store.jobs.elementsInFlight("hpc"), 0);
  assert.equal(store.jobs.latestCallOf("k")?.call.resultRef, "r");
});

Deno.test("JobStore.takePollTurn() gives one turn per interval across owners", async () => {
  await using dir = await tempDir();
  using store = openStore({ cwd: dir.path });
  assert.equal(store.jobs.takePollTurn("hpc", "a", 1000, 500), true);
  assert.equal(store.jobs.takePollTurn("hpc", "b", 1200, 500), false);
  assert.equal(store.jobs.takePollTurn("hpc", "a", 1200, 500), true);
  assert.equal(store.jobs.takePollTurn("hpc", "b", 1800, 500), true);
  assert.equal(store.jobs.takePollTurn("other", "b", 1800, 500), true);
});

Deno.test("Store.lookupCall() answers done (lean query), failed and absent calls with every field", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const result = new Uint8Array([0x18, 42]);
  const resultRef = store.objects.put(result);
  store.putCall(call("d", { resultRef, attempts: 2, createdAt: 7, location: "local:isolate" }));
  assert.deepEqual(store.lookupCall("d"), {
    state: "done",
    resultRef,
    result,
    error: null,
    attempts: 2,
    createdAt: 7,
    failure: null,
    owner: null,
    leaseUntil: null,
    location: "local:isolate",
  });
  const error = { name: "E", message: "m" };
  store.putCall(call("f", { state: "failed", error }));
  const failed = store.lookupCall("f");
  assert.equal(failed?.state, "failed");
  assert.deepEqual(failed?.error, error);
  assert.equal(failed?.failure?.reason, "exception");
  assert.equal(store.lookupCall("absent"), undefined);
  // A done row whose result lives only on a system: no bytes, its ref.
  store.putCall(call("r", { resultRef: "ab".repeat(32), location: "cluster" }));
  assert.deepEqual(
    [store.lookupCall("r")?.result, store.lookupCall("r")?.resultRef],
    [undefined, "ab".repeat(32)],
  );
});
