import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type CallLogRecord,
  decodeInputPack,
  encodeCallLog,
  encodeInputPack,
  inlineRecord,
  inlineResult,
  outcomesByKey,
  parseCallLog,
} from "../../lib/runtime/mod.ts";

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const time = fc.nat();
const record: fc.Arbitrary<CallLogRecord> = fc.oneof(
  fc.record({ key: hex64, bytes: fc.uint8Array({ maxLength: 64 }), startedAt: time, endedAt: time })
    .map(({ key, bytes, ...times }) => inlineRecord(key, bytes, times)),
  fc.record({
    key: hex64,
    ok: fc.constant(false as const),
    error: fc.record({ name: fc.string(), message: fc.string({ unit: "grapheme" }) }),
    startedAt: time,
    endedAt: time,
  }),
);

Deno.test("parseCallLog() reads back what encodeCallLog() wrote, and every cut of it as an intact prefix", () => {
  fc.assert(fc.property(fc.array(record, { maxLength: 6 }), fc.nat(), (records, cut) => {
    const bytes = encodeCallLog(records);
    const whole = parseCallLog(bytes);
    const plain = JSON.parse(JSON.stringify(records));
    assert.deepEqual(whole.records, plain);
    assert.equal(whole.intactBytes, bytes.length);
    assert.equal(whole.torn, false);
    // A write cut anywhere leaves the records before the cut, never a damaged one.
    const at = bytes.length === 0 ? 0 : cut % bytes.length;
    const torn = parseCallLog(bytes.subarray(0, at));
    assert.deepEqual(torn.records, plain.slice(0, torn.records.length));
    assert.equal(encodeCallLog(torn.records).length, torn.intactBytes);
    assert.equal(torn.torn, torn.intactBytes < at);
  }));
});

Deno.test("parseCallLog() stops at a line whose checksum does not match", () => {
  const a = inlineRecord("a".repeat(64), new Uint8Array([1]), { startedAt: 0, endedAt: 1 });
  const b = inlineRecord("b".repeat(64), new Uint8Array([2]), { startedAt: 0, endedAt: 1 });
  const bytes = encodeCallLog([a, b]);
  const damaged = bytes.slice();
  damaged[damaged.length - 5] ^= 1;
  const log = parseCallLog(damaged);
  assert.deepEqual(log.records, [a]);
  assert.equal(log.torn, true);
  assert.deepEqual(parseCallLog(new Uint8Array([0, 0, 0, 10])).records, []);
});

Deno.test("inlineRecord() carries results up to 64 KiB inline and inlineResult() checks them", () => {
  const small = inlineRecord("c".repeat(64), new Uint8Array(65_536).fill(1), {
    startedAt: 0,
    endedAt: 0,
  });
  assert.equal(inlineResult(small)?.length, 65_536);
  const large = inlineRecord("c".repeat(64), new Uint8Array(65_537), { startedAt: 0, endedAt: 0 });
  assert.ok(large.ok && large.inline === undefined && large.size === 65_537);
  assert.equal(inlineResult(large), undefined);
  assert.ok(small.ok);
  assert.equal(inlineResult({ ...small, result: "d".repeat(64) }), undefined);
});

Deno.test("outcomesByKey() lets an ok record win over failures of the same call", () => {
  const key = "e".repeat(64);
  const failed = (at: number): CallLogRecord => ({
    key,
    ok: false,
    error: { name: "E", message: String(at) },
    startedAt: at,
    endedAt: at,
  });
  const done = inlineRecord(key, new Uint8Array([5]), { startedAt: 2, endedAt: 2 });
  assert.deepEqual(outcomesByKey([failed(1), failed(3)]).get(key), failed(3));
  assert.deepEqual(outcomesByKey([failed(1), done, failed(3)]).get(key), done);
});

Deno.test("decodeInputPack() reads back encodeInputPack() for any inputs", () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (inputs) => {
    assert.deepEqual(decodeInputPack(encodeInputPack(inputs)), inputs);
  }));
});
