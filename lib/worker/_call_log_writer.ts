/**
 * The element runner's side of its call log (`out/<i>.log`, format in
 * `lib/runtime/element_files.ts`): a record appended per call, one sync per slice of calls,
 * so an element whose node dies loses at most the slice it was running, and one whose
 * process is killed loses nothing it recorded.
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

/**
 * An element's call log, open for appending. Each outcome is appended as soon as its call
 * ends (one `write`, no sync: the page cache keeps it when only the process dies, and the
 * driver may read it at once); the file is synced once per slice. A record the driver reads
 * before its sync carries its result inline, or names a result object synced before it.
 */
export class CallLogWriter {
  readonly #file: Deno.FsFile;
  readonly #limits: SliceLimits;
  readonly #now: () => number;
  #unsynced = 0;
  #unsyncedBytes = 0;
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
   * Appends a call's outcome, and commits the slice (syncs) when it is full or old.
   *
   * @param record The outcome.
   */
  async add(record: CallLogRecord): Promise<void> {
    this.#sliceStart ??= this.#now();
    const bytes = encodeCallLog([record]);
    for (let done = 0; done < bytes.length;) {
      done += await this.#file.write(bytes.subarray(done));
    }
    this.#unsynced++;
    this.#unsyncedBytes += bytes.length;
    if (
      this.#unsynced >= this.#limits.calls || this.#unsyncedBytes >= this.#limits.bytes ||
      this.#now() - this.#sliceStart >= this.#limits.ms
    ) await this.commit();
  }

  /** Makes the slice durable: syncs the file once. */
  async commit(): Promise<void> {
    if (this.#unsynced === 0) return;
    await this.#file.syncData();
    this.syncs++;
    this.#unsynced = 0;
    this.#unsyncedBytes = 0;
    this.#sliceStart = undefined;
  }

  /** Closes the file (commit first: records not yet synced may not survive a node crash). */
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
