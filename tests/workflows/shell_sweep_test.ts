import assert from "node:assert/strict";
import { fill, grid } from "../../workflows/shell_sweep.ts";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";
import { runScript, writeProjectConfig } from "../_helpers/project.ts";

Deno.test("grid() builds every combination in order", () => {
  assert.deepEqual(grid({ a: ["1", "2"], b: ["x", "y"] }).map((c) => `${c.a}${c.b}`), [
    "1x",
    "1y",
    "2x",
    "2y",
  ]);
});

Deno.test("fill() rejects a placeholder without a parameter", () => {
  assert.equal(fill("run {a} {a}", { a: "1" }), "run 1 1");
  assert.throws(() => fill("run {b}", { a: "1" }), /--cmd uses \{b\}/);
});

Deno.test("shell_sweep runs each command once and reports failures", async () => {
  await using dir = await tempDir();
  await writeProjectConfig(dir.path);
  const args = [
    "--cmd",
    "echo {a} >> ran.log; test {a} != 3",
    "--param",
    "a=1,2,3",
  ];
  const script = `${REPO_ROOT}/workflows/shell_sweep.ts`;
  let r = await runScript(dir.path, script, {}, args);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /2 ok, 1 failed/);
  r = await runScript(dir.path, script, {}, args);
  assert.match(r.stdout, /2 ok, 1 failed/);
  // Second run: nothing ran again (the failure is reported from the store).
  assert.deepEqual(
    (await Deno.readTextFile(`${dir.path}/ran.log`)).split("\n").filter(Boolean).sort(),
    [
      "1",
      "2",
      "3",
    ],
  );
  r = await runScript(dir.path, script, {}, [...args, "--retry-failed"]);
  assert.equal(
    (await Deno.readTextFile(`${dir.path}/ran.log`)).split("\n").filter(Boolean).length,
    4,
  );
});
