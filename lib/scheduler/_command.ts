/**
 * Running a scheduler command through a transport (private to lib/scheduler).
 *
 * @module
 */
import type { Transport } from "../transport/mod.ts";
import {
  type ParseProblem,
  SchedulerCommandError,
  SchedulerOutputError,
  SubmitError,
} from "./errors.ts";

const decoder = new TextDecoder();

/** A finished command with its output decoded. */
export interface CommandOutput {
  /** The command line. */
  readonly command: string;
  /** Exit code. */
  readonly code: number;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/**
 * Runs one command line on the system.
 *
 * @param transport The system.
 * @param command The command line.
 * @param options Standard input and abort signal.
 * @returns Exit code and decoded output (a non-zero exit is a result).
 */
export async function runCommand(
  transport: Transport,
  command: string,
  options: { readonly stdin?: string; readonly signal?: AbortSignal } = {},
): Promise<CommandOutput> {
  const r = await transport.exec(command, { stdin: options.stdin, signal: options.signal });
  return { command, code: r.code, stdout: decoder.decode(r.stdout), stderr: r.stderr };
}

/**
 * Says how a command failed, for messages: `squeue ... exited with 1 (first stderr lines)`.
 *
 * @param out The command's result.
 * @returns The phrase.
 */
export function describeFailure(out: CommandOutput): string {
  const said = out.stderr.trim().split("\n").slice(-3).join(" / ").slice(0, 400);
  return `\`${out.command}\` exited with ${out.code}${said ? ` (${said})` : ""}`;
}

/**
 * Returns standard output when the command succeeded, else throws.
 *
 * @param out The command's result.
 * @param what What was being done, for the message ("list Slurm jobs").
 * @returns Standard output.
 * @throws {SchedulerCommandError} When the exit code is not 0.
 */
export function stdoutOf(out: CommandOutput, what: string): string {
  if (out.code === 0) return out.stdout;
  throw new SchedulerCommandError(`Cannot ${what}: ${describeFailure(out)}`, {
    command: out.command,
    exitCode: out.code,
    stderr: out.stderr,
  });
}

/**
 * Returns standard output of a submission that succeeded, else throws.
 *
 * @param out The submit command's result.
 * @param scriptPath The script that was submitted.
 * @returns Standard output.
 * @throws {SubmitError} When the exit code is not 0: the scheduler refused the job.
 */
export function submittedOutput(out: CommandOutput, scriptPath: string): string {
  if (out.code === 0) return out.stdout;
  throw new SubmitError(`Cannot submit ${scriptPath}: ${describeFailure(out)}`, {
    command: out.command,
    exitCode: out.code,
    stderr: out.stderr,
    scriptPath,
  });
}

/**
 * Runs a status command and parses its listing; the first record it could not read fails
 * the whole listing (a job drover cannot read must not look like one that ended).
 *
 * @param transport The system.
 * @param command The status command.
 * @param what What is being done, for messages ("list Slurm jobs").
 * @param parse The listing's parser.
 * @param signal Aborts the command.
 * @returns The parsed listing, without problems.
 * @throws {SchedulerCommandError} When the command fails.
 * @throws {SchedulerOutputError} For the first record that could not be read.
 */
export async function readListing<T extends { readonly problems: readonly ParseProblem[] }>(
  transport: Transport,
  command: string,
  what: string,
  parse: (stdout: string, options: { command: string }) => T,
  signal?: AbortSignal,
): Promise<T> {
  const out = await runCommand(transport, command, { signal });
  const listing = parse(stdoutOf(out, what), { command });
  const [problem] = listing.problems;
  if (problem) {
    throw new SchedulerOutputError(problem.message, {
      command,
      line: problem.line,
      lineNumber: problem.lineNumber,
    });
  }
  return listing;
}
