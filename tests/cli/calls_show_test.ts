import assert from "node:assert/strict";
import { encode } from "../../lib/codec/mod.ts";
import { assertGolden } from "./_golden.ts";
import { runCli, seededProject } from "./_fixture.ts";

Deno.test("main() shows inputs, result and timings when running calls show with a prefix", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "show", fx.keys.si.slice(0, 8)], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  await assertGolden("calls_show_done", r.stdout);
});

Deno.test("main() shows the error and ignored arguments when running calls show", async () => {
  await using fx = await seededProject();
  const failed = await runCli(["calls", "show", fx.keys.c], fx.dir);
  assert.equal(failed.code, 0);
  const ignored = await runCli(["calls", "show", fx.keys["score-1"].slice(0, 6)], fx.dir);
  assert.equal(ignored.code, 0);
  await assertGolden("calls_show_failed_and_ignored", failed.stdout + "\n" + ignored.stdout);
});

Deno.test("main() prints parseable details when running calls show --json", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "show", fx.keys.c, "--json"], fx.dir);
  assert.equal(r.code, 0);
  const json = JSON.parse(r.stdout);
  assert.equal(json.key, fx.keys.c);
  assert.equal(json.durationMs, 420_000);
  assert.deepEqual(json.arguments.map((a: { name: string }) => a.name), ["fmax", "structure"]);
  assert.equal(json.arguments[0].preview, "0.01");
  assert.equal(json.error.name, "ConvergenceError");
  assert.equal(json.result, null);
  assert.deepEqual(json.inputs, {
    structure: { formula: "C2", cell: [3.57, 3.57, 3.57] },
    fmax: 0.01,
  });
});

Deno.test("main() gives inputs and result as JSON values, mapping what JSON cannot hold", async () => {
  await using fx = await seededProject();
  const done = JSON.parse((await runCli(["calls", "show", fx.keys.si, "--json"], fx.dir)).stdout);
  assert.deepEqual(done.result, {
    energy: -10.84,
    forces: { $typedArray: "Float64Array", data: [0, 0.001, 0] },
  });
  const key = "e".repeat(64);
  {
    using store = fx.open();
    const value = {
      n: 12n,
      when: new Date(0),
      tags: new Map<unknown, unknown>([["a", new Set([1, undefined])]]),
      odd: [NaN, -0, Infinity],
      $ref: "x",
    };
    const ref = store.objects.put(encode(value));
    store.putCall({ ...store.getCall(fx.keys.si)!, key, resultRef: ref });
  }
  const r = await runCli(["calls", "show", key, "--json"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).result, {
    n: { $bigint: "12" },
    when: { $date: "1970-01-01T00:00:00.000Z" },
    tags: { $map: [["a", { $set: [1, { $undefined: true }] }]] },
    odd: [{ $number: "NaN" }, { $number: "-0" }, { $number: "Infinity" }],
    $$ref: "x",
  });
});

Deno.test("main() exits 1 when the key is unknown", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "show", "abcdef0123"], fx.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'drover: Cannot find call "abcdef0123": no recorded call has a key starting with it\n',
  );
});

Deno.test("main() exits 1 listing the matches when the key prefix is ambiguous", async () => {
  await using fx = await seededProject();
  {
    using store = fx.open();
    const template = store.getCall(fx.keys.si)!;
    for (const key of ["abcdef" + "0".repeat(58), "abcdef" + "1".repeat(58)]) {
      store.putCall({ ...template, key });
    }
  }
  const r = await runCli(["calls", "show", "abcdef"], fx.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'drover: Cannot find call "abcdef": the prefix is ambiguous (it matches 2 calls: abcdef000000, abcdef111111); give more digits\n',
  );
  const unique = await runCli(["calls", "show", "abcdef1", "--json"], fx.dir);
  assert.equal(unique.code, 0);
  assert.equal(JSON.parse(unique.stdout).key, "abcdef" + "1".repeat(58));
});

Deno.test("main() exits 2 when the key is too short or not hex", async () => {
  await using fx = await seededProject();
  for (const key of ["abc", "not-a-key"]) {
    const r = await runCli(["calls", "show", key], fx.dir);
    assert.equal(r.code, 2, key);
    assert.match(r.stderr, /^drover: .*6 to 64 hex digits/);
  }
});
