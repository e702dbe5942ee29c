/**
 * Private to lib/transport: one persistent POSIX `sh` on the remote host that runs commands
 * one at a time, each framed so its output cannot confuse the next.
 *
 * Each command runs as `sh -c 'command'` (single-quoted; a command longer than 64 KiB goes
 * through a file in a here-document instead), so `exit`, `cd`, `set -e`, `$$` or a syntax
 * error behave as in a fresh shell and the persistent one goes on. Its stdin comes from a
 * file (written from a base64 here-document, or /dev/null), its stdout and stderr go to
 * files in a private temp directory. After it ends the shell prints a header with a random
 * per-command token and the exit status, the `wc -c` of both files, the token again, then
 * both files raw: binary safe, and nothing the command prints can fake the frame (it never
 * writes to the channel).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Client, ClientChannel } from "./_ssh2.d.ts";
import type { ExecResult } from "./transport.ts";

/** Longer commands go through a file (Linux refuses single arguments over 128 KiB). */
const MAX_ARGUMENT = 64 * 1024;

/** The shell's private directory variable (commands can see it; subshells cannot change it). */
const DIR = "__drover_d";

/**
 * Makes the private temp directory and removes it when the shell ends, also when it ends by
 * a signal or by writing to a connection that is gone (SIGPIPE).
 */
// Everything drover creates on a system is private (0700 directories, 0600 files) whatever
// the login's umask: job directories, objects, results and logs hold the user's data.
const START = `umask 077
${DIR}=$(mktemp -d "\${TMPDIR:-/tmp}/drover.XXXXXX") || exit 97
trap 'rm -rf "$${DIR}"' EXIT
trap 'exit 143' TERM HUP PIPE
`;

/**
 * Quotes text for a POSIX shell: single quotes, `'` written as `'\''`.
 *
 * @param text Any text without NUL.
 * @returns The quoted word.
 */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Base64 of bytes in lines of 76 characters (for a here-document).
 *
 * @param bytes The bytes.
 * @returns The lines, each ending in a newline.
 */
function base64Lines(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let out = "";
  for (let i = 0; i < text.length; i += 76) out += text.slice(i, i + 76) + "\n";
  return out;
}

/** A command being run: where its frame is in the output, and how to settle it. */
interface Running {
  readonly token: Buffer;
  stage: "header" | "sizes" | "body";
  code: number;
  outBytes: number;
  errBytes: number;
  resolve(result: ExecResult): void;
  reject(error: Error): void;
}

/** One remote `sh` reading commands from its channel. */
export class RemoteShell {
  readonly #channel: ClientChannel;
  #buffer: Buffer = Buffer.alloc(0);
  #later: Buffer[] = [];
  #laterBytes = 0;
  #running: Running | undefined;
  #closed: Error | undefined;
  #stderr = "";

  /**
   * Opens an `sh` channel on a connection and prepares its temp directory.
   *
   * @param client The connection.
   * @returns The shell.
   */
  static open(client: Client): Promise<RemoteShell> {
    return new Promise((resolve, reject) => {
      client.exec("sh", (err, channel) => {
        if (err) return reject(err);
        const shell = new RemoteShell(channel);
        channel.write(START);
        resolve(shell);
      });
    });
  }

  private constructor(channel: ClientChannel) {
    this.#channel = channel;
    channel.on("data", (chunk: Buffer) => this.#onData(chunk));
    channel.stderr.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString("utf8")).slice(-2000);
    });
    channel.on("close", () => {
      const tail = this.#stderr.trim().split("\n").pop();
      this.#fail(new Error(`the remote shell ended${tail ? ` (${tail})` : ""}`));
    });
    channel.on("error", (e: Error) => this.#fail(e));
  }

  /** Whether the shell has ended. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Runs one command; only one may run at a time.
   *
   * @param command The command line.
   * @param stdin Its standard input.
   * @returns Exit code and output.
   */
  run(command: string, stdin: Uint8Array | undefined): Promise<ExecResult> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#running) return Promise.reject(new Error("a command is already running"));
    const token = `DROVER${crypto.randomUUID().replaceAll("-", "")}`;
    let script = "";
    let input = "/dev/null";
    if (stdin && stdin.length > 0) {
      script += `base64 -d >"$${DIR}/i" <<'${token}_IN'\n${base64Lines(stdin)}${token}_IN\n`;
      input = `"$${DIR}/i"`;
    }
    let run = `sh -c ${shellQuote(command)} sh`;
    if (command.length > MAX_ARGUMENT) {
      script += `cat >"$${DIR}/c" <<'${token}_CMD'\n${command}\n${token}_CMD\n`;
      run = `sh "$${DIR}/c"`;
    }
    const o = `"$${DIR}/o"`;
    const e = `"$${DIR}/e"`;
    // Empty output (the common case) is framed with builtins only: no wc, no cat.
    script += `${run} <${input} >${o} 2>${e}\n` +
      `printf '\\n${token} %s\\n' "$?"; ` +
      `if [ -s ${o} ] || [ -s ${e} ]; then wc -c ${o} ${e}; printf '${token}\\n'; cat ${o} ${e}; ` +
      `elif [ -e ${o} ]; then printf '0 o\\n0 e\\n${token}\\n'; else printf 'gone\\n${token}\\n'; fi\n`;
    return new Promise<ExecResult>((resolve, reject) => {
      this.#running = {
        token: Buffer.from(token),
        stage: "header",
        code: 0,
        outBytes: 0,
        errBytes: 0,
        resolve,
        reject,
      };
      this.#channel.write(script);
    });
  }

  /** Ends the shell (a command still running remotely is left to finish). */
  close(): void {
    this.#fail(new Error("the remote shell was closed"));
    // OpenSSH signals the session's process group: a command still running stops too and
    // the shell removes its temp directory (servers without signal support ignore this).
    this.#channel.signal("TERM");
    this.#channel.close();
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    const running = this.#running;
    this.#running = undefined;
    running?.reject(error);
  }

  #onData(chunk: Buffer): void {
    // Chunks are joined only when looked at, so a large output is copied once.
    this.#later.push(chunk);
    this.#laterBytes += chunk.length;
    const r = this.#running;
    if (!r) return;
    if (r.stage === "body" && this.#buffer.length + this.#laterBytes < r.outBytes + r.errBytes) {
      return;
    }
    this.#buffer = Buffer.concat([this.#buffer, ...this.#later]);
    this.#later = [];
    this.#laterBytes = 0;
    while (this.#running === r) {
      if (r.stage === "header") {
        const at = this.#buffer.indexOf(r.token);
        if (at < 0) {
          // Keep only what could still be the start of the token.
          this.#buffer = this.#buffer.subarray(Math.max(0, this.#buffer.length - r.token.length));
          return;
        }
        const eol = this.#buffer.indexOf(10, at);
        if (eol < 0) return;
        r.code = Number(this.#buffer.subarray(at + r.token.length + 1, eol).toString());
        this.#buffer = this.#buffer.subarray(eol + 1);
        r.stage = "sizes";
      } else if (r.stage === "sizes") {
        const end = this.#buffer.indexOf(Buffer.concat([r.token, Buffer.from("\n")]));
        if (end < 0) return;
        const sizes = this.#buffer.subarray(0, end).toString().trim().split("\n")
          .map((line) => Number(line.trim().split(/\s+/)[0]));
        this.#buffer = this.#buffer.subarray(end + r.token.length + 1);
        if (sizes.length < 2 || !sizes.every(Number.isSafeInteger)) {
          this.#fail(new Error("the remote shell's temporary files are gone"));
          this.#channel.close();
          return;
        }
        [r.outBytes, r.errBytes] = sizes;
        r.stage = "body";
      } else {
        const need = r.outBytes + r.errBytes;
        if (this.#buffer.length < need) return;
        const stdout = new Uint8Array(this.#buffer.subarray(0, r.outBytes));
        const stderr = this.#buffer.subarray(r.outBytes, need).toString("utf8");
        this.#buffer = this.#buffer.subarray(need);
        this.#running = undefined;
        r.resolve({ code: r.code, stdout, stderr });
      }
    }
  }
}
