/**
 * Who may read what drover leaves on a system: `private` (the default: directories 0700,
 * files 0600, whatever the login's umask) or `group` (directories 0750, files 0640, for a
 * group that shares results on a cluster). {@linkcode withAccess} applies the choice to
 * every command and file that goes through a transport.
 *
 * @module
 */
import type { ExecOptions, ExecResult, FileToWrite, Transport } from "./transport.ts";
import { shellQuote } from "./_remote_shell.ts";

/** Who may read what drover leaves on a system. */
export type FileAccess = "private" | "group";

/** The names a system config accepts, in the order the docs list them. */
export const FILE_ACCESS: readonly FileAccess[] = ["private", "group"];

/**
 * The umask of commands and jobs under an access choice.
 *
 * @param access The choice (default private).
 * @returns The umask as the shell's `umask` takes it.
 *
 * @example
 * ```ts
 * import { accessUmask } from "./access.ts";
 * import assert from "node:assert/strict";
 * assert.equal(accessUmask(undefined), "077");
 * assert.equal(accessUmask("group"), "027");
 * ```
 */
export function accessUmask(access: FileAccess | undefined): string {
  return access === "group" ? "027" : "077";
}

/**
 * A file's mode under an access choice: the owner's bits, and for `group` the group's read
 * (and execute where the owner has it) bits; never anything for others.
 *
 * @param mode The mode asked for (default 0o600).
 * @param access The choice.
 * @returns The mode to write with.
 *
 * @example
 * ```ts
 * import { accessMode } from "./access.ts";
 * import assert from "node:assert/strict";
 * assert.equal(accessMode(0o644, "private"), 0o600);
 * assert.equal(accessMode(0o700, "group"), 0o750);
 * assert.equal(accessMode(undefined, "group"), 0o640);
 * ```
 */
export function accessMode(mode: number | undefined, access: FileAccess | undefined): number {
  const owner = (mode ?? 0o600) & 0o700;
  if (access !== "group") return owner;
  return owner | ((owner & 0o400) >> 3) | ((owner & 0o100) >> 3);
}

/**
 * A transport whose commands run under the access choice's umask and whose files are
 * written with its modes (directories made first, under that umask, so a new job directory
 * is 0750 for `group`). For `private` (or undefined) the transport itself is returned: it
 * is private already.
 *
 * @param transport The transport.
 * @param access The choice.
 * @returns A transport applying it.
 *
 * @example
 * ```ts
 * import { withAccess } from "./access.ts";
 * import { LocalTransport } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using t = withAccess(new LocalTransport(), "group");
 * await t.writeFiles([{ path: `${dir}/a/b.txt`, data: new Uint8Array([1]) }]);
 * assert.equal(Deno.statSync(`${dir}/a`).mode! & 0o777, 0o750);
 * assert.equal(Deno.statSync(`${dir}/a/b.txt`).mode! & 0o777, 0o640);
 * const r = await t.exec("umask");
 * assert.equal(new TextDecoder().decode(r.stdout).trim(), "0027");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function withAccess(transport: Transport, access: FileAccess | undefined): Transport {
  if (access !== "group") return transport;
  const umask = accessUmask(access);
  const exec = (command: string, options?: ExecOptions): Promise<ExecResult> =>
    transport.exec(`umask ${umask}\n${command}`, options);
  return {
    label: transport.label,
    exec,
    async writeFiles(
      files: readonly FileToWrite[],
      options?: { signal?: AbortSignal },
    ): Promise<void> {
      if (files.length === 0) return;
      const dirs = [...new Set(files.map((f) => f.path.slice(0, f.path.lastIndexOf("/")) || "/"))];
      for (let i = 0; i < dirs.length; i += 500) {
        const made = await exec(
          `mkdir -p -- ${dirs.slice(i, i + 500).map(shellQuote).join(" ")}`,
          options,
        );
        if (made.code !== 0) break; // the transport's own mkdir reports it
      }
      await transport.writeFiles(
        files.map((f) => ({ ...f, mode: accessMode(f.mode ?? 0o600, access) })),
        options,
      );
    },
    readFiles: (paths, options) => transport.readFiles(paths, options),
    home: () => transport.home(),
    close: () => transport.close(),
    [Symbol.asyncDispose]: () => transport.close(),
  };
}
