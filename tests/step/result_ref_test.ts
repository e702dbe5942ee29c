import assert from "node:assert/strict";
import { decode, encode, hashValue, sha256Hex } from "../../lib/codec/mod.ts";
import {
  callRef,
  hasRefs,
  inputsHash,
  openSession,
  resolveRefs,
  ResultRef,
  step,
  useSession,
} from "../../lib/step/mod.ts";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);

function refOf(hash: string, system = "cluster"): ResultRef<number> {
  return new ResultRef<number>({ key: "k", step: "s", system, hash, size: 10 });
}

Deno.test("ResultRef round-trips through encode and decode at any depth", () => {
  const value = { a: [1, { r: refOf(H1) }], m: new Map([["x", refOf(H2, "local")]]) };
  const back = decode(encode(value)) as typeof value;
  const r = (back.a[1] as { r: ResultRef }).r;
  assert.ok(r instanceof ResultRef);
  assert.deepEqual({ ...r }, { key: "k", step: "s", system: "cluster", hash: H1, size: 10 });
  assert.equal(back.m.get("x")?.system, "local");
});

Deno.test("ResultRef is keyed by its content hash, not where it lives", () => {
  const ignore = new Set<string>();
  assert.equal(
    inputsHash({ x: refOf(H1, "cluster") }, ignore),
    inputsHash({
      x: new ResultRef({ key: "other", step: "t", system: "local", hash: H1, size: -1 }),
    }, ignore),
  );
  assert.notEqual(inputsHash({ x: refOf(H1) }, ignore), inputsHash({ x: refOf(H2) }, ignore));
  // The stored form keeps where it lives; the canonical one does not.
  assert.notEqual(sha256Hex(encode(refOf(H1, "a"))), sha256Hex(encode(refOf(H1, "b"))));
  assert.equal(hashValue(refOf(H1, "a")), hashValue(refOf(H1, "b")));
});

Deno.test("ResultRef is not thenable: awaiting it gives the ref itself", async () => {
  const r = refOf(H1);
  assert.equal("then" in r, false);
  assert.equal(await r, r);
  assert.ok(Object.isFrozen(r));
});

Deno.test("ResultRef() refuses a bad hash or size", () => {
  assert.throws(() => refOf("xyz"), TypeError);
  assert.throws(
    () => new ResultRef({ key: "k", step: "s", system: "c", hash: H1, size: 1.5 }),
    /size must be an integer/,
  );
});

Deno.test("resolveRefs() reads each distinct result once and fails naming the call", async () => {
  const bytes = encode({ v: 5 });
  const ref = new ResultRef({ key: "k9", step: "s", system: "c", hash: sha256Hex(bytes), size: 0 });
  const reads: string[] = [];
  const fetch = (r: ResultRef) => (reads.push(r.hash), Promise.resolve(bytes));
  const out = await resolveRefs({ a: ref, b: [ref, new Set([ref])] }, { fetch });
  assert.deepEqual(out, { a: { v: 5 }, b: [{ v: 5 }, new Set([{ v: 5 }])] });
  assert.equal(reads.length, 1);
  const plain = { a: 1 };
  assert.equal(await resolveRefs(plain, { fetch }), plain);
  assert.equal(hasRefs(plain), false);
  await assert.rejects(
    resolveRefs({ a: ref }, { fetch: () => Promise.resolve(undefined) }),
    /Cannot read the result of call k9 \(step "s"\)/,
  );
});

Deno.test("callRef() hands a local result to another call, cached by the result's hash", async () => {
  const dir = await Deno.makeTempDir();
  const session = openSession({ dir: `${dir}/.drover`, recordRun: false });
  const previous = useSession(session);
  try {
    let squares = 0;
    let sums = 0;
    const square = step("ref-test-square", ({ x }: { x: number }) => (squares++, x * x));
    const sum = step("ref-test-sum", ({ v }: { v: { n: number[] } }) => (sums++, v.n[0] + v.n[1]));
    const a = await callRef(square, { x: 3 });
    const b = await callRef(square, { x: 3 });
    assert.equal(squares, 1);
    assert.equal(a.hash, b.hash);
    assert.equal(a.hash, sha256Hex(encode(9)));
    assert.equal(a.system, "local");
    const n = [a, 1] as unknown as number[];
    assert.equal(await sum({ v: { n } }), 10);
    assert.equal(await sum({ v: { n: [b, 1] as unknown as number[] } }), 10);
    assert.equal(sums, 1);
    assert.equal(await a.fetch(), 9);
  } finally {
    useSession(previous);
    await session.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveRefs() leaves the refs that keep() chooses in place", async () => {
  const bytes = encode("here");
  const here = new ResultRef({ key: "a", step: "s", system: "x", hash: sha256Hex(bytes), size: 1 });
  const there = refOf(H2, "cluster");
  const out = await resolveRefs({ here, there: [there] }, {
    fetch: () => Promise.resolve(bytes),
    keep: (r) => r.system === "cluster",
  });
  assert.equal(out.here as unknown, "here");
  assert.equal(out.there[0], there);
});
