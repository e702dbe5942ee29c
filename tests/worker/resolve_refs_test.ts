import assert from "node:assert/strict";
import { encode, sha256Hex } from "../../lib/codec/mod.ts";
import { ResultRef } from "../../lib/step/mod.ts";
import { resolveJobRefs } from "../../lib/worker/resolve_refs.ts";

async function withObject(
  bytes: Uint8Array,
  hash: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/objects/${hash.slice(0, 2)}`, { recursive: true });
    await Deno.writeFile(`${dir}/objects/${hash.slice(0, 2)}/${hash}`, bytes);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("resolveJobRefs() reads refs from the run directory's objects", async () => {
  const bytes = encode({ big: [1, 2] });
  const hash = sha256Hex(bytes);
  const ref = new ResultRef({ key: "k", step: "s", system: "c", hash, size: bytes.length });
  await withObject(bytes, hash, async (dir) => {
    assert.deepEqual(await resolveJobRefs({ a: [ref], b: 2 }, dir), { a: [{ big: [1, 2] }], b: 2 });
    const plain = { b: 2 };
    assert.equal(await resolveJobRefs(plain, dir), plain);
  });
});

Deno.test("resolveJobRefs() refuses a missing or damaged object", async () => {
  const bytes = encode(7);
  const hash = sha256Hex(bytes);
  const ref = new ResultRef({ key: "k7", step: "s", system: "c", hash, size: bytes.length });
  await withObject(encode(8), hash, async (dir) => {
    await assert.rejects(resolveJobRefs({ ref }, dir), /does not match its hash/);
  });
  const other = new ResultRef({ ...ref, hash: "f".repeat(64) });
  await withObject(bytes, hash, async (dir) => {
    await assert.rejects(resolveJobRefs({ other }, dir), /call k7 \(step "s"\).*missing/);
  });
});
