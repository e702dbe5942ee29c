import assert from "node:assert/strict";
import { openStore } from "../../mod.ts";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";
import { runScript, writeProjectConfig } from "../_helpers/project.ts";

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function doneCount(dir: string): number {
  try {
    using store = openStore({ dir: `${dir}/.drover` });
    return store.listCalls({ states: ["done"] }).length;
  } catch {
    return 0;
  }
}

Deno.test("a rerun after kill -9 of the driver reuses every finished call", async () => {
  await using dir = await tempDir();
  await writeProjectConfig(dir.path);
  await Deno.copyFile(`${REPO_ROOT}/tests/e2e/fixtures/kill_workflow.ts`, `${dir.path}/w.ts`);

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "w.ts"],
    cwd: dir.path,
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitFor(() => doneCount(dir.path) === 5, "5 finished calls");
  await waitFor(
    () => (Deno.readTextFileSync(`${dir.path}/exec.log`).trim().split("\n").length === 20),
    "all 20 calls to start",
  );
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");

  await Deno.writeTextFile(`${dir.path}/exec.log`, "");
  await Deno.writeTextFile(`${dir.path}/release`, "");
  const rerun = await runScript(dir.path, "w.ts");
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(JSON.parse(rerun.stdout), Array.from({ length: 20 }, (_, i) => i * i));
  const reran = Deno.readTextFileSync(`${dir.path}/exec.log`).trim().split("\n").map(Number);
  assert.deepEqual(reran.sort((a, b) => a - b), Array.from({ length: 15 }, (_, i) => i + 5));

  using store = openStore({ dir: `${dir.path}/.drover` });
  const runs = store.runs.list();
  assert.deepEqual(runs.map((r) => r.status), ["done", "interrupted"]);
});
