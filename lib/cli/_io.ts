/**
 * Private to lib/cli: the terminal a command talks to, injectable so tests are
 * deterministic.
 *
 * @module
 */

/** Where the CLI writes, where it runs and what time it is. Every field has a default. */
export interface CliIO {
  /** Writes text to standard output. Default: `Deno.stdout`. */
  readonly stdout?: (text: string) => void;
  /** Writes text to standard error. Default: `Deno.stderr`. */
  readonly stderr?: (text: string) => void;
  /** Working directory. Default: `Deno.cwd()`. */
  readonly cwd?: string;
  /** Environment variables (`DROVER_PROJECT`, `NO_COLOR`). Default: `Deno.env.toObject()`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Current time in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
  /**
   * Whether standard output is a terminal (colors are used only then, and never with
   * `NO_COLOR`). Default: `Deno.stdout.isTerminal()` when `stdout` is not injected, else
   * false.
   */
  readonly isTerminal?: boolean;
  /** Width for wrapping help text. Default: the terminal's width, else 80. */
  readonly columns?: number;
  /**
   * Whether someone can answer questions: destructive commands ask before they act only
   * then, and refuse without `--yes` otherwise. Default: standard input and standard error
   * are terminals, when `stdout` is not injected; else false.
   */
  readonly interactive?: boolean;
  /**
   * Asks a question and returns the line answered (without the newline), or null at end of
   * input. Default: writes the question to standard error and reads a line from standard
   * input.
   */
  readonly ask?: (question: string) => Promise<string | null>;
}

/** A {@linkcode CliIO} with every default filled in. */
export interface ResolvedIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
  /** Whether to write ANSI colors on standard output. */
  readonly color: boolean;
  /** Whether to write ANSI colors on standard error. */
  readonly colorErr: boolean;
  readonly columns: number;
  /** Whether questions can be asked. */
  readonly interactive: boolean;
  /** Asks a question; the answer line, or null at end of input. */
  readonly ask: (question: string) => Promise<string | null>;
}

/**
 * Fills in the defaults of an injected {@linkcode CliIO}.
 *
 * @param io What the caller injected.
 * @returns The complete IO.
 */
export function resolveIO(io: CliIO = {}): ResolvedIO {
  const env = io.env ?? Deno.env.toObject();
  const noColor = (env.NO_COLOR ?? "") !== "";
  const outTerminal = io.isTerminal ?? (io.stdout === undefined && Deno.stdout.isTerminal());
  const errTerminal = io.isTerminal ?? (io.stderr === undefined && Deno.stderr.isTerminal());
  return {
    stdout: io.stdout ?? writerFor(Deno.stdout),
    stderr: io.stderr ?? writerFor(Deno.stderr),
    cwd: io.cwd ?? Deno.cwd(),
    env,
    now: io.now ?? Date.now,
    color: outTerminal && !noColor,
    colorErr: errTerminal && !noColor,
    columns: io.columns ?? terminalColumns(io.stdout === undefined),
    interactive: io.interactive ??
      (io.stdout === undefined && Deno.stdin.isTerminal() && Deno.stderr.isTerminal()),
    ask: io.ask ?? ((question) => askOnTerminal(question, io.stderr ?? writerFor(Deno.stderr))),
  };
}

async function askOnTerminal(
  question: string,
  write: (text: string) => void,
): Promise<string | null> {
  write(question);
  const bytes: number[] = [];
  const buffer = new Uint8Array(1);
  while (true) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) {
      return bytes.length === 0 ? null : new TextDecoder().decode(new Uint8Array(bytes));
    }
    if (buffer[0] === 10) return new TextDecoder().decode(new Uint8Array(bytes)).replace(/\r$/, "");
    bytes.push(buffer[0]);
  }
}

function writerFor(file: { writeSync(p: Uint8Array): number }): (text: string) => void {
  const encoder = new TextEncoder();
  return (text) => {
    let bytes = encoder.encode(text);
    while (bytes.byteLength > 0) bytes = bytes.subarray(file.writeSync(bytes));
  };
}

function terminalColumns(real: boolean): number {
  if (!real) return 80;
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}
