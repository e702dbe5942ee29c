/**
 * `drover systems check NAME`: connect to a system and check, each timed, what jobs need:
 * it can be reached, its scheduler answers, Deno is there (or can be uploaded), and the run
 * directory is writable.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import type { SystemLink } from "../runtime/mod.ts";
import { ConfigError, lintSystem, PROJECT_CONFIG_NAME, type System } from "../systems/mod.ts";
import { shellQuote } from "../scheduler/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { plural, toJson } from "./_output.ts";
import {
  configuredSystems,
  linkTo,
  remoteProblem,
  systemNamed,
  systemSources,
  withConnections,
} from "./_remote.ts";

/** Longest wait for one command of a check, ms. */
export const CHECK_TIMEOUT_MS = 30_000;

/** The checks, in the order they run. */
export type CheckName = "config" | "reachable" | "scheduler" | "deno" | "rundir";

/** The outcome of one check. */
export interface CheckResult {
  /** Which check. */
  readonly name: CheckName;
  /** Whether it passed. */
  readonly ok: boolean;
  /** How long it took, ms. */
  readonly ms: number;
  /** What was found, or why it failed, in one line. */
  readonly detail: string;
}

/** A check that failed with a reason for people. */
class CheckFailed extends Error {}

const decoder = new TextDecoder();

/**
 * Runs the checks of one system, one after the other: first its settings (`lintSystem`,
 * without connecting), then on the system. When the settings can never work or the system
 * cannot be reached, the checks after are reported as skipped.
 *
 * @param link The system, connected lazily.
 * @param now A monotonic clock in ms (for the timings).
 * @param file The config file the system comes from, for messages.
 * @returns One result per check.
 */
export async function checkSystem(
  link: SystemLink,
  now: () => number = () => performance.now(),
  file = PROJECT_CONFIG_NAME,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const problems = lintSystem(link.system);
  results.push({
    name: "config",
    ok: problems.length === 0,
    ms: 0,
    detail: problems.length === 0
      ? "the settings can work"
      : problems.map((p) => new ConfigError(file, p).message.replace(/^Cannot read/, "In"))
        .join("; "),
  });
  if (problems.length > 0) {
    for (const name of ["reachable", "scheduler", "deno", "rundir"] as const) {
      results.push({ name, ok: false, ms: 0, detail: "skipped: fix the settings first" });
    }
    return results;
  }
  const run = async (name: CheckName, fn: () => Promise<string>): Promise<boolean> => {
    const start = now();
    try {
      const detail = await fn();
      results.push({ name, ok: true, ms: Math.round(now() - start), detail });
      return true;
    } catch (e) {
      const detail = e instanceof CheckFailed
        ? e.message
        : remoteProblem(e, link.system.name) ?? errorText(e);
      results.push({ name, ok: false, ms: Math.round(now() - start), detail });
      return false;
    }
  };
  const reachable = await run("reachable", async () => {
    const r = await link.transport.exec("true", { timeoutMs: CHECK_TIMEOUT_MS });
    if (r.code !== 0) throw new CheckFailed(`"true" exited with ${r.code}: ${r.stderr.trim()}`);
    return link.transport.label;
  });
  if (!reachable) {
    for (const name of ["scheduler", "deno", "rundir"] as const) {
      results.push({ name, ok: false, ms: 0, detail: "skipped: the system is not reachable" });
    }
    return results;
  }
  await run("scheduler", () => checkScheduler(link));
  await run("deno", () => checkDeno(link));
  await run("rundir", () => checkRundir(link));
  return results;
}

async function checkScheduler(link: SystemLink): Promise<string> {
  const { driver, transport } = link;
  if (driver.name === "local") {
    const jobs = await driver.status(transport);
    return `the local scheduler answers (${plural(jobs.size, "job")} listed)`;
  }
  const version = await sh(
    link,
    driver.name === "sge" ? "qstat -help | head -n 1" : "sbatch --version && squeue --version",
  );
  const limits = await link.limits();
  return `${
    firstLine(version)
  }; arrays up to ${limits.maxArraySize} elements, ${limits.maxJobCount} jobs`;
}

async function checkDeno(link: SystemLink): Promise<string> {
  const system = link.system;
  if (system.deno !== "upload") {
    const path = system.deno.startsWith("~/")
      ? `"$HOME"/${shellQuote(system.deno.slice(2))}`
      : shellQuote(system.deno);
    const out = await sh(link, `${path} --version`, `${system.deno} --version`);
    return `${firstLine(out)} at ${system.deno}`;
  }
  if (system.host === undefined) {
    return `jobs use this drover's Deno ${Deno.version.deno} (${Deno.execPath()})`;
  }
  const [os, arch] = firstLine(await sh(link, "uname -s -m")).split(/\s+/);
  const wantOs = Deno.build.os === "darwin" ? "Darwin" : Deno.build.os === "linux" ? "Linux" : "";
  const arches = Deno.build.arch === "aarch64" ? ["aarch64", "arm64"] : [Deno.build.arch];
  if (os !== wantOs || !arches.includes(arch)) {
    throw new CheckFailed(
      `deno: upload sends this machine's Deno (${Deno.build.os} ${Deno.build.arch}), but the system runs ${os} ${arch}; set deno: to the path of a Deno there`,
    );
  }
  const rundir = await link.rundir();
  const probe = `${rundir}/bin/.drover-check-${crypto.randomUUID()}`;
  const size = (await Deno.stat(Deno.execPath())).size;
  await link.transport.writeFiles([{
    path: probe,
    data: new TextEncoder().encode("#!/bin/sh\necho drover-ok\n"),
    mode: 0o755,
  }]);
  try {
    const out = await link.transport.exec(
      `${shellQuote(probe)}; df -Pk ${shellQuote(`${rundir}/bin`)}`,
      {
        timeoutMs: CHECK_TIMEOUT_MS,
      },
    );
    const lines = decoder.decode(out.stdout).split("\n");
    if (lines[0] !== "drover-ok") {
      throw new CheckFailed(
        `${rundir}/bin does not let programs run (mounted noexec?): ${out.stderr.trim()}`,
      );
    }
    const free = Number(lines.at(-2)?.trim().split(/\s+/)[3]) * 1024;
    if (Number.isFinite(free) && free < size) {
      throw new CheckFailed(
        `${rundir}/bin has ${Math.floor(free / 2 ** 20)} MiB free, Deno needs ${
          Math.ceil(size / 2 ** 20)
        } MiB`,
      );
    }
    return `upload: ${rundir}/bin runs programs and has room for Deno ${Deno.version.deno} (${
      Math.ceil(size / 2 ** 20)
    } MiB)`;
  } finally {
    await link.transport.exec(`rm -f ${shellQuote(probe)}`).catch(() => {});
  }
}

async function checkRundir(link: SystemLink): Promise<string> {
  const rundir = await link.rundir();
  const probe = `${rundir}/.drover-check-${crypto.randomUUID()}`;
  await link.transport.writeFiles([{ path: probe, data: new TextEncoder().encode("ok\n") }]);
  const r = await link.transport.exec(`rm -f ${shellQuote(probe)}`, {
    timeoutMs: CHECK_TIMEOUT_MS,
  });
  if (r.code !== 0) throw new CheckFailed(`cannot remove ${probe}: ${r.stderr.trim()}`);
  return `${rundir} is writable`;
}

/** Runs a command; its standard output, or a CheckFailed naming it. */
async function sh(link: SystemLink, command: string, shown = command): Promise<string> {
  const r = await link.transport.exec(command, { timeoutMs: CHECK_TIMEOUT_MS });
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n")[0] || decoder.decode(r.stdout).trim().split("\n")[0];
    throw new CheckFailed(
      `${shown} failed (exit ${r.code}${r.code === 127 ? ": not found" : ""})${
        why ? `: ${why}` : ""
      }`,
    );
  }
  return decoder.decode(r.stdout);
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Builds the `systems check` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function systemsCheckCommand(ctx: Context): CommandUnknownOpts {
  return new Command("check")
    .description("check that jobs can run on a system")
    .argument("<name>", "the system's name")
    .option("--json", "print the checks as JSON")
    .action(async (name, options) => {
      const system: System = systemNamed(configuredSystems(ctx), name, `check system "${name}"`);
      const file = systemSources(ctx)[name];
      const results = await withConnections(() =>
        checkSystem(linkTo(ctx, system), undefined, file)
      );
      if (options.json) {
        ctx.out(toJson({ system: name, ok: results.every((r) => r.ok), checks: results }));
      } else {
        const { green, red, bold } = ctx.style;
        const where = system.host === undefined ? "this machine" : system.host;
        const lines = [bold(`System ${name} (${where}, scheduler ${system.scheduler})`)];
        const width = Math.max(...results.map((r) => `${r.ms} ms`.length));
        for (const r of results) {
          lines.push(
            `  ${r.ok ? green("ok  ") : red("FAIL")}  ${r.name.padEnd(9)}  ${
              `${r.ms} ms`.padStart(width)
            }  ${r.detail}`,
          );
        }
        const failed = results.filter((r) => !r.ok).length;
        lines.push(
          failed === 0
            ? `All ${results.length} checks passed`
            : `${failed} of ${results.length} checks failed`,
        );
        ctx.out(lines.join("\n") + "\n");
      }
      const failed = results.filter((r) => !r.ok);
      const config = results.find((r) => r.name === "config" && !r.ok);
      if (config !== undefined) {
        // What can never work: the settings themselves, named by file and path.
        throw new CommandError(`Cannot use system "${name}": ${config.detail}`);
      }
      if (failed.length > 0) {
        throw new CommandError(
          `Cannot use system "${name}": ${plural(failed.length, "check")} failed: ${
            failed.map((r) => `${r.name} (${r.detail})`).join("; ")
          }`,
        );
      }
    });
}
