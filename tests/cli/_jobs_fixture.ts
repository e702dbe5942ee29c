/**
 * Jobs for CLI tests: the seeded project of `_fixture.ts` plus a `laptop` system (local
 * scheduler, run directory inside the project) and five recorded jobs with fixed times,
 * one with its job directory written on disk.
 */
import { join } from "node:path";
import { type Fixture, NOW, seededProject } from "./_fixture.ts";
import type { Store } from "../../lib/store/mod.ts";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The systems config of the jobs fixture; `{{RUNDIR}}` is replaced by the run directory. */
export const JOBS_CONFIG = `systems:
  laptop:
    scheduler: local
    rundir: "{{RUNDIR}}"
    pollMs: 10
`;

/** The rendered script kept in the store for the failed job (no paths: its hash is fixed). */
export const FAILED_SCRIPT = `#!/bin/bash
#DROVER --job-name=dr-relax-bbbbbbbbbb
#DROVER --array=0-0
cd -- "$DROVER_JOB_DIR"
deno run -A --no-prompt bundle.js
`;

/** A project with jobs. */
export interface JobsFixture extends Fixture {
  /** The laptop system's run directory. */
  readonly rundir: string;
  /** Job ids by label: finished, failed, running, old, staged. */
  readonly jobs: Readonly<Record<"finished" | "failed" | "running" | "old" | "staged", number>>;
  /** Job directory of the failed job. */
  readonly failedDir: string;
}

/**
 * Creates the seeded project with a `laptop` system and five jobs:
 * `finished` (2 done calls), `failed` (1 call failed by timeout, attempt 2, its directory
 * with an exit marker and 25-line logs on disk), `running` (submitted, 1 pending call),
 * `old` (cancelled 10 days ago) and `staged` (never submitted).
 *
 * @returns The fixture; dispose it to remove the directory.
 */
export async function jobsProject(): Promise<JobsFixture> {
  const fx = await seededProject();
  const rundir = join(fx.dir, "runs");
  await Deno.writeTextFile(
    join(fx.dir, "drover.yaml"),
    JOBS_CONFIG.replace("{{RUNDIR}}", rundir),
  );
  const failedDir = `${rundir}/jobs/dr-relax-bbbbbbbbbb`;
  let jobs: JobsFixture["jobs"];
  {
    using store = fx.open();
    jobs = seedJobs(store, fx, rundir);
  }
  await Deno.mkdir(`${failedDir}/el`, { recursive: true });
  await Deno.mkdir(`${failedDir}/log`, { recursive: true });
  await Deno.writeTextFile(`${failedDir}/el/0.exit`, "124\n");
  await Deno.writeTextFile(
    `${failedDir}/log/0.out`,
    Array.from({ length: 25 }, (_, i) => `step ${i + 1}: fmax=${(1 / (i + 1)).toFixed(3)}`)
      .join("\n") + "\n",
  );
  await Deno.writeTextFile(`${failedDir}/log/0.err`, "");
  return { ...fx, rundir, jobs, failedDir };
}

function seedJobs(
  store: Store,
  fx: Fixture,
  rundir: string,
): JobsFixture["jobs"] {
  const job = (
    name: string,
    step: string,
    minAgo: number,
    calls: { key: string; element: number }[],
    spec: Record<string, unknown> = {},
    attempt = 1,
  ): number =>
    store.jobs.createJob({
      name,
      system: "laptop",
      step,
      size: Math.max(...calls.map((c) => c.element)) + 1,
      attempt,
      spec: { routeKey: "*::relax", ...spec },
      dir: `${rundir}/jobs/${name}`,
      runId: 1,
      createdAt: NOW - minAgo * MINUTE,
    }, calls.map((c) => ({ ...c, inputsRef: fx.refs[`${labelOf(fx, c.key)}:inputs`] })));

  const finished = job("dr-relax-aaaaaaaaaa", "relax", 50, [
    { key: fx.keys.si, element: 0 },
    { key: fx.keys.ge, element: 1 },
  ]);
  store.jobs.markSubmitted(finished, "m1a2b3-0000aaaa", NOW - 49 * MINUTE);
  store.jobs.decideCall(finished, fx.keys.si, {
    state: "done",
    resultRef: fx.refs["si:result"],
  });
  store.jobs.decideCall(finished, fx.keys.ge, {
    state: "done",
    resultRef: fx.refs["ge:result"],
  });
  store.jobs.markEnded(finished, "finished", NOW - 44 * MINUTE);

  const script = store.objects.put(
    new TextEncoder().encode(FAILED_SCRIPT),
  );
  const failed = job(
    "dr-relax-bbbbbbbbbb",
    "relax",
    40,
    [{ key: fx.keys.c, element: 0 }],
    { script, resources: { cores: 4, time: 600_000 } },
    2,
  );
  store.jobs.markSubmitted(failed, "m1a2b3-0000bbbb", NOW - 39 * MINUTE);
  store.jobs.decideCall(failed, fx.keys.c, {
    state: "failed",
    reason: "timeout",
    detail: "the element ran out of time (exit 124)",
  });
  store.jobs.markEnded(failed, "finished", NOW - 33 * MINUTE);

  const running = job("dr-score-cccccccccc", "score", 1, [{ key: fx.keys["score-3"], element: 0 }]);
  store.jobs.markSubmitted(running, "m1a2b3-0000cccc", NOW - 0.5 * MINUTE);

  const old = job("dr-relax-dddddddddd", "relax", 10 * 24 * 60, [
    { key: fx.keys["si-v2"], element: 0 },
  ]);
  store.jobs.markSubmitted(old, "m1a2b3-0000dddd", NOW - 10 * DAY + MINUTE);
  store.jobs.markEnded(old, "cancelled", NOW - 10 * DAY + 2 * MINUTE, "cancelled by hand");

  const staged = job("dr-score-eeeeeeeeee", "score", 0.2, [
    { key: fx.keys["score-1"], element: 0 },
  ]);
  return { finished, failed, running, old, staged };
}

function labelOf(fx: Fixture, key: string): string {
  return Object.entries(fx.keys).find(([, k]) => k === key)![0];
}
