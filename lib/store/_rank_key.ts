/**
 * Private to lib/store: the sort key a table-queue priority is materialised into. A priority of
 * several terms (`nsites ASC, length DESC`) becomes one BLOB whose byte order (SQLite compares
 * BLOBs with memcmp) is the order SQLite's `ORDER BY` would give those terms with NULLs last, so
 * one indexed column orders the queue and is written by one statement.
 *
 * Each term is a tag byte and a payload: numbers (8 bytes, the double's bits made order-preserving)
 * before text (UTF-8 with 0x00 and 0x01 escaped, ended by 0x00) ascending, text before numbers
 * descending; a DESC term's payload bytes are inverted. NULL is one byte 0xF0 either way (last).
 *
 * @module
 */

/** The SQL function name the store registers on its connection. */
export const RANK_KEY_FUNCTION = "drover_rank_key";

const NULL_TAG = 0xf0;
const ENCODER = new TextEncoder();
let buf = new Uint8Array(256);
const VIEW = new DataView(new ArrayBuffer(8));
const BITS = new Uint8Array(VIEW.buffer);

/**
 * The sort key of one row: arguments come in pairs, a value and 1 when its term is descending.
 *
 * @param args Value, descending, value, descending, ...
 * @returns The key.
 */
export function rankKey(...args: readonly unknown[]): Uint8Array {
  let at = 0;
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i];
    const desc = Number(args[i + 1]) === 1;
    if (value === null || value === undefined) {
      reserve(at + 1);
      buf[at++] = NULL_TAG;
      continue;
    }
    const start = at;
    if (typeof value === "number" || typeof value === "bigint") {
      reserve(at + 9);
      buf[at++] = desc ? 0x20 : 0x10;
      const n = Number(value);
      VIEW.setFloat64(0, n === 0 ? 0 : n); // big-endian; -0 sorts as 0
      const flip = n < 0 ? 0xff : 0x80;
      buf[at++] = BITS[0]! ^ flip;
      for (let j = 1; j < 8; j++) buf[at++] = n < 0 ? BITS[j]! ^ 0xff : BITS[j]!;
    } else {
      const bytes = ENCODER.encode(String(value));
      reserve(at + 2 + 2 * bytes.length);
      buf[at++] = desc ? 0x10 : 0x20;
      for (const b of bytes) {
        if (b <= 0x01) {
          buf[at++] = 0x01;
          buf[at++] = b + 1;
        } else buf[at++] = b;
      }
      buf[at++] = 0x00;
    }
    if (desc) { for (let j = start + 1; j < at; j++) buf[j] = 0xff - buf[j]!; }
  }
  return buf.slice(0, at);
}

function reserve(size: number): void {
  if (size <= buf.length) return;
  const next = new Uint8Array(Math.max(size, buf.length * 2));
  next.set(buf);
  buf = next;
}
