/**
 * File I/O of the element runner (folder private): the element's inputs (its pack, or one
 * object per call), the decoding of one call's inputs, and atomic writes of objects and
 * markers.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { decode, sha256Hex } from "../codec/mod.ts";
import {
  decodeInputPack,
  type JobCall,
  jobDirLayout,
  type JobManifest,
  objectPath,
} from "../runtime/mod.ts";

/**
 * The encoded inputs of an element's calls, by index in the element: from the element's pack
 * `in/<i>.bin` (read once) when the manifest says `packed`, else each call's object.
 */
export async function elementInputs(
  runDir: string,
  dir: string,
  index: number,
  manifest: JobManifest,
): Promise<(call: JobCall) => Promise<Uint8Array>> {
  if (!manifest.packed) {
    return async (call) => await Deno.readFile(objectPath(runDir, call.inputs));
  }
  const file = jobDirLayout(dir).inputs(index);
  const unpacked = decodeInputPack(await Deno.readFile(file));
  const byKey = new Map<string, Uint8Array>();
  manifest.elements[index].forEach((call, i) => {
    if (unpacked[i]) byKey.set(call.key, unpacked[i]);
  });
  return (call) => {
    const bytes = byKey.get(call.key);
    if (!bytes) throw new Error(`the inputs pack "${file}" has no inputs for call ${call.key}`);
    return Promise.resolve(bytes);
  };
}

/**
 * Turns a call's staged inputs bytes into the value its step function gets (after their hash
 * was checked). One place, so that inputs holding references can be resolved here.
 *
 * @param bytes The encoded inputs.
 * @param _call The call.
 * @returns The inputs value.
 */
export function decodeCallInputs(bytes: Uint8Array, _call: JobCall): Promise<unknown> {
  return Promise.resolve(decode(bytes));
}

export async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Writes an object unless an intact copy is there (the name is its hash). */
export async function writeObject(
  path: string,
  bytes: Uint8Array,
  options: { sync: boolean },
): Promise<void> {
  // A copy already there is kept only when it is intact (a damaged one is replaced).
  if (await sizeOf(path) === bytes.length) {
    const there = await Deno.readFile(path).catch(() => undefined);
    if (there && sha256Hex(there) === basename(path)) return;
  }
  await writeAtomic(path, bytes, options);
}

/**
 * Writes a file so that readers see all of it or nothing: to `.<name>.<pid>.<random>.tmp`
 * in the same directory (hidden from the driver's globs), synced (unless told not to), then
 * renamed.
 */
export async function writeAtomic(
  path: string,
  bytes: Uint8Array,
  options: { sync: boolean } = { sync: true },
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${dir}/.${basename(path)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
      if (options.sync) await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
