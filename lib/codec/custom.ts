/**
 * {@linkcode defineEncoding}: let instances of a class be encoded and decoded.
 *
 * @module
 */
import { BY_NAME, BY_PROTOTYPE, type Registered } from "./_registry.ts";
import { NATIVE_PROTOTYPES } from "./_encoder.ts";

/**
 * How instances of a class are stored: a type name, and a pair of functions to and
 * from a plain encodable value.
 *
 * @typeParam T The class instance type.
 * @typeParam P The plain value it is stored as.
 */
export interface EncodingDefinition<T, P> {
  /** Type name written into the encoding; unique among registered classes. */
  readonly name: string;
  /** Turns an instance into a plain value that `encode` accepts. */
  readonly encode: (value: T) => P;
  /** Turns the decoded plain value back into an instance. */
  readonly decode: (plain: P) => T;
  /**
   * What stands for an instance in canonical encodings and hashes (call keys), when that
   * differs from what is stored: e.g. a content hash instead of where the content lives.
   * Absent: `encode`.
   */
  readonly canonical?: (value: T) => unknown;
}

/** Anything `new`-able (or abstract) whose instances are `T`. */
export type ClassOf<T> = abstract new (...args: never[]) => T;

/**
 * Registers a class so its instances can be encoded and decoded. An instance is
 * stored as CBOR tag 27 around `[name, definition.encode(instance)]`; decoding it
 * calls `definition.decode` on the decoded plain value. Only instances whose
 * prototype is exactly `cls.prototype` use the definition (a subclass needs its own).
 * Registering a class again under the same name replaces its functions.
 *
 * @param cls The class.
 * @param definition Type name and conversion functions.
 * @throws {TypeError} If `name` is empty or used by another class, if `cls` is
 * already registered under another name, if `cls` is a type the codec stores itself
 * (Object, Array, Map, Set, Date, typed arrays, TaggedValue), or if an argument has
 * the wrong type.
 *
 * @example Store a class by its fields
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, defineEncoding, encode } from "./mod.ts";
 *
 * class Point {
 *   constructor(readonly x: number, readonly y: number) {}
 * }
 * defineEncoding(Point, {
 *   name: "example.Point",
 *   encode: (p) => [p.x, p.y],
 *   decode: ([x, y]) => new Point(x, y),
 * });
 * const back = decode(encode({ at: new Point(1, 2) })) as { at: Point };
 * assert.ok(back.at instanceof Point);
 * assert.deepEqual(back.at, new Point(1, 2));
 * assert.throws(() => defineEncoding(class Other {}, {
 *   name: "example.Point",
 *   encode: () => 0,
 *   decode: () => ({}),
 * }), TypeError);
 * ```
 */
export function defineEncoding<T extends object, P>(
  cls: ClassOf<T>,
  definition: EncodingDefinition<T, P>,
): void {
  if (typeof cls !== "function" || typeof cls.prototype !== "object" || cls.prototype === null) {
    throw new TypeError("Cannot define encoding: cls must be a class");
  }
  const { name, encode, decode, canonical } = definition ?? {};
  const label = `Cannot define encoding for class ${cls.name || "(anonymous)"}`;
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`${label}: name must be a non-empty string`);
  }
  if (typeof encode !== "function" || typeof decode !== "function") {
    throw new TypeError(`${label}: encode and decode must be functions`);
  }
  if (canonical !== undefined && typeof canonical !== "function") {
    throw new TypeError(`${label}: canonical must be a function`);
  }
  if (NATIVE_PROTOTYPES.has(cls.prototype)) {
    throw new TypeError(`${label}: the codec stores ${cls.name} values itself`);
  }
  const byName = BY_NAME.get(name);
  if (byName !== undefined && byName.cls !== cls) {
    throw new TypeError(
      `${label}: name "${name}" is already used by class ${byName.cls.name || "(anonymous)"}`,
    );
  }
  const byClass = BY_PROTOTYPE.get(cls.prototype);
  if (byClass !== undefined && byClass.name !== name) {
    throw new TypeError(`${label}: it is already registered as "${byClass.name}"`);
  }
  const entry: Registered = { cls, name, encode, decode, canonical } as Registered;
  BY_NAME.set(name, entry);
  BY_PROTOTYPE.set(cls.prototype, entry);
}
