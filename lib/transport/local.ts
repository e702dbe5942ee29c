/**
 * The local transport: commands through `sh -c`, files through Deno's file system.
 *
 * @module
 */
import { dirname } from "node:path";
import { TransportError } from "./errors.ts";
import type { ExecOptions, ExecResult, FileToWrite, Transport } from "./transport.ts";

const decoder = new TextDecoder();

/**
 * Runs commands and moves files on this machine.
 *
 * @example
 * ```ts
 * import { LocalTransport } from "./local.ts";
 * import assert from "node:assert/strict";
 * await using t = new LocalTransport();
 * const r = await t.exec("printf %s \"$0\" hi; exit 3");
 * assert.equal(r.code, 3);
 * const dir = await Deno.makeTempDir();
 * await t.writeFiles([{ path: `${dir}/a/b.txt`, data: new TextEncoder().encode("x") }]);
 * const [b, missing] = await t.readFiles([`${dir}/a/b.txt`, `${dir}/nope`]);
 * assert.equal(new TextDecoder().decode(b), "x");
 * assert.equal(missing, undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LocalTransport implements Transport {
  /** Always `"local"`. */
  readonly label = "local";

  /**
   * Runs `sh -c command`.
   *
   * @param command The command line.
   * @param options Standard input, timeout, abort signal.
   * @returns Exit code and output.
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const child = new Deno.Command("sh", {
      // Files drover makes are private (0700 directories, 0600 files), as over SSH.
      args: ["-c", `umask 077\n${command}`],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const input = typeof options.stdin === "string"
      ? new TextEncoder().encode(options.stdin)
      : options.stdin;
    const writer = child.stdin.getWriter();
    const fed = (async () => {
      try {
        if (input && input.length > 0) await writer.write(input);
        await writer.close();
      } catch {
        // The command did not read all of its input.
      }
    })();
    const waits: Promise<unknown>[] = [child.output()];
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (options.timeoutMs !== undefined) {
      waits.push(
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new TransportError(
                  this.label,
                  "timeout",
                  `the command took longer than ${options.timeoutMs} ms`,
                ),
              ),
            options.timeoutMs,
          );
        }),
      );
    }
    const onAbort = () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const out = await Promise.race(waits) as Deno.CommandOutput;
      await fed;
      return { code: out.code, stdout: out.stdout, stderr: decoder.decode(out.stderr) };
    } catch (e) {
      onAbort();
      await child.status.catch(() => {});
      await fed;
      throw e;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Writes each file to a temporary name beside it, then renames it into place.
   *
   * @param files The files.
   */
  async writeFiles(files: readonly FileToWrite[]): Promise<void> {
    const made = new Set<string>();
    for (const file of files) {
      const dir = dirname(file.path);
      try {
        if (!made.has(dir)) {
          await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
          made.add(dir);
        }
        const tmp = `${file.path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
        await Deno.writeFile(tmp, file.data, { mode: file.mode ?? 0o644 });
        await Deno.rename(tmp, file.path);
      } catch (cause) {
        throw new TransportError(
          this.label,
          "io",
          `could not write ${file.path} (${(cause as Error).message})`,
          { cause },
        );
      }
    }
  }

  /**
   * Reads files; missing ones are `undefined`.
   *
   * @param paths Absolute paths.
   * @returns The contents, in order.
   */
  async readFiles(paths: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return await Promise.all(paths.map(async (path) => {
      try {
        return await Deno.readFile(path);
      } catch (cause) {
        if (cause instanceof Deno.errors.NotFound) return undefined;
        throw new TransportError(
          this.label,
          "io",
          `could not read ${path} (${(cause as Error).message})`,
          { cause },
        );
      }
    }));
  }

  /** @returns `$HOME` of this process. */
  home(): Promise<string> {
    const home = Deno.env.get("HOME");
    if (!home) return Promise.reject(new TransportError(this.label, "io", "HOME is not set"));
    return Promise.resolve(home);
  }

  /** Nothing to close. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Same as {@linkcode LocalTransport.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
