import assert from "node:assert/strict";
import { runCli, seededProject } from "./_fixture.ts";

function countCalls(fx: { open(): { countCalls(): { count: number }[]; close(): void } }): number {
  const store = fx.open();
  try {
    return store.countCalls().reduce((n, c) => n + c.count, 0);
  } finally {
    store.close();
  }
}

Deno.test("main() changes nothing when running rm --dry-run", async () => {
  await using fx = await seededProject();
  const r = await runCli(["rm", "--state", "done", "--dry-run"], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "Would remove 5 calls: relax 4, score 1\n");
  assert.equal(countCalls(fx), 7);
});

Deno.test("main() removes matching calls and counts them by step when running rm", async () => {
  await using fx = await seededProject();
  const r = await runCli(["rm", "--where", "location LIKE 'local%'"], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "Removed 5 calls: relax 3, score 2\n");
  assert.equal(countCalls(fx), 2);
  const again = await runCli(["rm", "--where", "location LIKE 'local%'"], fx.dir);
  assert.equal(again.stdout, "Removed 0 calls\n");
});

Deno.test("main() removes calls by key prefix when running rm KEY...", async () => {
  await using fx = await seededProject();
  const r = await runCli(["rm", fx.keys.si.slice(0, 8), fx.keys["score-1"], "--json"], fx.dir);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout), {
    dryRun: false,
    removed: 2,
    bySteps: { relax: 1, score: 1 },
  });
  using store = fx.open();
  assert.equal(store.getCall(fx.keys.si), undefined);
  assert.notEqual(store.getCall(fx.keys.ge), undefined);
});

Deno.test("main() removes nothing and exits 1 when one of the keys is unknown", async () => {
  await using fx = await seededProject();
  const r = await runCli(["rm", fx.keys.si, "abcdef0123"], fx.dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot find call "abcdef0123"/);
  assert.equal(countCalls(fx), 7);
});

Deno.test("main() exits 2 when rm has no filter, and removes everything with --all", async () => {
  await using fx = await seededProject();
  const refused = await runCli(["rm"], fx.dir);
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    "drover: Cannot remove calls: no filter given; name keys or use --step, --state, --where, or --all to remove every call\n",
  );
  assert.equal(countCalls(fx), 7);
  const all = await runCli(["rm", "--all"], fx.dir);
  assert.equal(all.code, 0);
  assert.equal(all.stdout, "Removed 7 calls: relax 5, score 2\n");
  assert.equal(countCalls(fx), 0);
});

Deno.test("main() exits 1 and removes nothing when rm --where is not valid or tries to write", async () => {
  await using fx = await seededProject();
  for (const where of ["state = ", "1); DELETE FROM calls; --"]) {
    const r = await runCli(["rm", "--where", where], fx.dir);
    assert.equal(r.code, 1, where);
    assert.match(r.stderr, /^drover: Cannot filter calls: /);
    assert.equal(countCalls(fx), 7);
  }
});
