/**
 * The element runner's side of its call log (`out/<i>.log`, format in
 * `lib/runtime/element_files.ts`): records buffered per slice of calls and committed with one
 * write and one sync, so a killed element loses at most the slice it was running.
 *
 * @module
 */
import { dirname } from "node:path";
import { type CallLogRecord, encodeCallLog, parseCallLog } from "../runtime/mod.ts";

/** When a slice is committed: after this long or this many calls or bytes, at the latest. */
export interface SliceLimits {
  /** Longest a finished call waits for its commit, ms. */
  readonly ms: number;
  /** Most calls in one slice. */
  readonly calls: number;
  /** Most bytes of records buffered. */
  readonly bytes: number;
}

/** An element's call log, open for appending. */
export class CallLogWriter {
  readonly #file: Deno.FsFile;
  readonly #limits: SliceLimits;
  readonly #now: () => number;
  #buffer: CallLogRecord[] = [];
  #bufferBytes = 0;
  #sliceStart: number | undefined;
  /** Syncs made so far (one per committed slice). */
  syncs = 0;

  private constructor(file: Deno.FsFile, limits: SliceLimits, now: () => number) {
    this.#file = file;
    this.#limits = limits;
    this.#now = now;
  }

  /**
   * Opens the log, reads what earlier runs of the element committed and cuts off a torn tail
   * (so new records follow intact ones).
   *
   * @param path `out/<i>.log`.
   * @param limits When slices are committed.
   * @param now The clock.
   * @returns The writer and the records already there.
   */
  static async open(
    path: string,
    limits: SliceLimits,
    now: () => number,
  ): Promise<{ writer: CallLogWriter; records: readonly CallLogRecord[] }> {
    await Deno.mkdir(dirname(path), { recursive: true });
    const file = await Deno.open(path, { read: true, write: true, create: true });
    try {
      const bytes = await readAll(file);
      const log = parseCallLog(bytes);
      if (log.torn) await file.truncate(log.intactBytes);
      await file.seek(log.intactBytes, Deno.SeekMode.Start);
      return { writer: new CallLogWriter(file, limits, now), records: log.records };
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /**
   * Adds a call's outcome to the current slice, and commits the slice when it is full or old.
   *
   * @param record The outcome.
   */
  async add(record: CallLogRecord): Promise<void> {
    this.#sliceStart ??= this.#now();
    this.#buffer.push(record);
    this.#bufferBytes += (record.ok ? record.inline?.length ?? 0 : 0) + 200;
    if (
      this.#buffer.length >= this.#limits.calls || this.#bufferBytes >= this.#limits.bytes ||
      this.#now() - this.#sliceStart >= this.#limits.ms
    ) await this.commit();
  }

  /** Writes the buffered records in one write and syncs the file once. */
  async commit(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const bytes = encodeCallLog(this.#buffer);
    for (let done = 0; done < bytes.length;) {
      done += await this.#file.write(bytes.subarray(done));
    }
    await this.#file.syncData();
    this.syncs++;
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#sliceStart = undefined;
  }

  /** Closes the file (buffered records not committed are dropped: commit first). */
  close(): void {
    this.#file.close();
  }
}

async function readAll(file: Deno.FsFile): Promise<Uint8Array> {
  const size = (await file.stat()).size;
  const out = new Uint8Array(size);
  for (let at = 0; at < size;) {
    const n = await file.read(out.subarray(at));
    if (n === null) return out.subarray(0, at);
    at += n;
  }
  return out;
}
