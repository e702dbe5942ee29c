/**
 * The two per-element files of a job (pure: formats only; the driver and the element runner
 * do the I/O):
 *
 * ```
 * R/jobs/<name>/in/<i>.bin    the inputs of element i's calls, one object (length frames)
 * R/jobs/<name>/out/<i>.log   element i's call log: one checksummed line per call outcome
 * ```
 *
 * The call log is append-only. The element runner appends the records of a slice of calls
 * in one write and syncs the file once (one durable commit per slice, not per call); a
 * record carries small results inline, so a call recorded `ok` has its result durably in
 * place. A line is `<16 hex digits of sha256(json)> <json>\n`: a torn tail (a killed
 * element, a reader racing the writer) fails its checksum or lacks its newline and is
 * ignored, and the runner truncates it before appending again.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { z } from "npm:zod@^3.25.0";
import { sha256Hex } from "../codec/mod.ts";
import type { StoredError } from "../store/mod.ts";
import type { Assert, Equals, Plain } from "../_type_check.ts";
import { frame } from "./frames.ts";

/** Results up to this size (bytes) travel inline in the call log. */
export const INLINE_RESULT_BYTES = 64 * 1024;

/** One line of an element's call log: how one call ended. Times are ms since the epoch. */
export type CallLogRecord =
  | {
    /** The call key. */
    readonly key: string;
    /** The call returned a value. */
    readonly ok: true;
    /** sha256 of the result object, `encode(value, { root: "result" })`. */
    readonly result: string;
    /** Its size in bytes. */
    readonly size: number;
    /** The result's bytes, base64, when at most {@linkcode INLINE_RESULT_BYTES}. */
    readonly inline?: string;
    /** When the call started. */
    readonly startedAt: number;
    /** When it ended. */
    readonly endedAt: number;
  }
  | {
    /** The call key. */
    readonly key: string;
    /** The call threw, or its result could not be encoded, or it could not run. */
    readonly ok: false;
    /** The error as the store keeps it. */
    readonly error: StoredError;
    /** When the call started. */
    readonly startedAt: number;
    /** When it ended. */
    readonly endedAt: number;
  };

/** What {@linkcode parseCallLog} read. */
export interface CallLog {
  /** The intact records, in order. */
  readonly records: readonly CallLogRecord[];
  /** Bytes of the intact prefix (where the next record goes). */
  readonly intactBytes: number;
  /** Whether bytes after the intact prefix were ignored (a torn or damaged tail). */
  readonly torn: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;
const TIME = z.number().int().nonnegative();
const RECORD = z.discriminatedUnion("ok", [
  z.object({
    key: z.string().regex(HEX64),
    ok: z.literal(true),
    result: z.string().regex(HEX64),
    size: z.number().int().nonnegative(),
    inline: z.string().optional(),
    startedAt: TIME,
    endedAt: TIME,
  }),
  z.object({
    key: z.string().regex(HEX64),
    ok: z.literal(false),
    error: z.object({
      name: z.string(),
      message: z.string(),
      stack: z.string().optional(),
      data: z.record(z.unknown()).optional(),
    }),
    startedAt: TIME,
    endedAt: TIME,
  }),
]);
type _Record = Assert<Equals<Plain<z.infer<typeof RECORD>>, Plain<CallLogRecord>>>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 0x0a;

/**
 * Encodes call outcomes as call log lines (to append in one write).
 *
 * @param records The outcomes.
 * @returns The bytes of their lines.
 *
 * @example
 * ```ts
 * import { encodeCallLog, parseCallLog } from "./element_files.ts";
 * import assert from "node:assert/strict";
 * const key = "ab".repeat(32);
 * const bytes = encodeCallLog([{ key, ok: false, error: { name: "E", message: "m" }, startedAt: 1, endedAt: 2 }]);
 * assert.equal(parseCallLog(bytes).records[0].key, key);
 * ```
 */
export function encodeCallLog(records: readonly CallLogRecord[]): Uint8Array {
  let text = "";
  for (const r of records) {
    const json = JSON.stringify(r);
    text += `${sha256Hex(encoder.encode(json)).slice(0, 16)} ${json}\n`;
  }
  return encoder.encode(text);
}

/**
 * Reads an element's call log up to its first line that is torn or damaged.
 *
 * @param bytes The file's bytes.
 * @returns The intact records and where they end.
 *
 * @example
 * ```ts
 * import { encodeCallLog, parseCallLog } from "./element_files.ts";
 * import assert from "node:assert/strict";
 * const rec = (k: string) => ({ key: k.repeat(64), ok: false as const, error: { name: "E", message: "" }, startedAt: 0, endedAt: 0 });
 * const good = encodeCallLog([rec("a"), rec("b")]);
 * const torn = new Uint8Array([...good, ...encodeCallLog([rec("c")]).slice(0, 30)]);
 * const log = parseCallLog(torn);
 * assert.equal(log.records.length, 2);
 * assert.equal(log.intactBytes, good.length);
 * assert.equal(log.torn, true);
 * ```
 */
export function parseCallLog(bytes: Uint8Array): CallLog {
  const records: CallLogRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf(NEWLINE, at);
    if (end < 0) break;
    const record = parseLine(decoder.decode(bytes.subarray(at, end)));
    if (!record) break;
    records.push(record);
    at = end + 1;
  }
  return { records, intactBytes: at, torn: at < bytes.length };
}

function parseLine(line: string): CallLogRecord | undefined {
  const sum = line.slice(0, 16);
  const json = line.slice(17);
  if (line[16] !== " " || sha256Hex(encoder.encode(json)).slice(0, 16) !== sum) return undefined;
  try {
    const parsed = RECORD.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The outcome of each call in call logs: an `ok` record wins over failures (a call that
 * failed and then succeeded in a rerun of its element is done), else the last failure.
 *
 * @param records Records in log order.
 * @returns The deciding record by call key.
 *
 * @example
 * ```ts
 * import { outcomesByKey } from "./element_files.ts";
 * import assert from "node:assert/strict";
 * const key = "c".repeat(64), result = "d".repeat(64);
 * const failed = { key, ok: false as const, error: { name: "E", message: "" }, startedAt: 0, endedAt: 0 };
 * const done = { key, ok: true as const, result, size: 0, startedAt: 1, endedAt: 1 };
 * assert.equal(outcomesByKey([failed, done, failed]).get(key)?.ok, true);
 * ```
 */
export function outcomesByKey(
  records: Iterable<CallLogRecord>,
): Map<string, CallLogRecord> {
  const out = new Map<string, CallLogRecord>();
  for (const r of records) {
    if (out.get(r.key)?.ok) continue;
    out.set(r.key, r);
  }
  return out;
}

/**
 * The bytes of a record's inline result, checked against its hash.
 *
 * @param record A call log record.
 * @returns The result's bytes, or undefined when not inline (or not matching its hash).
 *
 * @example
 * ```ts
 * import { inlineResult, inlineRecord } from "./element_files.ts";
 * import assert from "node:assert/strict";
 * const r = inlineRecord("e".repeat(64), new Uint8Array([1, 2]), { startedAt: 0, endedAt: 1 });
 * assert.deepEqual(inlineResult(r), new Uint8Array([1, 2]));
 * ```
 */
export function inlineResult(record: CallLogRecord): Uint8Array | undefined {
  if (!record.ok || record.inline === undefined) return undefined;
  const bytes = new Uint8Array(Buffer.from(record.inline, "base64"));
  return bytes.length === record.size && sha256Hex(bytes) === record.result ? bytes : undefined;
}

/**
 * An `ok` record for a result, inline when small enough.
 *
 * @param key The call key.
 * @param bytes The result object's bytes.
 * @param times When the call started and ended.
 * @returns The record (`inline` set when `bytes` is at most {@linkcode INLINE_RESULT_BYTES}).
 *
 * @example
 * ```ts
 * import { inlineRecord } from "./element_files.ts";
 * import assert from "node:assert/strict";
 * const r = inlineRecord("e".repeat(64), new Uint8Array(3), { startedAt: 0, endedAt: 1 });
 * assert.equal(r.ok && r.size, 3);
 * ```
 */
export function inlineRecord(
  key: string,
  bytes: Uint8Array,
  times: { readonly startedAt: number; readonly endedAt: number },
): CallLogRecord {
  return {
    key,
    ok: true,
    result: sha256Hex(bytes),
    size: bytes.length,
    ...(bytes.length <= INLINE_RESULT_BYTES
      ? { inline: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64") }
      : {}),
    ...times,
  };
}

/**
 * Packs the inputs objects of one element's calls into one object: each as a 4-byte
 * big-endian length and its bytes, in manifest order.
 *
 * @param inputs The calls' encoded inputs.
 * @returns The pack.
 *
 * @example
 * ```ts
 * import { encodeInputPack, decodeInputPack } from "./element_files.ts";
 * import assert from "node:assert/strict";
 * const pack = encodeInputPack([new Uint8Array([1]), new Uint8Array([])]);
 * assert.deepEqual(decodeInputPack(pack), [new Uint8Array([1]), new Uint8Array([])]);
 * ```
 */
export function encodeInputPack(inputs: readonly Uint8Array[]): Uint8Array {
  const frames = inputs.map(frame);
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/**
 * Unpacks an element's inputs (see {@linkcode encodeInputPack}).
 *
 * @param pack The pack's bytes.
 * @returns The inputs, in order (views into `pack`).
 * @throws {RangeError} when the pack is truncated.
 *
 * @example
 * ```ts
 * import { decodeInputPack } from "./element_files.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => decodeInputPack(new Uint8Array([0, 0, 0, 5, 1])), RangeError);
 * ```
 */
export function decodeInputPack(pack: Uint8Array): Uint8Array[] {
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < pack.length) {
    if (at + 4 > pack.length) throw new RangeError(`Cannot unpack inputs: truncated at ${at}`);
    const len = view.getUint32(at);
    if (at + 4 + len > pack.length) {
      throw new RangeError(`Cannot unpack inputs: truncated at ${at} (frame of ${len} bytes)`);
    }
    out.push(pack.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/**
 * The inputs pack of each element of a job, in element order (see
 * {@linkcode encodeInputPack}).
 *
 * @param elements The manifest's elements.
 * @param bytesOf The encoded inputs object of a hash.
 * @returns One pack per element.
 *
 * @example
 * ```ts
 * import { decodeInputPack, elementInputPacks } from "./element_files.ts";
 * import assert from "node:assert/strict";
 * const packs = elementInputPacks([[{ key: "k", inputs: "a" }], [{ key: "l", inputs: "b" }]], (h) =>
 *   new TextEncoder().encode(h));
 * assert.deepEqual(decodeInputPack(packs[1]), [new TextEncoder().encode("b")]);
 * ```
 */
export function elementInputPacks(
  elements: readonly (readonly { readonly key: string; readonly inputs: string }[])[],
  bytesOf: (hash: string) => Uint8Array,
): Uint8Array[] {
  return elements.map((calls) => encodeInputPack(calls.map((c) => bytesOf(c.inputs))));
}
