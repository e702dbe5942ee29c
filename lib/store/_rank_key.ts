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

/**
 * The sort key of one row: arguments come in pairs, a value and 1 when its term is descending.
 *
 * @param args Value, descending, value, descending, ...
 * @returns The key.
 */
export function rankKey(...args: readonly unknown[]): Uint8Array {
  const parts: number[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i];
    const desc = Number(args[i + 1]) === 1;
    if (value === null || value === undefined) {
      parts.push(NULL_TAG);
      continue;
    }
    const start = parts.length;
    if (typeof value === "number" || typeof value === "bigint") {
      parts.push(desc ? 0x20 : 0x10);
      pushNumber(parts, Number(value));
    } else {
      parts.push(desc ? 0x10 : 0x20);
      for (const b of new TextEncoder().encode(String(value))) {
        if (b <= 0x01) parts.push(0x01, b + 1);
        else parts.push(b);
      }
      parts.push(0x00);
    }
    if (desc) { for (let j = start + 1; j < parts.length; j++) parts[j] = 0xff - parts[j]!; }
  }
  return new Uint8Array(parts);
}

const VIEW = new DataView(new ArrayBuffer(8));

function pushNumber(parts: number[], n: number): void {
  VIEW.setFloat64(0, n === 0 ? 0 : n); // big-endian; -0 sorts as 0
  const bytes = [...new Uint8Array(VIEW.buffer)];
  if (n < 0) { for (let i = 0; i < 8; i++) bytes[i] = 0xff - bytes[i]!; }
  else bytes[0] = bytes[0]! ^ 0x80;
  parts.push(...bytes);
}
