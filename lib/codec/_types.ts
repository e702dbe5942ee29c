// Private: the typed-array classes the codec stores and their RFC 8746 tags
// (little-endian variants), shared by the encoder and the decoder.

/** Deepest nesting of objects (arrays, plain objects, Maps, ...) that encode accepts. */
export const MAX_ENCODE_DEPTH = 1000;

/** A constructor of one of the stored typed-array classes. */
export type TypedArrayClass = {
  new (length: number): ArrayBufferView;
  readonly BYTES_PER_ELEMENT: number;
  readonly prototype: ArrayBufferView;
  readonly name: string;
};

/** RFC 8746 tag of each typed array stored under a tag (Uint8Array is a plain byte string). */
export const TYPED_ARRAY_TAGS: ReadonlyArray<readonly [TypedArrayClass | undefined, number]> = [
  [Uint8ClampedArray, 68],
  [Uint16Array, 69],
  [Uint32Array, 70],
  [BigUint64Array, 71],
  [Int8Array, 72],
  [Int16Array, 77],
  [Int32Array, 78],
  [BigInt64Array, 79],
  [(globalThis as { Float16Array?: TypedArrayClass }).Float16Array, 84],
  [Float32Array, 85],
  [Float64Array, 86],
];

/** Typed-array class by tag, for decoding (tag 64 is RFC 8746's uint8 array). */
export const TYPED_ARRAY_BY_TAG: ReadonlyMap<number, TypedArrayClass> = (() => {
  const byTag = new Map<number, TypedArrayClass>([[64, Uint8Array as TypedArrayClass]]);
  for (const [cls, tag] of TYPED_ARRAY_TAGS) if (cls !== undefined) byTag.set(tag, cls);
  return byTag;
})();

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Typed-array payloads are written in platform order and tagged little-endian.
  throw new Error("Cannot load the drover codec: the platform is not little-endian");
}
