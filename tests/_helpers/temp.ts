/** Test helpers: temporary project directories. */

/** A temporary directory removed on dispose. */
export interface TempDir extends AsyncDisposable {
  /** Its path. */
  readonly path: string;
}

/**
 * Creates a temporary directory that removes itself when disposed.
 *
 * @param prefix Name prefix.
 * @returns The directory.
 */
export async function tempDir(prefix = "drover-test-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose](): Promise<void> {
      await Deno.remove(path, { recursive: true }).catch((): void => {});
    },
  };
}

/** Absolute path of the repository root. */
export const REPO_ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
