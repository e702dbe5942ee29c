/**
 * Private to lib/transport: bulk file transfer over one SFTP session. Requests are
 * pipelined: many files at once, and many chunks of a large file at once, so hundreds of
 * small files take a few round trips and a large file streams at the link's speed.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { SftpError, SFTPWrapper } from "./_ssh2.d.ts";
import type { FileToWrite } from "./transport.ts";

/** Chunk size of reads and writes. */
const CHUNK = 64 * 1024;
/** Requests in flight for one large file. */
const CHUNKS_IN_FLIGHT = 32;
/** Files in flight at once. */
const FILES_IN_FLIGHT = 32;
/** SFTP status code of a missing file. */
const NO_SUCH_FILE = 2;

/** An SFTP failure about one path. */
export class SftpPathError extends Error {
  /** The path. */
  readonly path: string;
  /** The SFTP status code, if any. */
  readonly code: number | undefined;

  /**
   * @param path The path.
   * @param cause The ssh2 error.
   */
  constructor(path: string, cause: Error & { code?: number }) {
    super(`${path}: ${cause.message}`, { cause });
    this.path = path;
    this.code = typeof cause.code === "number" ? cause.code : undefined;
  }
}

/**
 * Runs `work` on each item with at most `limit` at a time; stops starting new ones after a
 * failure or an abort.
 *
 * @param items The items.
 * @param limit Concurrency.
 * @param work What to do with one.
 * @param signal Stops starting new ones.
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      signal?.throwIfAborted();
      const i = next++;
      try {
        await work(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  const results = await Promise.allSettled(workers);
  const bad = results.find((r) => r.status === "rejected");
  if (bad) throw (bad as PromiseRejectedResult).reason;
}

/**
 * Calls an SFTP method and turns its callback into a promise; errors name the path.
 *
 * @param path The path, for errors.
 * @param f Calls the method with the callback.
 * @returns The callback's value.
 */
function call<T = void>(
  path: string,
  f: (cb: (err: SftpError | undefined | null, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) =>
    f((err, value) => err ? reject(new SftpPathError(path, err)) : resolve(value as T))
  );
}

/**
 * Writes one file: a temporary name beside it, the exact mode, the data in parallel
 * chunks, then an atomic rename over the target.
 *
 * @param sftp The session.
 * @param file The file (its directory exists).
 */
export async function writeOne(sftp: SFTPWrapper, file: FileToWrite): Promise<void> {
  const tmp = `${file.path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  const mode = file.mode ?? 0o644;
  const handle = await call<Buffer>(tmp, (cb) => sftp.open(tmp, "w", { mode }, cb));
  try {
    await call(tmp, (cb) => sftp.fchmod(handle, mode, cb));
    const data = Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
    const offsets: number[] = [];
    for (let at = 0; at < data.length; at += CHUNK) offsets.push(at);
    await eachLimited(
      offsets,
      CHUNKS_IN_FLIGHT,
      (at) =>
        call(
          tmp,
          (cb) => sftp.write(handle, data, at, Math.min(CHUNK, data.length - at), at, cb),
        ),
    );
  } catch (e) {
    await call(tmp, (cb) => sftp.close(handle, cb)).catch(() => {});
    await call(tmp, (cb) => sftp.unlink(tmp, cb)).catch(() => {});
    throw e;
  }
  await call(tmp, (cb) => sftp.close(handle, cb));
  try {
    await call(file.path, (cb) => sftp.ext_openssh_rename(tmp, file.path, cb));
  } catch (e) {
    await call(tmp, (cb) => sftp.unlink(tmp, cb)).catch(() => {});
    throw e;
  }
}

/**
 * Writes files, many at once.
 *
 * @param sftp The session.
 * @param files The files (their directories exist).
 * @param signal Stops starting new ones.
 */
export async function writeMany(
  sftp: SFTPWrapper,
  files: readonly FileToWrite[],
  signal?: AbortSignal,
): Promise<void> {
  await eachLimited(files, FILES_IN_FLIGHT, (file) => writeOne(sftp, file), signal);
}

/**
 * Reads one file with parallel chunk reads; a missing file is `undefined`.
 *
 * @param sftp The session.
 * @param path The path.
 * @returns The contents.
 */
export async function readOne(sftp: SFTPWrapper, path: string): Promise<Uint8Array | undefined> {
  let handle: Buffer;
  try {
    handle = await call<Buffer>(path, (cb) => sftp.open(path, "r", cb));
  } catch (e) {
    if (e instanceof SftpPathError && e.code === NO_SUCH_FILE) return undefined;
    throw e;
  }
  try {
    const stats = await call<{ size: number }>(path, (cb) => sftp.fstat(handle, cb));
    const out = new Uint8Array(stats.size);
    const offsets: number[] = [];
    for (let at = 0; at < stats.size; at += CHUNK) offsets.push(at);
    let end = stats.size;
    await eachLimited(offsets, CHUNKS_IN_FLIGHT, async (at) => {
      const want = Math.min(CHUNK, stats.size - at);
      const buf = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const n = await new Promise<number>((resolve, reject) =>
          sftp.read(handle, buf, got, want - got, at + got, (err, bytes) => {
            if (err?.code === 1) resolve(0); // EOF
            else if (err) reject(new SftpPathError(path, err));
            else resolve(bytes);
          })
        );
        if (n === 0) {
          end = Math.min(end, at + got); // the file shrank meanwhile
          break;
        }
        got += n;
      }
      out.set(buf.subarray(0, got), at);
    });
    return end < out.length ? out.slice(0, end) : out;
  } finally {
    await call(path, (cb) => sftp.close(handle, cb)).catch(() => {});
  }
}

/**
 * Reads files, many at once; missing ones are `undefined`.
 *
 * @param sftp The session.
 * @param paths The paths.
 * @param signal Stops starting new ones.
 * @returns The contents, in order.
 */
export async function readMany(
  sftp: SFTPWrapper,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<(Uint8Array | undefined)[]> {
  const out: (Uint8Array | undefined)[] = new Array(paths.length);
  await eachLimited(paths, FILES_IN_FLIGHT, async (path, i) => {
    out[i] = await readOne(sftp, path);
  }, signal);
  return out;
}
