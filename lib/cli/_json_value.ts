/**
 * Private to lib/cli: stored values (inputs, results) as JSON for `--json` output.
 *
 * JSON values stay as they are. Values JSON cannot hold become one-key objects whose key
 * starts with `$`, so a reader tells them apart:
 *
 * | value                          | JSON                                                  |
 * | ------------------------------ | ----------------------------------------------------- |
 * | `undefined`, array hole        | `{"$undefined": true}`                                |
 * | `NaN`, `Infinity`, `-Infinity`, `-0` | `{"$number": "NaN"}` (`"Infinity"`, `"-Infinity"`, `"-0"`) |
 * | bigint `12n`                   | `{"$bigint": "12"}`                                   |
 * | `Date`                         | `{"$date": "2024-01-01T00:00:00.000Z"}` (`null` if invalid) |
 * | `Map`                          | `{"$map": [[key, value], ...]}`                       |
 * | `Set`                          | `{"$set": [value, ...]}`                              |
 * | typed array                    | `{"$typedArray": "Float64Array", "data": [1, 2]}` (BigInt64 items as strings) |
 * | `ArrayBuffer`, `DataView`      | `{"$bytes": "<base64>"}`                              |
 * | `Error`                        | `{"$error": {"name": ..., "message": ...}}`           |
 * | unknown CBOR tag               | `{"$tag": 32, "value": ...}`                          |
 * | class instance                 | `{"$class": "Point", "value": {own fields}}`          |
 * | a cycle                        | `{"$circular": true}`                                 |
 * | object key starting with `$`   | one more `$` in front (`"$x"` -> `"$$x"`)             |
 *
 * @module
 */
import { TaggedValue } from "../codec/mod.ts";

/** A JSON value. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * Converts a decoded stored value to JSON by the mapping in this module's documentation.
 *
 * @param value A decoded value.
 * @returns Its JSON form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(toJsonValue({ n: 1, xs: [1, "a"] }), { n: 1, xs: [1, "a"] });
 * assert.deepEqual(toJsonValue(new Float64Array([1.5, 2])), { $typedArray: "Float64Array", data: [1.5, 2] });
 * assert.deepEqual(toJsonValue(new Map([["a", 10n]])), { $map: [["a", { $bigint: "10" }]] });
 * assert.deepEqual(toJsonValue({ $ref: undefined }), { $$ref: { $undefined: true } });
 * ```
 */
export function toJsonValue(value: unknown): JsonValue {
  return convert(value, []);
}

function convert(v: unknown, seen: object[]): JsonValue {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (Number.isNaN(v)) return { $number: "NaN" };
      if (v === Infinity) return { $number: "Infinity" };
      if (v === -Infinity) return { $number: "-Infinity" };
      if (Object.is(v, -0)) return { $number: "-0" };
      return v;
    case "bigint":
      return { $bigint: v.toString() };
    case "undefined":
      return { $undefined: true };
    case "symbol":
    case "function":
      return { $unsupported: String(v) };
  }
  if (v === null) return null;
  const obj = v as object;
  if (seen.includes(obj)) return { $circular: true };
  seen.push(obj);
  try {
    return convertObject(obj, seen);
  } finally {
    seen.pop();
  }
}

function convertObject(v: object, seen: object[]): JsonValue {
  if (Array.isArray(v)) {
    return Array.from(
      { length: v.length },
      (_, i) => i in v ? convert(v[i], seen) : { $undefined: true },
    );
  }
  if (v instanceof Date) {
    return { $date: Number.isNaN(v.getTime()) ? null : v.toISOString() };
  }
  if (v instanceof Map) {
    return { $map: [...v].map(([k, x]) => [convert(k, seen), convert(x, seen)]) };
  }
  if (v instanceof Set) return { $set: [...v].map((x) => convert(x, seen)) };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const items = [...(v as unknown as Iterable<number | bigint>)];
    return {
      $typedArray: v.constructor.name,
      data: items.map((x) => typeof x === "bigint" ? x.toString() : convert(x, seen)),
    };
  }
  if (v instanceof ArrayBuffer || v instanceof DataView) {
    const bytes = v instanceof DataView
      ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
      : new Uint8Array(v);
    return { $bytes: base64(bytes) };
  }
  if (v instanceof TaggedValue) return { $tag: v.tag, value: convert(v.value, seen) };
  if (v instanceof Error) return { $error: { name: v.name, message: v.message } };
  const fields: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(v)) {
    fields[key.startsWith("$") ? `$${key}` : key] = convert(
      (v as Record<string, unknown>)[key],
      seen,
    );
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === null || proto === Object.prototype) return fields;
  return { $class: proto.constructor?.name || "Object", value: fields };
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}
