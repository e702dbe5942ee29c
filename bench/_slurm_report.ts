/**
 * Figures for bench/slurm.ts: small statistics and the breakdown of one drover run into
 * phases, from its events, the scheduler shims' log and the files drover wrote.
 */
import type { DroverRun } from "./_slurm_project.ts";

/** The median (upper one of an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The `q` quantile (nearest rank). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

/** Milliseconds as seconds with two decimals. */
export function sec(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Where the time of one drover run went: [what, how long] pairs for the breakdown. */
export function phases(run: DroverRun): [string, string][] {
  const at = (type: string): number | undefined => run.events.find((e) => e.type === type)?.at;
  const main = at("main");
  const submitted = at("job-submitted");
  const done = at("done");
  const sbatch = run.calls.find((c) => c.command === "sbatch")?.at;
  const identityMs = run.events.filter((e) => e.type === "code-identity")
    .reduce((a, e) => a + Number(e.durationMs), 0);
  const polls = run.events.filter((e) => e.type === "job-poll");
  const pollAtSubmit = polls.filter((e) => submitted !== undefined && e.at < submitted).at(-1);
  const launched = run.elements.map((e) => e.launchedAt).filter((x) => x !== undefined);
  const exited = run.elements.map((e) => e.exitedAt).filter((x) => x !== undefined);
  const startup = run.elements.flatMap((e) =>
    e.launchedAt !== undefined && e.startedAt !== undefined ? [e.startedAt - e.launchedAt] : []
  );
  const work = run.elements.flatMap((e) =>
    e.startedAt !== undefined && e.exitedAt !== undefined ? [e.exitedAt - e.startedAt] : []
  );
  const firstLaunch = launched.length ? Math.min(...launched) : undefined;
  const lastExit = exited.length ? Math.max(...exited) : undefined;
  const end = run.spawnedAt + run.wallMs;
  const bundleAt = run.bundleStoredAt;
  const stagedAt = run.stagedAt;
  const firstAt = run.firstStagedAt;
  const span = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined ? "?" : sec(b - a);
  const stat = (xs: number[]): string =>
    xs.length ? `${sec(median(xs))} (max ${sec(Math.max(...xs))})` : "?";
  const nextSqueue = lastExit === undefined
    ? undefined
    : run.calls.find((c) => c.command === "squeue" && c.at >= lastExit)?.at;
  const afterLastExit = lastExit !== undefined && nextSqueue === undefined
    ? "none (outcomes seen before the exit marker)"
    : span(lastExit, nextSqueue);
  return [
    ["wall time of deno run", sec(run.wallMs)],
    ["load average when it started (2 cores, shared)", run.loadAvg],
    ["process start -> workflow body (deno startup, loading drover)", span(run.spawnedAt, main)],
    ["workflow body -> first sbatch", span(main, sbatch)],
    ["  code identity (code-identity events)", sec(identityMs)],
    ["  body -> bundle in the store (keys, routes, identity, bundling)", span(main, bundleAt)],
    ["  bundle in the store -> first file staged (job + call rows)", span(bundleAt, firstAt)],
    ["  first -> last file staged (bundle + input objects)", span(firstAt, stagedAt)],
    ["  last input staged -> job script written", span(stagedAt, run.scriptAt)],
    ["  job script written -> sbatch", span(run.scriptAt, sbatch)],
    ["= time to first sbatch from process start", span(run.spawnedAt, sbatch)],
    ["sbatch -> job-submitted event", span(sbatch, submitted)],
    ["poll interval reached by submission (nextMs)", `${pollAtSubmit?.nextMs ?? "?"} ms`],
    ["sbatch -> first element launched by Slurm", span(sbatch, firstLaunch)],
    ["element: launch -> runner started (deno + bundle load), median", stat(startup)],
    [`element: runner started -> exit marker (calls + results), median`, stat(work)],
    ["first element launched -> last element exited", span(firstLaunch, lastExit)],
    ["last element exited -> next squeue", afterLastExit],
    ["last element exited -> map returned (detect + gather)", span(lastExit, done)],
    ["map returned -> process exit", span(done, end)],
    ["sbatch -> map returned (drover's own submit -> all done)", span(sbatch, done)],
  ];
}
