/** A temporary project for calcjob tests: a store, a `laptop` system and a jobs file. */
import { join } from "node:path";
import type { System } from "../../lib/systems/mod.ts";
import { openStore, type Store } from "../../lib/store/mod.ts";

/** The `laptop` system (local scheduler) the tests' codes name. */
export const LAPTOP: System = {
  name: "laptop",
  scheduler: "local",
  rundir: "/tmp/drover-calcjob-test-runs",
  partitions: [],
  header: [],
  setup: [],
  deno: "upload",
  maxJobs: 4,
  pollMs: 10,
};

/** A temporary directory with an open store. */
export interface CalcJobProject extends Disposable {
  /** The directory (real path). */
  readonly dir: string;
  /** The open store. */
  readonly store: Store;
  /** Writes a file in the directory and returns its path. */
  write(name: string, text: string): string;
}

/**
 * Creates the project.
 *
 * @returns The project; dispose it to close the store and remove the directory.
 */
export function calcjobProject(): CalcJobProject {
  const dir = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "drover-calcjob-" }));
  const store = openStore({ cwd: dir });
  return {
    dir,
    store,
    write(name: string, text: string): string {
      const path = join(dir, name);
      Deno.writeTextFileSync(path, text);
      return path;
    },
    [Symbol.dispose](): void {
      store.close();
      removeWhenQuiet(dir);
    },
  };
}

/**
 * Removes a project directory. A job of the local scheduler that a test's wrapper driver
 * reported as lost (node failure) may still be writing its last files into it for a moment:
 * removal is tried again (up to 5 s) while the directory is not empty.
 */
function removeWhenQuiet(dir: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1;; attempt++) {
    try {
      Deno.removeSync(dir, { recursive: true });
      return;
    } catch (e) {
      if (!(e instanceof Error && /not empty/i.test(e.message)) || attempt >= 100) throw e;
      Atomics.wait(pause, 0, 0, 50);
    }
  }
}

/**
 * Every row of every calcjob table and the objects table, as text: equal snapshots mean an
 * unchanged store.
 *
 * @param store The store.
 * @returns The snapshot.
 */
export function snapshot(store: Store): string {
  const tables = [
    "objects",
    "calcjob_objects",
    "calcjob_codes",
    "calcjobs",
    "calcjob_files",
    "calcjob_events",
  ];
  return tables.map((t) =>
    `${t}: ${
      JSON.stringify(
        store.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all(),
        (_k, v) => v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v,
      )
    }`
  ).join("\n");
}
