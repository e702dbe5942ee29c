import assert from "node:assert/strict";
import { openStore } from "../../mod.ts";
import { CallWriter } from "../../lib/step/call_writer.ts";
import type { CallRecord } from "../../lib/store/mod.ts";
import { tempDir } from "../_helpers/temp.ts";
import { runScript, writeProjectConfig } from "../_helpers/project.ts";

function record(key: string): CallRecord {
  return {
    key,
    step: "s",
    state: "done",
    codeHash: "c",
    version: "",
    argHashes: {},
    inputsRef: null,
    resultRef: null,
    error: null,
    runId: null,
    location: "local",
    attempts: 1,
    createdAt: 0,
    startedAt: 0,
    endedAt: 0,
  };
}

const bytes = (n: number): Uint8Array => new Uint8Array([0x18, n]); // CBOR uint8

Deno.test("CallWriter commits a batch as soon as it holds maxPending calls", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const writer = new CallWriter(store, { flushMs: 60_000, maxPending: 3 });
  const committed = [0, 1].map((i) => writer.add(record(`k${i}`), bytes(i), bytes(i + 1)));
  assert.equal(writer.commits, 0);
  assert.equal(store.countCalls().length, 0);
  assert.equal(writer.get("k1")?.record.state, "done");
  committed.push(writer.add(record("k2"), bytes(2), bytes(3)));
  assert.equal(writer.commits, 1);
  assert.equal(writer.size, 0);
  await Promise.all(committed);
  assert.equal(store.countCalls()[0].count, 3);
  // Calls sharing an object (the same result) are written with it once.
  assert.deepEqual(store.objects.get(store.getCall("k0")!.resultRef!), bytes(1));
  writer.close();
});

Deno.test("CallWriter commits a small batch within flushMs, in one transaction", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const writer = new CallWriter(store, { flushMs: 1, maxPending: 5000 });
  const committed = Array.from(
    { length: 50 },
    (_, i) => writer.add(record(`k${i}`), bytes(i), bytes(i)),
  );
  assert.equal(writer.size, 50);
  // The batch timer is unref'd (a finished script exits at once and writes its batch on
  // unload): a ref'd timer keeps this test's event loop alive while it waits for it.
  const alive = setTimeout(() => {}, 60_000);
  await Promise.all(committed); // the timer's commit, not a sleep of the test's own
  clearTimeout(alive);
  assert.equal(writer.commits, 1);
  assert.equal(store.listCalls({ states: ["done"] }).length, 50);
  writer.close();
});

Deno.test("CallWriter rejects negative flushMs and maxPending below 1", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  assert.throws(() => new CallWriter(store, { flushMs: -1 }), RangeError);
  assert.throws(() => new CallWriter(store, { maxPending: 0 }), /maxPending must be ≥ 1/);
});

Deno.test("CallWriter fails a batch the store refuses and reports it at the next call", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const writer = new CallWriter(store, { flushMs: 60_000 });
  const bad = { ...record("k"), state: "bogus" } as unknown as CallRecord; // CHECK fails
  const committed = writer.add(bad, bytes(1), bytes(2));
  writer.flush();
  await assert.rejects(committed, /CHECK constraint failed/);
  assert.ok(writer.failure instanceof Error);
  assert.equal(writer.size, 0);
  assert.throws(() => writer.add(record("k2"), bytes(1), bytes(2)), /CHECK constraint failed/);
  writer.close();
});

const SCRIPT = `import { configure, map, step } from "drover";
export const sq = step("sq", async ({ x }: { x: number }) => {
  await Deno.writeTextFile("exec.log", x + "\\n", { append: true });
  return x * x;
});
if (import.meta.main) {
  configure({ flushMs: Number(Deno.args[0]) });
  const first = await map(sq, Array.from({ length: 10 }, (_, x) => ({ x })));
  console.log(JSON.stringify(first.unwrap()));
  if (Deno.args[1] === "hang") {
    await Deno.writeTextFile("ready", "");
    await new Promise(() => setInterval(() => {}, 1000)); // wait for the kill
  }
}
`;

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  throw new Error(`timed out waiting for ${path}`);
}

Deno.test("a kill -9 loses only the open batch, which runs again; a normal exit writes it", async () => {
  await using dir = await tempDir();
  await writeProjectConfig(dir.path);
  await Deno.writeTextFile(`${dir.path}/w.ts`, SCRIPT);
  // The batch stays open (60 s): results were handed back, then the process is killed.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "w.ts", "60000", "hang"],
    cwd: dir.path,
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForFile(`${dir.path}/ready`);
  child.kill("SIGKILL");
  assert.equal((await child.status).signal, "SIGKILL");
  {
    using store = openStore({ dir: `${dir.path}/.drover` });
    assert.equal(store.listCalls({ states: ["done"] }).length, 0);
  }
  // The rerun runs the lost batch again and, exiting normally, writes it before it exits
  // although its own batch is still open (60 s) when the script ends.
  await Deno.writeTextFile(`${dir.path}/exec.log`, "");
  const rerun = await runScript(dir.path, "w.ts", {}, ["60000"]);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.equal(rerun.stdout.trim(), JSON.stringify(Array.from({ length: 10 }, (_, x) => x * x)));
  assert.equal((await Deno.readTextFile(`${dir.path}/exec.log`)).trim().split("\n").length, 10);
  using store = openStore({ dir: `${dir.path}/.drover` });
  assert.equal(store.listCalls({ states: ["done"] }).length, 10);
  // And a third run finds them all.
  await Deno.writeTextFile(`${dir.path}/exec.log`, "");
  assert.equal((await runScript(dir.path, "w.ts", {}, ["60000"])).code, 0);
  assert.equal(await Deno.readTextFile(`${dir.path}/exec.log`), "");
});
