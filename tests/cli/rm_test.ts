import assert from "node:assert/strict";
import { runCli, seededProject } from "./_fixture.ts";
import { assertGolden } from "./_golden.ts";

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
  await assertGolden("rm_dry_run", r.stdout);
  assert.equal(countCalls(fx), 7);
});

Deno.test("main() removes matching calls and counts them by step when running rm", async () => {
  await using fx = await seededProject();
  const r = await runCli(["rm", "--where", "location LIKE 'local%'", "--yes"], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "Removed 5 calls: relax 3, score 2\n");
  assert.equal(countCalls(fx), 2);
  const again = await runCli(["rm", "--where", "location LIKE 'local%'", "--yes"], fx.dir);
  assert.equal(again.stdout, "Removed 0 calls\n");
});

Deno.test("main() removes calls by key prefix when running rm KEY...", async () => {
  await using fx = await seededProject();
  const r = await runCli(
    ["rm", fx.keys.si.slice(0, 8), fx.keys["score-1"], "--json", "--yes"],
    fx.dir,
  );
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
  const r = await runCli(["rm", fx.keys.si, "abcdef0123", "--yes"], fx.dir);
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
  const all = await runCli(["rm", "--all", "-y"], fx.dir);
  assert.equal(all.code, 0);
  assert.equal(all.stdout, "Removed 7 calls: relax 5, score 2\n");
  assert.equal(countCalls(fx), 0);
});

Deno.test("main() exits 2 and removes nothing when rm --where is not valid, escapes or tries to write", async () => {
  await using fx = await seededProject();
  for (
    const where of [
      "state = ",
      "1); DELETE FROM calls; --",
      "0) OR (1=1",
      "1=1 UNION SELECT key, step FROM calls",
    ]
  ) {
    const r = await runCli(["rm", "--step", "score", "--where", where, "--yes"], fx.dir);
    assert.equal(r.code, 2, where);
    assert.equal(r.stderr.split("\n").length, 2, "one line");
    assert.match(r.stderr, /^drover: Cannot filter calls: /);
    assert.equal(countCalls(fx), 7);
  }
});

Deno.test("main() refuses rm without a terminal and without --yes, changing nothing", async () => {
  await using fx = await seededProject();
  const r = await runCli(["rm", "--step", "relax"], fx.dir);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    "drover: Cannot remove 5 calls: not confirmed; pass --yes to go ahead without a terminal (--dry-run shows what would go)\n",
  );
  assert.equal(countCalls(fx), 7);
});

Deno.test("main() shows what rm will remove and asks on a terminal", async () => {
  await using fx = await seededProject();
  const no = await runCli(["rm", "--state", "done"], fx.dir, { answers: ["n"] });
  assert.equal(no.code, 1);
  assert.deepEqual(no.questions, ["Remove 5 calls? [y/N] "]);
  assert.match(
    no.stderr,
    /^Will remove 5 calls: relax 4, score 1\n {2}relax {2}4 done\n {2}score {2}1 done\n/,
  );
  assert.match(no.stderr, /\ndrover: Cannot remove 5 calls: not confirmed; nothing was changed\n$/);
  assert.equal(countCalls(fx), 7);
  const eof = await runCli(["rm", "--state", "done"], fx.dir, { answers: [null] });
  assert.equal(eof.code, 1);
  assert.equal(countCalls(fx), 7);
  const yes = await runCli(["rm", "--state", "done"], fx.dir, { answers: ["y"] });
  assert.equal(yes.code, 0, yes.stderr);
  assert.equal(yes.stdout, "Removed 5 calls: relax 4, score 1\n");
  assert.equal(countCalls(fx), 2);
});

Deno.test("main() keeps --step when a --where tries to reach other steps (rm)", async () => {
  await using fx = await seededProject();
  const r = await runCli(["rm", "--step", "score", "--where", "0) OR (1=1", "--yes"], fx.dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /"\)" closes a parenthesis it did not open/);
  const ok = await runCli(
    ["rm", "--step", "score", "--where", "1=1 -- all of score", "--yes"],
    fx.dir,
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "Removed 2 calls: score 2\n");
  assert.equal(countCalls(fx), 5);
});

Deno.test("main() selects what rm would remove without taking the store's write lock", async () => {
  await using fx = await seededProject();
  // Another process holds the write lock. Selecting (a --where included) must not wait for
  // it: the refusal and the dry run come back at once, not after the 5 s busy timeout.
  using other = fx.open();
  other.db.exec("BEGIN IMMEDIATE");
  try {
    const started = performance.now();
    const where = "(SELECT COUNT(*) FROM calls a, calls b) > 0";
    const refused = await runCli(["rm", "--where", where], fx.dir);
    const dry = await runCli(["rm", "--where", where, "--dry-run"], fx.dir);
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Would remove 7 calls/);
    assert.ok(performance.now() - started < 4000, "did not wait for the lock");
  } finally {
    other.db.exec("ROLLBACK");
  }
  assert.equal(countCalls(fx), 7);
});
