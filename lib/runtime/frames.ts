/**
 * Length-prefixed frames over byte streams: a 4-byte big-endian length, then the payload.
 * Used between the driver and its isolate workers.
 *
 * @module
 */

/** Largest frame accepted (1 GiB), to catch a corrupted stream early. */
export const MAX_FRAME_BYTES = 1 << 30;

/**
 * Prefixes a payload with its length.
 *
 * @param payload The bytes.
 * @returns Length header + payload.
 *
 * @example
 * ```ts
 * import { frame } from "./frames.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(frame(new Uint8Array([7])), new Uint8Array([0, 0, 0, 1, 7]));
 * ```
 */
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, payload.byteLength);
  out.set(payload, 4);
  return out;
}

/**
 * Reads whole frames from a stream, one `read()` at a time (no background reading, so an
 * idle reader keeps nothing alive).
 *
 * @example
 * ```ts
 * import { frame, FrameReader } from "./frames.ts";
 * import assert from "node:assert/strict";
 * const bytes = new Uint8Array([...frame(new Uint8Array([1, 2])), ...frame(new Uint8Array([3]))]);
 * const reader = new FrameReader(ReadableStream.from([bytes.slice(0, 3), bytes.slice(3)]));
 * assert.deepEqual(await reader.read(), new Uint8Array([1, 2]));
 * assert.deepEqual(await reader.read(), new Uint8Array([3]));
 * assert.equal(await reader.read(), null);
 * ```
 */
export class FrameReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = new Uint8Array(0);

  /**
   * Creates an instance.
   *
   * @param stream The byte stream.
   */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /**
   * Reads the next frame.
   *
   * @returns The payload, or null at a clean end of stream.
   * @throws {RangeError} on a truncated stream or an oversized frame.
   */
  async read(): Promise<Uint8Array | null> {
    while (true) {
      if (this.#buffer.byteLength >= 4) {
        const len = new DataView(this.#buffer.buffer, this.#buffer.byteOffset).getUint32(0);
        if (len > MAX_FRAME_BYTES) {
          throw new RangeError(`Cannot read frame: length ${len} exceeds ${MAX_FRAME_BYTES}`);
        }
        if (this.#buffer.byteLength >= 4 + len) {
          const payload = this.#buffer.slice(4, 4 + len);
          this.#buffer = this.#buffer.subarray(4 + len);
          return payload;
        }
      }
      const { value, done } = await this.#reader.read();
      if (done) {
        if (this.#buffer.byteLength === 0) return null;
        throw new RangeError(
          `Cannot read frame: stream ended inside a frame (${this.#buffer.byteLength} bytes left)`,
        );
      }
      const merged = new Uint8Array(this.#buffer.byteLength + value.byteLength);
      merged.set(this.#buffer);
      merged.set(value, this.#buffer.byteLength);
      this.#buffer = merged;
    }
  }

  /** Releases the stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}
