/**
 * Line handling shared by the scheduler output parsers (private to lib/scheduler).
 *
 * @module
 */
import { type ParseProblem, type ParseResult, SchedulerOutputError } from "./errors.ts";

/** One non-blank line of output with its 1-based number. */
export interface NumberedLine {
  /** The line without its line ending. */
  readonly text: string;
  /** 1-based line number in the output. */
  readonly number: number;
}

/**
 * Splits output into lines (LF or CRLF), dropping blank ones.
 *
 * @param text The command's standard output.
 * @returns The non-blank lines with their numbers.
 */
export function outputLines(text: string): NumberedLine[] {
  const out: NumberedLine[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() !== "") out.push({ text: line, number: i + 1 });
  }
  return out;
}

/**
 * Throws a {@linkcode SchedulerOutputError} about one line.
 *
 * @param command The command named in the message.
 * @param line The offending line.
 * @param problem What is wrong with it ("has 3 fields, expected 4").
 * @returns Never.
 * @throws {SchedulerOutputError} Always.
 */
export function failLine(command: string, line: NumberedLine, problem: string): never {
  throw new SchedulerOutputError(
    `Cannot parse ${command} output: line ${line.number} ${JSON.stringify(line.text)} ${problem}`,
    { command, line: line.text, lineNumber: line.number },
  );
}

/**
 * Throws a {@linkcode SchedulerOutputError} about the output as a whole.
 *
 * @param command The command named in the message.
 * @param text The whole output.
 * @param problem What is wrong with it.
 * @returns Never.
 * @throws {SchedulerOutputError} Always.
 */
export function failOutput(command: string, text: string, problem: string): never {
  throw new SchedulerOutputError(`Cannot parse ${command} output: ${problem}`, {
    command,
    line: text,
    lineNumber: 0,
  });
}

/**
 * Runs a throwing parser and turns a {@linkcode SchedulerOutputError} into a failed result.
 * Other errors (bugs) propagate.
 *
 * @param parse The parser call.
 * @returns Its result.
 */
export function safely<T>(parse: () => T): ParseResult<T> {
  try {
    return { success: true, data: parse() };
  } catch (error) {
    if (error instanceof SchedulerOutputError) return { success: false, error };
    throw error;
  }
}

/**
 * Splits a line on a separator into exactly `count` fields; the last field takes the rest
 * of the line (so a job name containing the separator survives).
 *
 * @param text The line.
 * @param separator The field separator.
 * @param count How many fields.
 * @returns The fields, or undefined when there are fewer.
 */
export function splitFields(text: string, separator: string, count: number): string[] | undefined {
  const fields: string[] = [];
  let from = 0;
  for (let i = 0; i < count - 1; i++) {
    const at = text.indexOf(separator, from);
    if (at < 0) return undefined;
    fields.push(text.slice(from, at));
    from = at + separator.length;
  }
  fields.push(text.slice(from));
  return fields;
}

/**
 * Reads one record of a listing; a {@linkcode SchedulerOutputError} it throws becomes a
 * problem (with the record's job id) instead of failing the whole listing. Other errors
 * (bugs) propagate.
 *
 * @param problems Where problems go.
 * @param jobId The record's job id, when known.
 * @param read Reads the record.
 * @returns The record, or undefined when it was skipped.
 */
export function readRecord<T>(
  problems: ParseProblem[],
  jobId: string | null,
  read: () => T,
): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof SchedulerOutputError)) throw error;
    problems.push({
      jobId,
      lineNumber: error.lineNumber,
      line: error.line,
      message: error.message,
    });
    return undefined;
  }
}

/**
 * Finishes a listing: returns it, unless no record could be read at all while some could
 * not (the output is not this command's), which throws the first problem.
 *
 * @param command The command named in the error.
 * @param jobs The records read.
 * @param problems The records skipped.
 * @returns The listing.
 * @throws {SchedulerOutputError} When every record was skipped.
 */
export function listing<T>(
  command: string,
  jobs: T[],
  problems: ParseProblem[],
): { jobs: T[]; problems: ParseProblem[] } {
  if (jobs.length === 0 && problems.length > 0) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more bad records)` : "";
    throw new SchedulerOutputError(`${first.message}${more}`, {
      command,
      line: first.line,
      lineNumber: first.lineNumber,
    });
  }
  return { jobs, problems };
}
