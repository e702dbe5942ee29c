/**
 * A project whose `laptop` system runs jobs with the real local scheduler, and helpers to
 * submit hand-made jobs to it that leave the same files a drover job leaves (outcome
 * markers, exit markers, logs, result objects), recorded in the store the way the runtime
 * records them.
 */
import { join } from "node:path";
import { encode, sha256Hex } from "../../lib/codec/mod.ts";
import { driverFor } from "../../lib/scheduler/mod.ts";
import { openStore, type Store } from "../../lib/store/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { NOW } from "./_fixture.ts";

/** A temporary project with a store and a `laptop` system (local scheduler). */
export interface LocalProject extends AsyncDisposable {
  /** The project directory. */
  readonly dir: string;
  /** The laptop's run directory. */
  readonly rundir: string;
  /** Opens the store. */
  open(): Store;
}

/**
 * Creates the project. `extra` is appended under `systems:` (indented by two spaces).
 *
 * @param extra More systems, as YAML lines.
 * @returns The project; dispose it to remove the directory.
 */
export async function localProject(extra: readonly string[] = []): Promise<LocalProject> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-sys-" }));
  const rundir = join(dir, "runs");
  await Deno.writeTextFile(
    join(dir, "drover.yaml"),
    [
      "systems:",
      "  laptop:",
      "    scheduler: local",
      `    rundir: "${rundir}"`,
      "    pollMs: 10",
      ...extra.map((l) => `  ${l}`),
      "",
    ].join("\n"),
  );
  openStore({ dir: `${dir}/.drover` }).close();
  return {
    dir,
    rundir,
    open: () => openStore({ dir: `${dir}/.drover` }),
    async [Symbol.asyncDispose](): Promise<void> {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** What one element of a hand-made job does. */
export type ElementPlan =
  | { readonly kind: "ok"; readonly key: string; readonly value: unknown }
  | { readonly kind: "crash"; readonly key: string; readonly exitCode: number }
  | { readonly kind: "sleep"; readonly key: string; readonly seconds: number };

/** A submitted (or staged) hand-made job. */
export interface MadeJob {
  /** Its id in the store. */
  readonly id: number;
  /** Its name. */
  readonly name: string;
  /** Its directory. */
  readonly dir: string;
  /** The local scheduler's id, or null when only staged. */
  readonly schedulerId: string | null;
  /** Result object hashes by key, for "ok" elements. */
  readonly results: Readonly<Record<string, string>>;
}

/** A 64-hex call key made from a label. */
export function keyOf(label: string): string {
  return sha256Hex(new TextEncoder().encode(`key:${label}`));
}

/**
 * Records a job with one call per element (the calls running in the store), writes its
 * script and, unless `stage` is "record-only", submits it to the local scheduler; with
 * "unrecorded" the scheduler gets it but the store keeps it staged (a crash between
 * submitting and recording).
 *
 * @param project The project.
 * @param name The job's name.
 * @param plans What each element does.
 * @param stage How far to go. Default: "submitted".
 * @param system The system and its scheduler. Default: the laptop (local scheduler).
 * @returns The job.
 */
export async function makeJob(
  project: LocalProject,
  name: string,
  plans: readonly ElementPlan[],
  stage: "submitted" | "unrecorded" = "submitted",
  system: { name: string; scheduler: "local" | "slurm"; rundir: string } = {
    name: "laptop",
    scheduler: "local",
    rundir: project.rundir,
  },
): Promise<MadeJob> {
  const dir = `${system.rundir}/jobs/${name}`;
  await Deno.mkdir(`${dir}/el`, { recursive: true });
  await Deno.mkdir(`${dir}/out`, { recursive: true });
  await Deno.mkdir(`${dir}/log`, { recursive: true });
  const results: Record<string, string> = {};
  const branches: string[] = [];
  for (const [i, plan] of plans.entries()) {
    let body: string;
    if (plan.kind === "ok") {
      const bytes = encode(plan.value, { root: "result" });
      const hash = sha256Hex(bytes);
      results[plan.key] = hash;
      await Deno.mkdir(`${system.rundir}/objects/${hash.slice(0, 2)}`, { recursive: true });
      await Deno.writeFile(`${system.rundir}/objects/${hash.slice(0, 2)}/${hash}`, bytes);
      const marker = JSON.stringify({
        ok: true,
        result: hash,
        size: bytes.byteLength,
        startedAt: NOW - 2000,
        endedAt: NOW - 1000,
      });
      body = `echo computing; printf '%s' '${marker}' > out/${plan.key}.json; code=0`;
    } else if (plan.kind === "crash") {
      body =
        `for i in 1 2 3; do echo "line $i"; done; echo 'boom: segfault' >&2; code=${plan.exitCode}`;
    } else {
      body = `sleep ${plan.seconds}; code=0`;
    }
    branches.push(`if [ "$DROVER_ARRAY_INDEX" = ${i} ]; then ${body}; fi`);
  }
  const driver = driverFor(system.scheduler);
  const script = driver.render({
    name,
    array: { size: plans.length },
    workdir: dir,
    body: [
      "code=1",
      ...branches,
      `printf '%s\\n' "$code" > "el/$DROVER_ARRAY_INDEX.exit"`,
      'exit "$code"',
    ],
    stdout: `${dir}/log/{index}.out`,
    stderr: `${dir}/log/{index}.err`,
  });
  await Deno.writeTextFile(`${dir}/job.sh`, script);
  let id: number;
  {
    using store = project.open();
    id = store.transaction(() => {
      const jobId = store.jobs.createJob({
        name,
        system: system.name,
        step: "relax",
        size: plans.length,
        attempt: 1,
        spec: { routeKey: "*::relax" },
        dir,
        runId: null,
        createdAt: NOW - 60_000,
      }, plans.map((p, element) => ({ key: p.key, element, inputsRef: keyOf(`in:${p.key}`) })));
      for (const p of plans) {
        store.putCall({
          key: p.key,
          step: "relax",
          state: "running",
          codeHash: "c0de".repeat(16),
          version: "1",
          argHashes: {},
          inputsRef: keyOf(`in:${p.key}`),
          resultRef: null,
          error: null,
          runId: null,
          location: system.name,
          attempts: 1,
          createdAt: NOW - 60_000,
          startedAt: NOW - 60_000,
          endedAt: null,
        });
      }
      return jobId;
    });
  }
  const transport = new LocalTransport();
  let schedulerId: string;
  try {
    schedulerId = await driver.submit(transport, `${dir}/job.sh`);
  } finally {
    await transport.close();
  }
  if (stage === "submitted") {
    using store = project.open();
    store.jobs.markSubmitted(id, schedulerId, NOW - 59_000);
  }
  return { id, name, dir, schedulerId, results };
}

/**
 * Waits until every element of a job has written its exit marker (the job's processes are
 * real, so this polls the file system).
 *
 * @param job The job.
 * @param size How many elements.
 */
export async function jobEnded(job: MadeJob, size: number): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    let n = 0;
    for (let i = 0; i < size; i++) {
      try {
        await Deno.stat(`${job.dir}/el/${i}.exit`);
        n++;
      } catch {
        // not yet
      }
    }
    if (n === size) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${job.name} did not end within 20 s`);
}

/**
 * The local scheduler's state of each element of a job.
 *
 * @param name The job's name.
 * @param scheduler Which scheduler runs it on this machine. Default: local.
 * @returns States by element index (none once the scheduler forgot the job).
 */
export async function schedulerStates(
  name: string,
  scheduler: "local" | "slurm" = "local",
): Promise<Map<number, string>> {
  const transport = new LocalTransport();
  try {
    const job = (await driverFor(scheduler).status(transport)).get(name);
    return new Map([...job?.elements.values() ?? []].map((e) => [e.index, e.state]));
  } finally {
    await transport.close();
  }
}

/** A job name unique to this test process. */
export function uniqueName(base: string): string {
  return `dr-${base}-${crypto.randomUUID().slice(0, 10)}`;
}
