// Private: classes registered with defineEncoding, looked up by prototype when
// encoding and by name when decoding.

/** One registered class. */
export interface Registered {
  readonly cls: abstract new (...args: never[]) => object;
  readonly name: string;
  readonly encode: (value: never) => unknown;
  readonly decode: (plain: never) => unknown;
  readonly canonical?: (value: never) => unknown;
}

/** Registered classes by their `prototype`. */
export const BY_PROTOTYPE: Map<object, Registered> = new Map();

/** Registered classes by their encoded type name. */
export const BY_NAME: Map<string, Registered> = new Map();
