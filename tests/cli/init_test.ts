import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { runCli } from "./_fixture.ts";

Deno.test("main() creates the store and says where when running init in an empty directory", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
  try {
    const first = await runCli(["init"], dir);
    assert.equal(first.code, 0);
    assert.equal(Deno.statSync(`${dir}/.drover/drover.db`).isFile, true);
    const again = await runCli(["init"], dir);
    assert.equal(again.code, 0);
    await assertGolden("init", first.stdout + again.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() creates the store in DIR when init is given a directory", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
  try {
    const r = await runCli(["init", "proj", "--json"], dir);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { store: "<TMP>/proj/.drover", created: true });
    assert.equal(Deno.statSync(`${dir}/proj/.drover`).isDirectory, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() exits 1 without creating a store when a command finds none", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
  try {
    const r = await runCli(["status"], dir);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'drover: Cannot find a store: no .drover directory in "<TMP>" or its parents; create one with "drover init" or pass --project DIR\n',
    );
    assert.throws(() => Deno.statSync(`${dir}/.drover`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
