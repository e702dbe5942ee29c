/**
 * Uploads skip files the system holds with the same sha256 (one `sha256sum` command for the
 * batch); downloads skip outputs whose sha256 the object store holds. The local scheduler
 * runs the arrays; the transport records what it moved.
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../../lib/codec/mod.ts";
import {
  addJobsFile,
  type CalcJobRunEvent,
  CalcJobStore,
  runCalcJobs,
} from "../../lib/calcjob/mod.ts";
import { systemClock, SystemLink } from "../../lib/runtime/mod.ts";
import { LocalDriver } from "../../lib/scheduler/mod.ts";
import {
  type ExecOptions,
  type ExecResult,
  type FileToWrite,
  LocalTransport,
  type Transport,
} from "../../lib/transport/mod.ts";
import { calcjobProject, LAPTOP } from "./_project.ts";

/** A local transport that records the files it writes and reads and the commands it runs. */
class RecordingTransport implements Transport {
  readonly label = "local";
  readonly inner = new LocalTransport();
  readonly written: string[] = [];
  readonly read: string[] = [];
  readonly commands: string[] = [];
  /** When set, the next writeFiles writes this many files, then fails. */
  failAfter: number | undefined;

  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    this.commands.push(command);
    return this.inner.exec(command, options);
  }
  async writeFiles(files: readonly FileToWrite[]): Promise<void> {
    const n = this.failAfter;
    this.failAfter = undefined;
    const sent = n === undefined ? files : files.slice(0, n);
    await this.inner.writeFiles(sent);
    this.written.push(...sent.map((f) => f.path));
    if (n !== undefined) throw new Error("connection dropped");
  }
  readFiles(paths: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.read.push(...paths);
    return this.inner.readFiles(paths);
  }
  home(): Promise<string> {
    return this.inner.home();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const JOBS = `
objects: [{ label: big, content: "${"x".repeat(100)}" }]
codes:
  - label: echo
    system: laptop
    script: "#!/bin/bash\\necho {{ calc.parameters.text }} > out.txt\\n"
    upload: [{ path: data/big.txt, object: big }]
    download: ["*.txt", "data/*"]
calcjobs:
  - { code: echo, matrix: { text: [same, same-too, other] } }
`;

Deno.test("runCalcJobs() resumes an upload cut short sending only the files not there yet", async () => {
  using p = calcjobProject();
  const system = { ...LAPTOP, rundir: `${p.dir}/runs` };
  addJobsFile(p.write("jobs.yaml", JOBS), p.store, { systems: { laptop: system } });
  await using t = new RecordingTransport();
  const link = new SystemLink(system, t, new LocalDriver({ registry: `${p.dir}/registry` }));
  const options = { linkFor: () => link, clock: systemClock, pollMs: 10 };
  // array.sh, then job.sh and data/big.txt for each of the 3 elements: 7 files.
  t.failAfter = 3;
  await assert.rejects(runCalcJobs(p.store, options), /connection dropped/);
  assert.deepEqual(new CalcJobStore(p.store).counts(), { uploading: 3 });
  const first = [...t.written];
  assert.equal(first.length, 3);
  t.written.length = 0;
  t.commands.length = 0;
  const events: CalcJobRunEvent[] = [];
  const summary = await runCalcJobs(p.store, { ...options, onEvent: (e) => events.push(e) });
  assert.deepEqual(summary.counts, { completed: 3 });
  assert.deepEqual(
    events.filter((e) => e.type === "uploaded").map((e) => e.type === "uploaded" && e.skipped),
    [3],
  );
  assert.equal(t.written.length, 4);
  assert.deepEqual(t.written.filter((w) => first.includes(w)), []);
  // The remote hashes came from one command for the whole batch.
  assert.equal(
    t.commands.filter((c) => c.includes("sha256sum -z --") && !c.includes("bash")).length,
    1,
  );
});

Deno.test("runCalcJobs() reads only outputs whose sha256 the store lacks", async () => {
  using p = calcjobProject();
  const system = { ...LAPTOP, rundir: `${p.dir}/runs` };
  addJobsFile(
    p.write(
      "jobs.yaml",
      JOBS.replace(
        "matrix: { text: [same, same-too, other] } }",
        "matrix: { text: [same], n: [1, 2] } }\n  - { code: echo, parameters: { text: other } }",
      ),
    ),
    p.store,
    { systems: { laptop: system } },
  );
  await using t = new RecordingTransport();
  const link = new SystemLink(system, t, new LocalDriver({ registry: `${p.dir}/registry` }));
  const details: string[] = [];
  const summary = await runCalcJobs(p.store, {
    linkFor: () => link,
    clock: systemClock,
    pollMs: 10,
    onEvent: (e) => e.type === "finished" && details.push(e.detail),
  });
  assert.deepEqual(summary.counts, { completed: 3 });
  // Two of the three have the same out.txt; the uploaded big.txt is in the store already.
  assert.equal(t.read.filter((r) => r.endsWith("/out.txt")).length, 2);
  assert.equal(t.read.filter((r) => r.endsWith("/big.txt")).length, 0);
  assert.deepEqual(details.sort(), [
    "2 files downloaded, 1 of them already stored",
    "2 files downloaded, 1 of them already stored",
    "2 files downloaded, 2 of them already stored",
  ]);
  const calcjobs = new CalcJobStore(p.store);
  for (const c of calcjobs.list()) {
    const out = calcjobs.files(c.id).filter((f) => f.direction === "out");
    assert.deepEqual(out.map((f) => f.path), ["data/big.txt", "out.txt"]);
    assert.equal(out[0].sha256, sha256Hex(new TextEncoder().encode("x".repeat(100))));
    const expected = new TextEncoder().encode(`${c.parameters.text}\n`);
    assert.equal(out[1].sha256, sha256Hex(expected));
    assert.deepEqual(p.store.objects.get(out[1].sha256), expected);
  }
});
