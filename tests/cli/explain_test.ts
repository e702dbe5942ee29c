import assert from "node:assert/strict";
import { computeCodeIdentity } from "../../lib/step/mod.ts";
import { assertGolden } from "./_golden.ts";
import { CODE, runCli, seededProject } from "./_fixture.ts";

Deno.test("main() prints the parts of a key when explaining one key", async () => {
  await using fx = await seededProject();
  const r = await runCli(["explain", fx.keys.si], fx.dir);
  assert.equal(r.code, 0);
  await assertGolden("explain_one", r.stdout);
  const json = JSON.parse((await runCli(["explain", fx.keys.si, "--json"], fx.dir)).stdout);
  assert.deepEqual(json.codeParts, CODE.relax.parts);
  assert.deepEqual(Object.keys(json.argHashes), ["fmax", "structure"]);
});

Deno.test("main() names the one argument that differs when explaining two keys", async () => {
  await using fx = await seededProject();
  const r = await runCli(["explain", fx.keys.si, fx.keys["si-loose"]], fx.dir);
  assert.equal(r.code, 0);
  await assertGolden("explain_two_argument", r.stdout);
  const json = JSON.parse(
    (await runCli(["explain", fx.keys.si, fx.keys["si-loose"], "--json"], fx.dir)).stdout,
  );
  assert.equal(json.identical, false);
  assert.deepEqual(json.differences.map((d: { kind: string; name: string }) => [d.kind, d.name]), [
    ["argument", "fmax"],
  ]);
});

Deno.test("main() names the version when explaining two keys differing in version", async () => {
  await using fx = await seededProject();
  const r = await runCli(
    ["explain", fx.keys.si.slice(0, 10), fx.keys["si-v2"].slice(0, 10)],
    fx.dir,
  );
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    `Comparing ${fx.keys.si.slice(0, 12)} (relax) with ${
      fx.keys["si-v2"].slice(0, 12)
    } (relax):\n` +
      `  version changed: "1" -> "2"\n`,
  );
});

Deno.test("main() says identical when explaining a key against itself", async () => {
  await using fx = await seededProject();
  const r = await runCli(["explain", fx.keys.ge, fx.keys.ge, "--json"], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.stdout).identical, true);
});

Deno.test("main() exits 2 when explain gets no key, too many keys, or keys with --step", async () => {
  await using fx = await seededProject();
  for (
    const args of [
      ["explain"],
      ["explain", fx.keys.si, fx.keys.ge, fx.keys.c],
      ["explain", fx.keys.si, "--step", "relax"],
      ["explain", fx.keys.si, fx.keys.ge, "--current"],
    ]
  ) {
    const r = await runCli(args, fx.dir);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, /^drover: Cannot explain: /);
  }
});

const WORK_SOURCE = `import { step } from "drover";

function norm(x: number): number {
  return x / 2;
}

function unrelated(): number {
  return 1;
}

export const work = step("work", ({ x }: { x: number }) => norm(x) + 1);
`;

Deno.test("main() names the edited helper when explaining --step after a helper changed", async () => {
  await using fx = await seededProject();
  const file = `${fx.dir}/work.ts`;
  await Deno.writeTextFile(file, WORK_SOURCE);
  const identity = await computeCodeIdentity("work", { file, line: 1, column: 1 });
  {
    using store = fx.open();
    store.code.put({ hash: identity.hash, step: "work", parts: identity.parts });
    store.code.putCache("work", file, { codeHash: identity.hash, files: identity.files });
    const template = store.getCall(fx.keys.si)!;
    store.putCall({ ...template, key: "f00d".repeat(16), step: "work", codeHash: identity.hash });
  }
  const unchanged = await runCli(["explain", "--step", "work"], fx.dir);
  assert.equal(unchanged.code, 0, unchanged.stderr);

  await Deno.writeTextFile(file, WORK_SOURCE.replace("return 1;", "return 2;"));
  const unrelatedEdit = await runCli(["explain", "--step", "work"], fx.dir);
  assert.equal(unrelatedEdit.stdout, unchanged.stdout);

  await Deno.writeTextFile(file, WORK_SOURCE.replace("x / 2", "x / 3"));
  const changed = await runCli(["explain", "--step", "work"], fx.dir);
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /helper:work\.ts::norm changed/);
  const byKey = await runCli(["explain", "f00d".repeat(4), "--current"], fx.dir);
  assert.equal(byKey.code, 0, byKey.stderr);
  await assertGolden("explain_current", unchanged.stdout + changed.stdout + byKey.stdout);

  const json = JSON.parse((await runCli(["explain", "--step", "work", "--json"], fx.dir)).stdout);
  assert.equal(json.recorded.codeHash, identity.hash);
  assert.notEqual(json.current.codeHash, identity.hash);
  assert.deepEqual(
    json.differences.map((d: { name: string; change: string }) => [d.name, d.change]),
    [
      ["helper:work.ts::norm", "changed"],
    ],
  );
});

Deno.test("main() exits 1 when explaining --step of a step whose file is unknown", async () => {
  await using fx = await seededProject();
  const noFile = await runCli(["explain", "--step", "relax"], fx.dir);
  assert.equal(noFile.code, 1);
  assert.match(
    noFile.stderr,
    /^drover: Cannot explain step "relax": the store does not record which file/,
  );
  const unknown = await runCli(["explain", "--step", "nope"], fx.dir);
  assert.equal(unknown.code, 1);
  assert.equal(
    unknown.stderr,
    'drover: Cannot explain step "nope": no calls or code of it are recorded\n',
  );
});
