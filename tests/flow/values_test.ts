import assert from "node:assert/strict";
import { ResultTable, roughSize, SPILLED } from "../../lib/flow/_values.ts";
import { tempDir } from "../_helpers/temp.ts";

Deno.test("roughSize() counts binary data, strings, arrays and nested records, and stops past its limit", () => {
  assert.equal(roughSize(1.5, 1000), 8);
  assert.equal(roughSize("abc", 1000), 3);
  assert.equal(roughSize(new Uint8Array(300), 1000), 300);
  assert.equal(roughSize([1, 2], 1000), 32);
  assert.ok(roughSize({ a: { b: new Float32Array(500) } }, 1000) >= 1000);
  assert.ok(roughSize(new Map([["k", "x".repeat(2000)]]), 1000) >= 1000);
  // Counting stops once past the limit: a huge array costs no walk over its items.
  assert.equal(roughSize(new Array(10_000_000), 1000), 80_000_000);
});

Deno.test("ResultTable keeps small values, leaves large stored ones to the store and reads them back through a small cache", () => {
  const reads: string[] = [];
  const stored = new Map<string, unknown>();
  for (let i = 0; i < 100; i++) stored.set(`k${i}`, new Array(100).fill(i));
  const table = new ResultTable((k) => {
    reads.push(k);
    return stored.get(k);
  }, { spillBytes: 512, isStored: (k) => k !== "k99" });
  assert.equal(table.put("small", 7, true), 7);
  for (let i = 0; i < 100; i++) {
    const v = table.put(`k${i}`, stored.get(`k${i}`), true);
    assert.equal(v === SPILLED, i !== 99, `k${i}: a value whose bytes are not stored stays`);
  }
  assert.equal((table.put("uncached", new Array(100).fill(0), false) as number[]).length, 100);
  assert.deepEqual(table.counts(), { resident: 3, spilled: 99 });
  assert.equal((table.get("k5") as number[])[0], 5);
  assert.equal((table.get("k5") as number[])[0], 5);
  assert.deepEqual(reads, ["k5"], "the second read comes from the cache");
  for (let i = 0; i < 99; i++) table.get(`k${i}`);
  table.get("k5");
  assert.equal(reads.filter((k) => k === "k5").length, 2, "the cache is bounded");
  assert.equal(table.get("nope"), undefined);
});

Deno.test("a flow of large elements holds them in the store, not the driver; the run's arrays still read them after the session closed", async () => {
  await using dir = await tempDir();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./fixtures/large_values.ts", import.meta.url).pathname,
      `${dir.path}/.drover`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  const expected = (k: number): number => {
    let s = 0;
    for (let i = 0; i < 40_000; i++) s += Math.sin(k + i);
    return s;
  };
  assert.equal(r.sums.length, 200);
  for (const k of [0, 17, 199]) assert.ok(Math.abs(r.sums[k] - expected(k)) < 1e-6);
  assert.equal(r.first, 40_000);
  assert.ok(Math.abs(r.again - expected(199)) < 1e-6, "read again after the session closed");
  // 200 x 40,000 doubles are 64 MB; held in memory they would all be live here.
  assert.ok(r.grew < 16e6, `the heap grew by ${(r.grew / 1e6).toFixed(1)} MB`);
});
