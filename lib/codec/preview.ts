/**
 * {@linkcode preview}: a short one-line rendering of a value for CLI display.
 *
 * @module
 */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Builds the rendering, stopping once it is longer than the limit. */
class Previewer {
  readonly #limit: number;
  readonly #seen: object[] = [];
  out = "";

  constructor(limit: number) {
    this.#limit = limit;
  }

  get #full(): boolean {
    return this.out.length > this.#limit;
  }

  #key(k: string): string {
    return IDENTIFIER.test(k) ? k : this.#string(k);
  }

  #string(s: string): string {
    return JSON.stringify(s.length > this.#limit ? s.slice(0, this.#limit + 1) : s);
  }

  /** Appends `items` rendered by `each`, separated by ", ", until full. */
  #list<T>(items: Iterable<T>, each: (item: T) => void): void {
    let first = true;
    for (const item of items) {
      if (this.#full) return;
      if (!first) this.out += ", ";
      first = false;
      each(item);
    }
  }

  value(v: unknown): void {
    switch (typeof v) {
      case "string":
        this.out += this.#string(v);
        return;
      case "number":
        this.out += Object.is(v, -0) ? "-0" : String(v);
        return;
      case "bigint":
        this.out += `${v}n`;
        return;
      case "symbol":
        this.out += v.toString();
        return;
      case "function": {
        const isClass = /^class\b/.test(Function.prototype.toString.call(v));
        this.out += `[${isClass ? "class" : "Function"} ${v.name || "(anonymous)"}]`;
        return;
      }
      case "object":
        if (v === null) this.out += "null";
        else if (this.#seen.includes(v)) this.out += "[Circular]";
        else {
          this.#seen.push(v);
          this.#object(v);
          this.#seen.pop();
        }
        return;
      default:
        this.out += String(v);
    }
  }

  #object(v: object): void {
    if (Array.isArray(v)) {
      this.out += "[";
      this.#list(v.keys(), (i) => i in v ? this.value(v[i]) : this.out += "<empty>");
      this.out += "]";
    } else if (v instanceof Map) {
      this.out += `Map(${v.size}) {`;
      this.#list(v, ([key, value]) => {
        this.value(key);
        this.out += " => ";
        this.value(value);
      });
      this.out += "}";
    } else if (v instanceof Set) {
      this.out += `Set(${v.size}) {`;
      this.#list(v, (item) => this.value(item));
      this.out += "}";
    } else if (v instanceof Date) {
      this.out += `Date(${Number.isNaN(v.getTime()) ? "Invalid" : v.toISOString()})`;
    } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const items = v as unknown as ArrayLike<number | bigint> & Iterable<number | bigint>;
      this.out += `${v.constructor.name}(${items.length}) [`;
      this.#list(items, (x) => this.value(x));
      this.out += "]";
    } else if (v instanceof ArrayBuffer || v instanceof DataView) {
      this.out += `${v.constructor.name}(${v.byteLength})`;
    } else if (v instanceof Error) {
      this.out += `${v.name}: ${this.#string(v.message)}`;
    } else {
      const proto = Object.getPrototypeOf(v);
      const name = proto === null || proto === Object.prototype
        ? ""
        : (proto.constructor?.name || "Object") + " ";
      const keys = Object.keys(v);
      if (name !== "" && keys.length === 0) {
        this.out += name + "{}";
        return;
      }
      this.out += name + "{";
      this.#list(keys, (k) => {
        this.out += this.#key(k) + ": ";
        this.value((v as Record<string, unknown>)[k]);
      });
      this.out += "}";
    }
  }
}

/**
 * Renders a value on one line for display: JSON-like, with `undefined`, `-0`, NaN,
 * bigints (`1n`), `Map(1) {"a" => 1}`, `Set(2) {1, 2}`, `Date(2024-01-01T00:00:00.000Z)`,
 * typed arrays (`Float64Array(3) [1, 2, 3]`) and class instances (`Point {x: 1}`)
 * readable. Output longer than `maxChars` is cut and ends with `…`; rendering stops
 * early, so previewing a huge array is cheap. Never throws for cycles
 * (`[Circular]`) or unencodable values.
 *
 * @param value The value to render.
 * @param maxChars Longest result, in UTF-16 code units (at least 1). Defaults to 200.
 * @returns The one-line rendering.
 * @throws {RangeError} If `maxChars` is not a positive integer.
 *
 * @example Render arguments for a status line
 * ```ts
 * import assert from "node:assert/strict";
 * import { preview } from "./mod.ts";
 *
 * assert.equal(
 *   preview({ xs: new Float64Array([1, 2, 3]), n: 1n, "odd key": undefined }),
 *   '{xs: Float64Array(3) [1, 2, 3], n: 1n, "odd key": undefined}',
 * );
 * assert.equal(preview(new Map([["a", new Set([1])]])), 'Map(1) {"a" => Set(1) {1}}');
 * assert.equal(preview(Array.from({ length: 1000 }, (_, i) => i), 12), "[0, 1, 2, 3…");
 * ```
 */
export function preview(value: unknown, maxChars = 200): string {
  if (!Number.isInteger(maxChars) || maxChars < 1) {
    throw new RangeError(
      `Cannot preview value: maxChars must be a positive integer (got ${maxChars})`,
    );
  }
  const p = new Previewer(maxChars);
  p.value(value);
  const out = p.out;
  if (out.length <= maxChars) return out;
  let cut = maxChars - 1;
  const last = out.charCodeAt(cut - 1);
  if (last >= 0xd800 && last < 0xdc00) cut--;
  return out.slice(0, cut) + "…";
}
