import assert from "node:assert/strict";
import { openStore } from "../../mod.ts";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";
import { runScript, writeProjectConfig } from "../_helpers/project.ts";

const SCRIPT = `import { step } from "drover";
export const twice = step("twice", ({ x }: { x: number }) => 2 * x, { isolate: true });
export const boom = step("boom", ({ x }: { x: number }): number => {
  throw new RangeError("boom " + x);
});
if (import.meta.main) {
  console.log(await twice({ x: 21 }));
  if (Deno.args[0] === "fail") await boom({ x: 1 });
}
`;

Deno.test("a script run is recorded as done, or failed with its error, and exits with idle isolate workers", async () => {
  await using dir = await tempDir();
  await writeProjectConfig(dir.path);
  await Deno.writeTextFile(`${dir.path}/w.ts`, SCRIPT);

  const ok = await runScript(dir.path, "w.ts");
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), "42");

  const bad = await runScript(dir.path, "w.ts", {}, ["fail"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /RangeError: boom 1/);

  using store = openStore({ dir: `${dir.path}/.drover` });
  const [failed, done] = store.runs.list();
  assert.equal(done.status, "done");
  assert.ok(done.script.endsWith("/w.ts"));
  assert.equal(failed.status, "failed");
  assert.deepEqual(failed.argv, ["fail"]);
  assert.match(failed.error ?? "", /boom 1/);
  const calls = store.listCalls();
  assert.deepEqual(calls.map((c) => `${c.step}:${c.state}:${c.location}`).sort(), [
    "boom:failed:local",
    "twice:done:local:isolate",
  ]);
});

Deno.test("a script that calls configure() still writes every call and ends its run", async () => {
  await using dir = await tempDir();
  await writeProjectConfig(dir.path);
  await Deno.writeTextFile(
    `${dir.path}/c.ts`,
    `import { configure, map, step } from "drover";
export const sq = step("sq", ({ x }: { x: number }) => x * x);
if (import.meta.main) {
  let done = 0;
  configure({ flushMs: 60_000, onEvent: (e) => { if (e.type === "call-done") done++; } });
  const r = await map(sq, Array.from({ length: 50 }, (_, x) => ({ x })));
  console.log(done, r.unwrap().at(-1));
}
`,
  );
  const r = await runScript(dir.path, "c.ts");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "50 2401");
  using store = openStore({ dir: `${dir.path}/.drover` });
  assert.equal(store.listCalls({ states: ["done"] }).length, 50);
  assert.deepEqual(store.runs.list().map((run) => run.status), ["done"]);
});

Deno.test("a rerun records how many calls it answered from the cache, and runs ls shows it", async () => {
  await using dir = await tempDir();
  await writeProjectConfig(dir.path);
  await Deno.writeTextFile(`${dir.path}/w.ts`, SCRIPT);
  assert.equal((await runScript(dir.path, "w.ts")).code, 0);
  assert.equal((await runScript(dir.path, "w.ts")).code, 0);
  {
    using store = openStore({ dir: `${dir.path}/.drover` });
    assert.deepEqual(store.runs.list().map((r) => r.cached), [1, 0]);
  }
  const ls = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}/cli.ts`, "runs", "ls", "--json"],
    cwd: dir.path,
    env: { NO_COLOR: "1" },
    stdout: "piped",
  }).output();
  const runs = JSON.parse(new TextDecoder().decode(ls.stdout));
  assert.deepEqual(runs.map((r: { calls: { cached: number } }) => r.calls.cached), [1, 0]);
});
