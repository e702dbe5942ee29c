import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { CODE, runCli, seededProject } from "./_fixture.ts";
import { pivotVersions } from "../../lib/cli/status.ts";

Deno.test("main() prints counts by step and state when running status", async () => {
  await using fx = await seededProject();
  const r = await runCli(["status"], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  await assertGolden("status", r.stdout);
});

Deno.test("main() prints parseable counts when running status --json", async () => {
  await using fx = await seededProject();
  const r = await runCli(["status", "--json"], fx.dir);
  assert.equal(r.code, 0);
  const json = JSON.parse(r.stdout);
  assert.equal(json.store, "<TMP>/.drover");
  const base = { codeHash: "", version: "", current: true };
  assert.deepEqual(json.steps, [
    {
      ...base,
      step: "relax",
      codeHash: CODE.relax.hash,
      version: "1",
      done: 3,
      failed: 1,
      running: 0,
      total: 4,
    },
    { ...base, step: "score", codeHash: CODE.score.hash, done: 1, failed: 0, running: 1, total: 2 },
  ]);
  assert.deepEqual(json.total, {
    ...base,
    step: "total",
    done: 4,
    failed: 1,
    running: 1,
    total: 6,
  });
  assert.equal(json.olderCalls, 1);
});

Deno.test("main() counts every code version, current first, when running status --all-versions", async () => {
  await using fx = await seededProject();
  const r = await runCli(["status", "--all-versions"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  await assertGolden("status_all_versions", r.stdout);
});

Deno.test("pivotVersions() takes the version whose code the code cache holds now as current", () => {
  const counts = [
    { step: "a", codeHash: "new", version: "", state: "done" as const, count: 1, newest: 9 },
    { step: "a", codeHash: "old", version: "", state: "done" as const, count: 4, newest: 5 },
  ];
  assert.deepEqual(
    pivotVersions(counts, { a: ["old"] }).rows.map((r) => [r.codeHash, r.current]),
    [["old", true], ["new", false]],
  );
  assert.equal(pivotVersions(counts, {}).total.total, 1);
});

Deno.test("main() finds the store from a subdirectory, --project and DROVER_PROJECT", async () => {
  await using fx = await seededProject();
  await Deno.mkdir(`${fx.dir}/a/b`, { recursive: true });
  const fromSub = await runCli(["status", "--json"], `${fx.dir}/a/b`);
  assert.equal(fromSub.code, 0);
  const elsewhere = await Deno.makeTempDir();
  try {
    const byOption = await runCli(["--project", fx.dir, "status", "--json"], elsewhere);
    assert.equal(JSON.parse(byOption.stdout).total.total, 6);
    const byOptionAfter = await runCli(["status", "--json", "--project", fx.dir], elsewhere);
    assert.equal(JSON.parse(byOptionAfter.stdout).total.total, 6);
    const byEnv = await runCli(["status", "--json"], elsewhere, {
      env: { DROVER_PROJECT: `${fx.dir}/.drover` },
    });
    assert.equal(JSON.parse(byEnv.stdout).total.total, 6);
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("main() exits 1 with one line when the store's schema marker is garbage", async () => {
  await using fx = await seededProject();
  {
    using store = fx.open();
    store.db.exec("UPDATE meta SET value = 'banana' WHERE key = 'schema_version'");
  }
  const r = await runCli(["status"], fx.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'drover: Cannot open store "<TMP>/.drover/drover.db": its schema version "banana" is not a version number (meta.schema_version must be a whole number, 1 or more); the file is damaged or not a drover store, and was left as it is\n',
  );
});
