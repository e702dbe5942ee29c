// Jobs staged on disk the way the dispatcher stages them, for the element runner's tests.
import { dirname } from "node:path";
import { encode, sha256Hex } from "../../lib/codec/mod.ts";
import {
  type CallLogRecord,
  encodeInputPack,
  jobDir,
  jobDirLayout,
  manifestPath,
  objectPath,
  parseCallLog,
} from "../../lib/runtime/mod.ts";

const text = new TextEncoder();

/** Writes an object under `runDir` and returns its hash. */
export async function putObject(runDir: string, bytes: Uint8Array): Promise<string> {
  const hash = sha256Hex(bytes);
  const path = objectPath(runDir, hash);
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeFile(path, bytes);
  return hash;
}

/** A staged job: its directory and the keys of its calls, by element. */
export interface StagedJob {
  readonly dir: string;
  readonly keys: readonly (readonly string[])[];
}

/**
 * Stages a job the way the dispatcher does: one inputs pack per element and manifest.json
 * (or, `packed: false`, one object per call, as earlier versions did).
 */
export async function stageJob(
  runDir: string,
  name: string,
  job: {
    step: string;
    bundle: string;
    elements: readonly (readonly object[])[];
    packed?: boolean;
  },
): Promise<StagedJob> {
  const dir = jobDir(runDir, name);
  const packed = job.packed ?? true;
  const keys: string[][] = [];
  const elements = [];
  for (const [i, calls] of job.elements.entries()) {
    const element = [];
    const bytes = [];
    keys.push([]);
    for (const [j, inputs] of calls.entries()) {
      const key = sha256Hex(text.encode(`${name}/${i}/${j}`));
      const encoded = encode(inputs, { root: "args" });
      bytes.push(encoded);
      const hash = packed ? sha256Hex(encoded) : await putObject(runDir, encoded);
      element.push({ key, inputs: hash });
      keys[i].push(key);
    }
    elements.push(element);
    if (packed) {
      const file = jobDirLayout(dir).inputs(i);
      await Deno.mkdir(dirname(file), { recursive: true });
      await Deno.writeFile(file, encodeInputPack(bytes));
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  const manifest = { format: 1, step: job.step, bundle: job.bundle, elements, packed };
  await Deno.writeTextFile(manifestPath(dir), JSON.stringify(manifest));
  return { dir, keys };
}

/** Every record of the job's call logs, in file then line order. */
export async function logRecords(dir: string): Promise<CallLogRecord[]> {
  const out: CallLogRecord[] = [];
  const names: string[] = [];
  for await (const e of Deno.readDir(`${dir}/out`)) if (e.name.endsWith(".log")) names.push(e.name);
  for (const name of names.sort()) {
    out.push(...parseCallLog(await Deno.readFile(`${dir}/out/${name}`)).records);
  }
  return out;
}
