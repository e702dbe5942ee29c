/**
 * `drover jobs show ID|NAME`: one job as the store knows it (its row, its calls and why
 * they failed, the rendered script), plus what its directory on the system says (exit
 * markers and the tails of the logs of failed elements) when the system can be reached.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import type { JobCallRecord, JobRecord, Store } from "../store/mod.ts";
import type { Transport } from "../transport/mod.ts";
import { parseCount } from "./_args.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { countJobCalls, jobSummary, resolveJob } from "./_jobs.ts";
import { formatTime, renderTable, shortHash, toJson } from "./_output.ts";
import { tailFiles } from "./_remote_tail.ts";
import { configuredSystems, remoteProblem, sharedTransport, withConnections } from "./_remote.ts";
import { colorJobState } from "./jobs_ls.ts";
import { jobDirLayout } from "../runtime/mod.ts";

/** Lines of each log shown. */
export const TAIL_LINES = 20;
/** Failed elements whose logs are shown unless `--element` picks one. */
export const MAX_ELEMENTS_SHOWN = 5;

const decoder = new TextDecoder();

/** Where the shown script came from. */
export type ScriptSource = "store" | "system";

/** What the job's directory says about one element. */
export interface ElementReport {
  /** The element's index. */
  readonly index: number;
  /** Its calls' states and reasons: `failed (timeout)`, `done`. */
  readonly outcome: string;
  /** The exit code its wrapper recorded, or null when there is no exit marker. */
  readonly exitCode: number | null;
  /** The last lines of its stdout, or null when the file is missing. */
  readonly stdout: readonly string[] | null;
  /** The last lines of its stderr, or null when the file is missing. */
  readonly stderr: readonly string[] | null;
}

/** Everything `jobs show` gathers. */
export interface JobReport {
  /** The job row. */
  readonly job: JobRecord;
  /** Its calls. */
  readonly calls: readonly JobCallRecord[];
  /** The job script and where it was read, or null when neither has it. */
  readonly script: { readonly source: ScriptSource; readonly text: string } | null;
  /** Whether the job's directory could be read, and why not. */
  readonly remote: { readonly ok: true } | { readonly ok: false; readonly reason: string };
  /** The elements looked at on the system. */
  readonly elements: readonly ElementReport[];
  /** Failed elements not looked at (beyond {@linkcode MAX_ELEMENTS_SHOWN}). */
  readonly moreFailed: number;
}

/**
 * Builds the `jobs show` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function jobsShowCommand(ctx: Context): CommandUnknownOpts {
  return new Command("show")
    .description("show a job: its calls, script and the logs of failed elements")
    .argument("<job>", "the job's id or name")
    .addOption(
      new Option("--element <n>", "show the logs of this array element (default: failed ones)")
        .argParser(parseCount),
    )
    .option("--json", "print the job as JSON")
    .action(async (ref, options) => {
      using store = ctx.openStore();
      const job = resolveJob(store, ref);
      if (options.element !== undefined && options.element >= job.size) {
        throw new CommandError(
          `Cannot show element ${options.element} of job ${job.name}: it has ${job.size} element${
            job.size === 1 ? "" : "s"
          } (0 to ${job.size - 1})`,
        );
      }
      const report = await withConnections(() => gather(ctx, store, job, options.element));
      if (options.json) {
        const counts = countJobCalls(store, [job.id]).get(job.id)!;
        ctx.out(toJson({
          ...jobSummary(job, counts),
          spec: job.spec,
          jobCalls: report.calls.map((c) => ({
            key: c.key,
            element: c.element,
            state: c.state,
            reason: c.reason,
            detail: c.detail,
            inputsRef: c.inputsRef,
            resultRef: c.resultRef,
          })),
          script: report.script,
          remote: report.remote,
          elements: report.elements,
          moreFailed: report.moreFailed,
        }));
        return;
      }
      ctx.out(render(ctx, report));
    });
}

async function gather(
  ctx: Context,
  store: Store,
  job: JobRecord,
  element: number | undefined,
): Promise<JobReport> {
  const calls = store.jobs.callsOf(job.id);
  const failed = [...new Set(calls.filter((c) => c.state === "failed").map((c) => c.element))];
  const wanted = element === undefined ? failed.slice(0, MAX_ELEMENTS_SHOWN) : [element];
  const moreFailed = element === undefined ? Math.max(0, failed.length - wanted.length) : 0;
  const local = localScript(store, job);
  const base = { job, calls, moreFailed };
  const system = configuredSystems(ctx)[job.system];
  if (!system) {
    return {
      ...base,
      script: local,
      remote: {
        ok: false,
        reason: `system "${job.system}" is not configured any more; showing what the store knows`,
      },
      elements: [],
    };
  }
  try {
    const transport = sharedTransport(ctx, system);
    const script = local ?? await remoteScript(transport, job);
    const elements = await readElements(transport, job, calls, wanted);
    return { ...base, script, remote: { ok: true }, elements };
  } catch (e) {
    const reason = remoteProblem(e, job.system);
    if (reason === undefined) throw e;
    return {
      ...base,
      script: local,
      remote: { ok: false, reason: `${reason}; showing what the store knows` },
      elements: [],
    };
  }
}

function localScript(store: Store, job: JobRecord): JobReport["script"] {
  const hash = job.spec.script;
  if (typeof hash !== "string") return null;
  const bytes = store.objects.get(hash);
  return bytes ? { source: "store", text: decoder.decode(bytes) } : null;
}

async function remoteScript(transport: Transport, job: JobRecord): Promise<JobReport["script"]> {
  const [bytes] = await transport.readFiles([jobDirLayout(job.dir).script]);
  return bytes ? { source: "system", text: decoder.decode(bytes) } : null;
}

/** Reads exit markers and log tails of some elements in one command. */
async function readElements(
  transport: Transport,
  job: JobRecord,
  calls: readonly JobCallRecord[],
  indices: readonly number[],
): Promise<ElementReport[]> {
  const dir = jobDirLayout(job.dir);
  const files = indices.flatMap((i) => [
    dir.exit(i),
    dir.log("stdout", i),
    dir.log("stderr", i),
  ]);
  const tails = await tailFiles(transport, files, TAIL_LINES);
  return indices.map((index, n) => {
    const exit = tails[3 * n]?.[0]?.trim();
    return {
      index,
      outcome: outcomeOf(calls.filter((c) => c.element === index)),
      exitCode: exit !== undefined && /^\d+$/.test(exit) ? Number(exit) : null,
      stdout: tails[3 * n + 1],
      stderr: tails[3 * n + 2],
    };
  });
}

function outcomeOf(calls: readonly JobCallRecord[]): string {
  const parts = new Map<string, number>();
  for (const c of calls) {
    const what = c.state === "failed" ? `failed (${c.reason ?? "unknown"})` : c.state;
    parts.set(what, (parts.get(what) ?? 0) + 1);
  }
  return [...parts].map(([what, n]) => calls.length > 1 ? `${n} ${what}` : what).join(", ") ||
    "no calls";
}

function render(ctx: Context, report: JobReport): string {
  const { job, calls } = report;
  const { bold, dim, red } = ctx.style;
  const now = ctx.io.now();
  const spec = job.spec as { routeKey?: unknown };
  const sched = job.schedulerId === null ? "not submitted" : `scheduler id ${job.schedulerId}`;
  const fields: [string, string][] = [
    ["system", `${job.system} (${sched})`],
    ["step", job.step],
    ["state", colorJobState(ctx.style, job.state)],
    ["attempt", String(job.attempt)],
    ["elements", String(job.size)],
    ["dir", job.dir],
    ["run", job.runId === null ? "-" : String(job.runId)],
    ["route key", typeof spec.routeKey === "string" ? JSON.stringify(spec.routeKey) : "-"],
    ["created", formatTime(job.createdAt, now)],
    ["submitted", formatTime(job.submittedAt, now)],
    ["ended", formatTime(job.endedAt, now)],
  ];
  if (job.error !== null) fields.push(["error", red(job.error)]);
  const out = [bold(`Job ${job.id} ${job.name}`)];
  for (const [name, value] of fields) out.push(`  ${name.padEnd(10)} ${value}`);
  if (!report.remote.ok) out.push("", red(`System unreachable: ${report.remote.reason}`));

  const count = (s: string): number => calls.filter((c) => c.state === s).length;
  out.push(
    "",
    bold(`Calls: ${count("done")} done, ${count("failed")} failed, ${count("pending")} pending`),
  );
  if (calls.length > 0) {
    const order = { failed: 0, pending: 1, done: 2 } as const;
    const sorted = [...calls].sort((a, b) =>
      order[a.state] - order[b.state] || a.element - b.element || a.key.localeCompare(b.key)
    );
    const table = renderTable(
      ["ELEMENT", "KEY", "STATE", "REASON"],
      sorted.map((c) => [
        String(c.element),
        shortHash(c.key),
        c.state === "failed" ? red(c.state) : c.state,
        c.state === "failed" ? `${c.reason ?? "?"}: ${c.detail ?? ""}`.replace(/: $/, "") : "",
      ]),
      { right: [0], style: ctx.style },
    );
    out.push(...table.trimEnd().split("\n").map((l) => `  ${l}`));
  }
  if (job.state === "cancelled" && count("pending") > 0) {
    out.push(dim("  pending calls of a cancelled job are restarted when their script runs again"));
  }

  out.push("");
  if (report.script === null) {
    out.push(bold("Script: not in the store, and not read from the system"));
  } else {
    const where = report.script.source === "store"
      ? `from the local store, object ${shortHash(String(job.spec.script))}`
      : `from ${job.dir}/job.sh on ${job.system}`;
    out.push(bold(`Script (${where}):`));
    out.push(...report.script.text.trimEnd().split("\n").map((l) => `  ${l}`.trimEnd()));
  }

  for (const el of report.elements) {
    const exit = el.exitCode === null ? "no exit marker" : `exit code ${el.exitCode}`;
    out.push("", bold(`Element ${el.index}: ${el.outcome}, ${exit}`));
    for (
      const [name, lines, file] of [
        ["stdout", el.stdout, jobDirLayout(job.dir).log("stdout", el.index)],
        ["stderr", el.stderr, jobDirLayout(job.dir).log("stderr", el.index)],
      ] as const
    ) {
      if (lines === null) out.push(`  ${name}: ${dim(`${file} does not exist`)}`);
      else if (lines.length === 0) out.push(`  ${name}: ${dim(`${file} is empty`)}`);
      else {
        out.push(`  ${name} (last ${TAIL_LINES} lines of ${file}):`);
        out.push(...lines.map((l) => `    ${l}`.trimEnd()));
      }
    }
  }
  if (report.moreFailed > 0) {
    out.push(
      "",
      dim(`${report.moreFailed} more failed elements; pick one with --element N`),
    );
  }
  return out.join("\n") + "\n";
}
