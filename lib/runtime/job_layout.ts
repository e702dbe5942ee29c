/**
 * The job directory layout, defined once: every path a job shares with the driver (from
 * {@link ./job_files.ts}) and every shell fragment that touches those paths (the wrapper
 * body of each element, the marker listing). The runtime, the element runner and the CLI
 * all go through here.
 *
 * ```
 * R/objects/<h[0:2]>/<h>           content-addressed objects (inputs, results, bundles)
 * R/jobs/<name>/job.sh             the rendered batch script
 * R/jobs/<name>/manifest.json      which calls each element runs
 * R/jobs/<name>/el/<i>.started     written when element i starts
 * R/jobs/<name>/el/<i>.exit        exit code of element i's deno process
 * R/jobs/<name>/el/<i>.runner      written when drover's runner itself failed (the problems)
 * R/jobs/<name>/in/<i>.bin         the inputs of element i's calls, one pack
 * R/jobs/<name>/out/<i>.log        element i's call log (outcomes, small results inline)
 * R/jobs/<name>/out/<key>.json     a call's outcome (jobs of earlier versions)
 * R/jobs/<name>/log/<i>.out|.err   the scheduler's stdout and stderr of element i
 * R/store/.drover                  the store of nested step calls made inside jobs
 * ```
 *
 * @module
 */
import { dirname } from "node:path";
import { ARRAY_INDEX_VARIABLE, shellJoin } from "../scheduler/mod.ts";
import { REMOTE_INFO_VAR } from "../routing/mod.ts";
import { accessUmask, type FileAccess } from "../transport/mod.ts";
import {
  exitMarkerPath,
  JOB_DIR_VARIABLE,
  jobDir,
  jobStoreDir,
  logPath,
  manifestPath,
  objectPath,
  outcomeMarkerPath,
  RUNDIR_VARIABLE,
  startedMarkerPath,
} from "./job_files.ts";

/** The paths of one job's directory `R/jobs/<name>`. */
export interface JobDirLayout {
  /** The directory. */
  readonly dir: string;
  /** `manifest.json`. */
  readonly manifest: string;
  /** `job.sh`, the batch script. */
  readonly script: string;
  /** `el/<i>.started`. */
  started(index: number): string;
  /** `el/<i>.exit`. */
  exit(index: number): string;
  /** `el/<i>.runner`: drover's runner failed in element i. */
  runner(index: number): string;
  /** `out/<key>.json` (jobs of earlier versions). */
  outcome(key: string): string;
  /** `in/<i>.bin`: the inputs of element i's calls. */
  inputs(index: number): string;
  /** `out/<i>.log`: element i's call log. */
  callLog(index: number): string;
  /** `log/<i>.out|err`; without an index, the scheduler's per-element pattern. */
  log(stream: "stdout" | "stderr", index?: number): string;
  /** Placeholder files that create the job's subdirectories when staged. */
  readonly keepFiles: readonly string[];
}

/**
 * The layout of a job's directory.
 *
 * @param dir `R/jobs/<name>`.
 * @returns Its paths.
 *
 * @example
 * ```ts
 * import { jobDirLayout } from "./job_layout.ts";
 * import assert from "node:assert/strict";
 * const d = jobDirLayout("/r/jobs/dr-x-1");
 * assert.equal(d.log("stdout", 3), "/r/jobs/dr-x-1/log/3.out");
 * assert.equal(d.exit(0), "/r/jobs/dr-x-1/el/0.exit");
 * ```
 */
export function jobDirLayout(dir: string): JobDirLayout {
  return {
    dir,
    manifest: manifestPath(dir),
    script: `${dir}/job.sh`,
    started: (i) => startedMarkerPath(dir, i),
    exit: (i) => exitMarkerPath(dir, i),
    runner: (i) => `${dirname(exitMarkerPath(dir, i))}/${i}.runner`,
    outcome: (key) => outcomeMarkerPath(dir, key),
    inputs: (i) => `${dirname(dirname(exitMarkerPath(dir, i)))}/in/${i}.bin`,
    callLog: (i) => `${dirname(outcomeMarkerPath(dir, "0".repeat(64)))}/${i}.log`,
    log: (stream, index) => logPath(dir, stream, index),
    keepFiles: [
      `${dirname(logPath(dir, "stdout", 0))}/.keep`,
      `${dirname(exitMarkerPath(dir, 0))}/.keep`,
      `${dirname(outcomeMarkerPath(dir, "0".repeat(64)))}/.keep`,
    ],
  };
}

/** The layout of a system's run directory `R`. */
export interface JobLayout {
  /** `R`. */
  readonly rundir: string;
  /** `R/objects/<h[0:2]>/<h>`. */
  object(hash: string): string;
  /** `R/jobs/<name>`. */
  job(name: string): JobDirLayout;
  /** `R/store/.drover`. */
  readonly store: string;
  /** `R/jobs`. */
  readonly jobs: string;
}

/**
 * The layout of a run directory.
 *
 * @param rundir `R`, absolute.
 * @returns Its paths.
 *
 * @example
 * ```ts
 * import { jobLayout } from "./job_layout.ts";
 * import assert from "node:assert/strict";
 * const l = jobLayout("/scratch/me/drover");
 * assert.equal(l.job("dr-a-1").manifest, "/scratch/me/drover/jobs/dr-a-1/manifest.json");
 * assert.equal(l.object("ab" + "0".repeat(62)), "/scratch/me/drover/objects/ab/ab" + "0".repeat(62));
 * ```
 */
export function jobLayout(rundir: string): JobLayout {
  return {
    rundir,
    object: (hash) => objectPath(rundir, hash),
    job: (name) => jobDirLayout(jobDir(rundir, name)),
    store: jobStoreDir(rundir),
    jobs: `${rundir}/jobs`,
  };
}

/** Environment of every element: the run directory and the job directory. */
export function jobEnv(layout: JobLayout, dir: JobDirLayout): Record<string, string> {
  return { [RUNDIR_VARIABLE]: layout.rundir, [JOB_DIR_VARIABLE]: dir.dir };
}

/** Set to `1` in the environment of a bundle run that only loads the bundle (a warm-up). */
export const WARM_ONLY_VARIABLE = "DROVER_WARM_ONLY";

/**
 * The command that runs a job bundle, in a job element or a warm-up.
 *
 * @param deno The Deno binary on the system.
 * @param bundle The bundle object's path on the system.
 * @returns The argument vector.
 *
 * @example
 * ```ts
 * import { bundleCommand } from "./job_layout.ts";
 * import assert from "node:assert/strict";
 * const argv = bundleCommand("/usr/bin/deno", "/r/objects/ab/ab");
 * assert.deepEqual(argv.slice(0, 2), ["/usr/bin/deno", "run"]);
 * assert.equal(argv.at(-1), "/r/objects/ab/ab");
 * ```
 */
export function bundleCommand(deno: string, bundle: string): string[] {
  return [
    deno,
    "run",
    "-A",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    // The bundle holds every package it needs (its externals, typescript and ssh2, are used
    // by the driver only), and Deno's npm resolver costs ~40 ms of CPU per element.
    "--no-npm",
    // The bundle object has no extension, and Deno would otherwise transpile its 1 MB as
    // TypeScript on a cold cache (0.85 s of CPU per element against 0.43 s).
    "--ext=js",
    bundle,
  ];
}

/**
 * A shell command that loads a newly staged bundle once in the background and exits, so
 * Deno's code cache for it is written before (or while) the job's elements start: an
 * element started cold costs 0.41 s of CPU, warm 0.24 s. It returns at once; what the
 * warm-up does is not waited for (it is only an optimisation).
 *
 * @param deno The Deno binary on the system.
 * @param bundle The bundle object's path on the system.
 * @returns One shell line.
 *
 * @example
 * ```ts
 * import { warmUpCommand } from "./job_layout.ts";
 * import assert from "node:assert/strict";
 * const line = warmUpCommand("/usr/bin/deno", "/r/objects/ab/ab");
 * assert.match(line, /^DROVER_WARM_ONLY=1 DENO_NO_UPDATE_CHECK=1 nohup '\/usr\/bin\/deno' 'run' /);
 * assert.match(line, /> \/dev\/null 2>&1 < \/dev\/null &$/);
 * ```
 */
export function warmUpCommand(deno: string, bundle: string): string {
  return `${WARM_ONLY_VARIABLE}=1 DENO_NO_UPDATE_CHECK=1 nohup ${
    shellJoin(bundleCommand(deno, bundle))
  } > /dev/null 2>&1 < /dev/null &`;
}

/**
 * The body of every job script: private file modes, run the bundle, then record the exit
 * code (temp name, then rename). `DROVER_REMOTE_INFO` is unset so nested calls run in the
 * job. The bundle runs with `--no-npm` (it holds the packages it uses) and `--ext=js` (it is
 * JavaScript already: nothing to transpile, even on a cold cache).
 *
 * @param deno The Deno binary on the system.
 * @param bundle The bundle object's path on the system.
 * @param dir The job's directory.
 * @param access Who may read what the job writes (default private).
 * @returns Shell lines.
 *
 * @example
 * ```ts
 * import { jobDirLayout, wrapperBody } from "./job_layout.ts";
 * import assert from "node:assert/strict";
 * const lines = wrapperBody("/usr/bin/deno", "/r/objects/ab/ab", jobDirLayout("/r/jobs/j"));
 * assert.equal(lines[0], "umask 077");
 * assert.match(lines.join("\n"), /el'\/"\$DROVER_ARRAY_INDEX"\.exit/);
 * // The bundle needs no npm resolution on the node.
 * assert.match(lines.join("\n"), / '--no-npm' /);
 * // Nor any transpiling: it is JavaScript.
 * assert.match(lines.join("\n"), / '--ext=js' /);
 * ```
 */
export function wrapperBody(
  deno: string,
  bundle: string,
  dir: JobDirLayout,
  access?: FileAccess,
): string[] {
  const quoted = shellJoin([dirname(dir.exit(0))]);
  return [
    `umask ${accessUmask(access)}`,
    `unset ${REMOTE_INFO_VAR}`,
    "export DENO_NO_UPDATE_CHECK=1",
    "code=0",
    `${shellJoin(bundleCommand(deno, bundle))} || code=$?`,
    `m=${quoted}/"$${ARRAY_INDEX_VARIABLE}".exit; printf '%s\\n' "$code" > "$m.tmp" && mv -f "$m.tmp" "$m"`,
    'exit "$code"',
  ];
}

/**
 * A shell script that lists the markers of the jobs whose names it reads on stdin, in one
 * command: `X <job> <i> <code>` per exit marker, `S <job> <i>` per started element,
 * `O <job> <key>` per outcome marker of earlier versions, then, after all of those, the
 * contents of every call log: a line `\x01L <job>/out/<i>.log`, then the log's lines (a
 * torn last line gets a newline; its checksum still tells). Exit markers are listed before outcomes, and an element writes its outcomes
 * before its exit marker, so an element seen as exited has all its outcomes listed.
 *
 * @param layout The run directory.
 * @returns The script.
 */
export function markerListingScript(layout: JobLayout): string {
  return [
    `cd ${shellJoin([layout.jobs])} 2>/dev/null || exit 0`,
    "set --",
    "while read -r j; do",
    '  for f in "$j"/el/*.exit; do [ -f "$f" ] || continue; b=${f##*/}; c=; read -r c < "$f" || true; printf \'X %s %s %s\\n\' "$j" "${b%.exit}" "$c"; done',
    '  for f in "$j"/el/*.started; do [ -f "$f" ] || continue; b=${f##*/}; printf \'S %s %s\\n\' "$j" "${b%.started}"; done',
    '  for f in "$j"/el/*.runner; do [ -f "$f" ] || continue; b=${f##*/}; printf \'R %s %s\\n\' "$j" "${b%.runner}"; done',
    '  for f in "$j"/out/*.json; do [ -f "$f" ] || continue; b=${f##*/}; printf \'O %s %s\\n\' "$j" "${b%.json}"; done',
    '  for f in "$j"/out/*.log; do [ -f "$f" ] && set -- "$@" "$f"; done',
    "done",
    // One process reads every call log: a header line per file, then its lines.
    '[ "$#" -eq 0 ] || exec awk \'FNR == 1 { printf "\\001L %s\\n", FILENAME } { print }\' "$@"',
  ].join("\n");
}
