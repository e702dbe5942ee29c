/**
 * Private to lib/cli: what every command needs. The IO, the styling and the project store
 * chosen by `--project DIR`, else `DROVER_PROJECT`, else the first `.drover/` found walking
 * up from the working directory.
 *
 * @module
 */
import { resolve } from "node:path";
import { findProjectDir, openStore, type Store } from "../store/mod.ts";
import { CommandError } from "./_errors.ts";
import type { ResolvedIO } from "./_io.ts";
import { createStyle, type Style } from "./_output.ts";
import { escapeOutput } from "./_terminal_text.ts";

/** The state shared by the commands of one `main()` invocation. */
export class Context {
  /** The terminal. */
  readonly io: ResolvedIO;
  /** Styling for standard output. */
  readonly style: Style;
  /** The value of the global `--project` option, once parsed. */
  project: string | undefined;

  /** @param io The terminal. */
  constructor(io: ResolvedIO) {
    this.io = io;
    this.style = createStyle(io.color);
  }

  /**
   * Writes to standard output, with every control character but the CLI's own colors
   * escaped (see `escapeOutput`).
   *
   * @param text The text (include the newline).
   */
  out(text: string): void {
    this.io.stdout(escapeOutput(text));
  }

  /**
   * The `.drover` directory this invocation works on (it may not exist yet).
   *
   * @returns Its absolute path.
   */
  storeDir(): string {
    return findProjectDir({
      cwd: this.io.cwd,
      env: this.project !== undefined
        ? resolve(this.io.cwd, this.project)
        : this.io.env.DROVER_PROJECT,
    });
  }

  /**
   * Opens the existing project store.
   *
   * @returns The open store; dispose it.
   * @throws {CommandError} when there is no store there.
   */
  openStore(): Store {
    const dir = this.storeDir();
    if (!isDirectory(dir)) {
      const explicit = this.project !== undefined || !!this.io.env.DROVER_PROJECT;
      throw new CommandError(
        explicit
          ? `Cannot open store "${dir}": it does not exist; create it with "drover init"`
          : `Cannot find a store: no .drover directory in "${this.io.cwd}" or its parents; create one with "drover init" or pass --project DIR`,
      );
    }
    return openStore({ dir });
  }
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
