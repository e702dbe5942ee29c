/**
 * Private to lib/store: whether a process of this host still exists.
 *
 * @module
 */

/**
 * Whether process `pid` of this host exists.
 *
 * @param pid The process id.
 * @returns True when `/proc/<pid>` exists.
 */
export function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
