import assert from "node:assert/strict";
import { z } from "zod";
import { registerTask, table } from "../../lib/queue/mod.ts";
import { openStore } from "../../lib/store/mod.ts";
import { NOW, runCli } from "./_fixture.ts";

async function project(rows: number): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir();
  {
    using store = openStore({ dir: `${dir}/.drover` });
    table("nums", z.object({ id: z.number(), n: z.number() }))
      .insert(Array.from({ length: rows }, (_, i) => ({ id: i + 1, n: i + 1 })), { store });
    registerTask(store, { name: "work", source: "nums", priority: "n ASC", inFlight: 2 });
    store.db.prepare(
      `INSERT INTO queue_items (task, row_seq, state, owner, lease_until, fence, attempts, claimed_at)
       VALUES ('work', 1, 'claimed', 'gone', ?, 1, 1, ?)`,
    ).run(NOW - 1000, NOW - 5000);
    store.db.prepare(
      `INSERT INTO queue_items (task, row_seq, state, fence, attempts, result, claimed_at, ended_at)
       VALUES ('work', 2, 'done', 1, 1, '4', ?, ?)`,
    ).run(NOW - 9000, NOW - 5000);
  }
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("main() shows each task's standing when running queue status", async () => {
  await using p = await project(8);
  const r = await runCli(["queue", "status"], p.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "TASK  FLIGHT  PENDING  RUNNING  EXPIRED  DONE  FAILED  LEASE  COST   ETA    NEXT\n" +
      "work       2        6        0        1     1       0  over   24.0s  12.0s  3 4 5 6 7\n" +
      "work: from nums, by n ASC\n",
  );
  const json = JSON.parse((await runCli(["queue", "status", "--json"], p.dir)).stdout);
  assert.deepEqual(
    [json[0].pending, json[0].expired, json[0].medianMs, json[0].remainingMs],
    [6, 1, 4000, 24_000],
  );
});

Deno.test("main() changes settings and row order for the next claim when running queue set|promote|demote", async () => {
  await using p = await project(8);
  const set = await runCli([
    "queue",
    "set",
    "work",
    "--in-flight",
    "5",
    "--priority",
    "n DESC",
    "--where",
    "n > 3",
  ], p.dir);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'Task "work": in flight 5, priority n DESC, filter n > 3\n');
  assert.equal((await runCli(["queue", "promote", "work", "4"], p.dir)).stdout, "Promoted 4\n");
  assert.equal((await runCli(["queue", "demote", "work", "8"], p.dir)).code, 0);
  const status = JSON.parse((await runCli(["queue", "status", "--json"], p.dir)).stdout);
  assert.deepEqual(status[0].next, ["4", "7", "6", "5", "8"]);
  assert.deepEqual(status[0].settings.overridden, ["where", "priority", "inFlight"]);
  const bad = await runCli(["queue", "set", "work", "--where", "n >> 3"], p.dir);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^ {2}n >> 3\n {5}\^\ndrover: Cannot read the filter of task "work" "n >> 3": /,
  );
  const missing = await runCli(["queue", "promote", "work", "42"], p.dir);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    'drover: Cannot promote rows of task "work": no row with key "42" in its table\n',
  );
  const unknown = await runCli(["queue", "set", "nope", "--in-flight", "1"], p.dir);
  assert.equal(
    unknown.stderr,
    'drover: Cannot find task "nope": no runner has registered it (tasks: work)\n',
  );
  const reset = await runCli(["queue", "set", "work", "--reset"], p.dir);
  assert.equal(reset.stdout, 'Task "work": in flight 2, priority n ASC, filter (none)\n');
});

Deno.test("main() runs tasks a module defines when running queue run", async () => {
  await using p = await project(4);
  const mod = new URL("../../lib/queue/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${p.dir}/tasks.ts`,
    `import { task } from "${mod}";\n` +
      `export const double = task("double", { from: "nums", step: ({ row }) => row.n * 2 });\n`,
  );
  const r = await runCli(
    ["queue", "run", "double", "--module", "tasks.ts", "--in-flight", "3"],
    p.dir,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "double: 4 done, 0 failed\n");
  const status = JSON.parse((await runCli(["queue", "status", "--json"], p.dir)).stdout);
  assert.deepEqual(status.map((s: { settings: { name: string } }) => s.settings.name), [
    "double",
    "work",
  ]);
  assert.equal(status[0].done, 4);
  const unknown = await runCli(["queue", "run", "triple", "--module", "tasks.ts"], p.dir);
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /Cannot run task "triple": "tasks.ts" does not define it \(tasks: .*double/,
  );
});

Deno.test("main() forgets finished rows older than --older-than when running queue purge, only with --yes", async () => {
  await using p = await project(8);
  await runCli(["queue", "status"], p.dir); // the task's items follow its table (as a runner's do)
  const dry = await runCli(["queue", "purge", "--older-than", "2s"], p.dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(
    dry.stdout,
    "Would remove work: 1 done, 0 failed\nNothing removed: run again with --yes to remove them\n",
  );
  const recent = await runCli(["queue", "purge", "--older-than", "10s", "--yes"], p.dir);
  assert.equal(recent.stdout, "Nothing ended more than 10s ago\n");
  const done = await runCli(["queue", "purge", "work", "--older-than", "2s", "--yes"], p.dir);
  assert.equal(done.stdout, "Removed work: 1 done, 0 failed\n");
  const status = JSON.parse((await runCli(["queue", "status", "--json"], p.dir)).stdout);
  assert.deepEqual([status[0].done, status[0].pending, status[0].medianMs], [0, 6, null]);
  const usage = await runCli(["queue", "purge"], p.dir);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--older-than is required/);
  const unknown = await runCli(["queue", "purge", "nope", "--older-than", "1d"], p.dir);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Cannot find task "nope"/);
});
