// Writes golden/legacy_hashes.json: the "drover-v1" digests of the legacy corpus.
// The file was first generated at commit 257359e, when these rules were the default;
// regenerating it must leave it unchanged (legacy_hash_test.ts checks the committed file).
//   deno run -A tests/codec/_gen_legacy_hashes.ts
import { decode, encode, hashValue } from "../../lib/codec/mod.ts";
import { argumentHashes, callKey, inputsHash } from "../../lib/step/key.ts";
import { keyCases, namedValues, sampledValues } from "./_legacy_corpus.ts";
import { toHex } from "./_hex.ts";

const legacy = (value: unknown): string => hashValue(value);

const named: Record<string, string> = {};
for (const [name, value] of namedValues()) named[name] = legacy(value);

const sampled = sampledValues().map((value) => {
  const stored = encode(value);
  const digest = legacy(value);
  if (legacy(decode(stored)) !== digest) throw new Error("sampled value does not round-trip");
  return { stored: toHex(stored), digest };
});

const keys: Record<string, unknown> = {};
for (const c of keyCases()) {
  const ignore = new Set(c.ignore);
  const argsHash = inputsHash(c.inputs, ignore);
  keys[c.name] = {
    argsHash,
    key: callKey({ step: c.step, codeHash: c.codeHash, version: c.version, argsHash }),
    argumentHashes: argumentHashes(c.inputs, ignore),
  };
}

const out = {
  source: 'canonical encoding of drover commit 257359e (rules "drover-v1"); frozen',
  named,
  sampled,
  keys,
};
const path = new URL("./golden/legacy_hashes.json", import.meta.url);
Deno.writeTextFileSync(path, JSON.stringify(out, null, 1) + "\n");
