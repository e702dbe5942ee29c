/**
 * The upload and download steps of the calcjob lifecycle. Uploads skip every file whose
 * remote sha256 already matches (one `sha256sum` command for the whole batch); downloads
 * read only the outputs whose sha256 the object store does not hold yet.
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";
import type { SystemLink } from "../runtime/mod.ts";
import type { Store } from "../store/mod.ts";
import type { FileToWrite } from "../transport/mod.ts";
import { type Batch, batchSpec, SCRIPT_NAME, scriptDirectives } from "./batch_plan.ts";
import type { CalcJobRecord, CalcJobStore } from "./calcjob_store.ts";
import { crashPoint } from "./_crash.ts";
import { listOutputsMany, RemoteHashError, remoteSha256s } from "./remote_hashes.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The batch's directory on its system. */
export async function batchDir(link: SystemLink, batch: string): Promise<string> {
  return `${await link.rundir()}/calcjobs/${batch}`;
}

/** The rendered job script of a calcjob. */
export function scriptOf(store: Store, c: CalcJobRecord): string {
  const bytes = store.objects.get(c.scriptSha256);
  if (bytes === undefined) {
    throw new Error(
      `Cannot read the job script of calcjob ${c.id}: object ${c.scriptSha256} is missing`,
    );
  }
  return decoder.decode(bytes);
}

/** What an upload did. */
export interface UploadCount {
  /** Files the batch needs on the system. */
  readonly files: number;
  /** Of those, already there with the same sha256 (not sent). */
  readonly skipped: number;
}

/**
 * Writes a batch's array script and every member's job script and input files, skipping
 * those the system already holds with the same sha256. Elements keep their index even when
 * some members were decided elsewhere.
 */
export async function uploadBatch(
  calcjobs: CalcJobStore,
  store: Store,
  link: SystemLink,
  b: Batch,
  signal?: AbortSignal,
): Promise<UploadCount> {
  const dir = await batchDir(link, b.name);
  const all = calcjobs.list({}).filter((c) => c.batch === b.name).sort((x, y) =>
    x.element! - y.element!
  );
  const directives = scriptDirectives(scriptOf(store, all[0]), link.system.scheduler);
  const spec = batchSpec({ ...b, calcjobs: all, directives }, dir);
  const array = encoder.encode(link.driver.render(spec));
  const files: (FileToWrite & { readonly sha256: string })[] = [
    { path: `${dir}/array.sh`, data: array, sha256: sha256Hex(array) },
  ];
  const object = (sha256: string, what: string): Uint8Array => {
    const data = store.objects.get(sha256);
    if (data === undefined) throw new Error(`Cannot upload ${what}: object ${sha256} missing`);
    return data;
  };
  for (const c of all) {
    const el = `${dir}/${c.element}`;
    files.push({
      path: `${el}/${SCRIPT_NAME}`,
      data: object(c.scriptSha256, `the job script of calcjob ${c.id}`),
      mode: 0o700,
      sha256: c.scriptSha256,
    });
    for (const f of calcjobs.files(c.id).filter((f) => f.direction === "in")) {
      files.push({
        path: `${el}/${f.path}`,
        data: object(f.sha256, `${f.path} of calcjob ${c.id}`),
        sha256: f.sha256,
      });
    }
  }
  const there = await remoteSha256s(link.transport, files.map((f) => f.path), { signal });
  const send = files.filter((f) => there.get(f.path) !== f.sha256)
    .map(({ sha256: _, ...f }) => f);
  if (send.length > 0) await link.transport.writeFiles(send, { signal });
  crashPoint("calcjob-after-upload");
  return { files: files.length, skipped: files.length - send.length };
}

/** What a download did. */
export interface DownloadCount {
  /** The outputs matched, with their hashes. */
  readonly downloads: readonly { readonly path: string; readonly sha256: string }[];
  /** Of those, not read for it: already in the object store, or read for another calcjob. */
  readonly skipped: number;
}

/**
 * Lists the outputs of many calcjobs of one system with their sha256 (one command), reads
 * in one bulk transfer only those whose sha256 the object store lacks (each content once,
 * however many calcjobs made it), straight into the store.
 *
 * @returns Per calcjob, in order: its outputs and how many of them were not read for it.
 * @throws {RemoteHashError} When a calcjob's directory cannot be listed.
 */
export async function downloadOutputs(
  store: Store,
  link: SystemLink,
  cs: readonly CalcJobRecord[],
  signal?: AbortSignal,
): Promise<DownloadCount[]> {
  const rundir = await link.rundir();
  const dirs = cs.map((c) => `${rundir}/calcjobs/${c.batch}/${c.element}`);
  const listings = await listOutputsMany(
    link.transport,
    cs.map((c, i) => ({ dir: dirs[i], globs: c.download })),
    { script: SCRIPT_NAME, signal },
  );
  const lists = listings.map((l, i) => {
    if (!l.ok) {
      throw new RemoteHashError(
        `Cannot list the outputs of calcjob ${cs[i].id}: ${l.problem}`,
        1,
        "",
      );
    }
    return l.files;
  });
  // Each missing content is read once, from the first calcjob that has it.
  const toRead = new Map<string, { path: string; owner: number }>();
  lists.forEach((files, i) => {
    for (const f of files) {
      if (!toRead.has(f.sha256) && !store.objects.has(f.sha256)) {
        toRead.set(f.sha256, { path: `${dirs[i]}/${f.path}`, owner: i });
      }
    }
  });
  const wanted = [...toRead];
  const contents = await link.transport.readFiles(wanted.map(([, w]) => w.path), { signal });
  const got = new Map<string, string>(); // listed sha256 -> stored sha256
  wanted.forEach(([sha256], k) => {
    const bytes = contents[k];
    // A file changed since it was listed counts by what was read.
    if (bytes !== undefined) got.set(sha256, store.objects.put(bytes));
  });
  crashPoint("calcjob-downloading");
  return lists.map((files, i) => {
    let skipped = 0;
    const downloads = files.flatMap((f) => {
      const read = toRead.get(f.sha256);
      if (read === undefined || read.owner !== i) skipped++;
      if (read === undefined) return [f];
      const sha256 = got.get(f.sha256);
      return sha256 === undefined ? [] : [{ path: f.path, sha256 }];
    });
    return { downloads, skipped };
  });
}
