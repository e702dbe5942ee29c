import assert from "node:assert/strict";
import { decode, hashValue } from "../../lib/codec/mod.ts";
import { argumentHashes, callKey, inputsHash } from "../../lib/step/key.ts";
import { keyCases, namedValues } from "./_legacy_corpus.ts";
import { fromHex } from "./_hex.ts";

interface Golden {
  readonly named: Record<string, string>;
  readonly sampled: ReadonlyArray<{ readonly stored: string; readonly digest: string }>;
  readonly keys: Record<
    string,
    { argsHash: string; key: string; argumentHashes: Record<string, string> }
  >;
}

const GOLDEN: Golden = JSON.parse(
  Deno.readTextFileSync(new URL("./golden/legacy_hashes.json", import.meta.url)),
);

const legacy = (value: unknown): string => hashValue(value);

Deno.test("hashValue() legacy digests equal those of commit 257359e for named values", () => {
  const values = namedValues();
  assert.deepEqual(values.map(([name]) => name), Object.keys(GOLDEN.named));
  for (const [name, value] of values) assert.equal(legacy(value), GOLDEN.named[name], name);
});

Deno.test("hashValue() legacy digests equal those of commit 257359e for sampled values", () => {
  assert.equal(GOLDEN.sampled.length, 200);
  for (const [i, { stored, digest }] of GOLDEN.sampled.entries()) {
    assert.equal(legacy(decode(fromHex(stored))), digest, `sampled value ${i}: ${stored}`);
  }
});

Deno.test("inputsHash() and callKey() legacy keys equal those of commit 257359e", () => {
  for (const c of keyCases()) {
    const ignore = new Set(c.ignore);
    const want = GOLDEN.keys[c.name];
    const argsHash = inputsHash(c.inputs, ignore);
    assert.equal(argsHash, want.argsHash, c.name);
    assert.equal(
      callKey({ step: c.step, codeHash: c.codeHash, version: c.version, argsHash }),
      want.key,
      c.name,
    );
    assert.deepEqual(argumentHashes(c.inputs, ignore), want.argumentHashes, c.name);
  }
});
