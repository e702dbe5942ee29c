/** File path helpers private to lib/step. */
import { pathToFileURL } from "node:url";

/**
 * Converts an absolute path to a file: URL string.
 *
 * @param path Absolute path.
 * @returns The URL.
 */
export function toFileUrl(path: string): string {
  return pathToFileURL(path).href;
}
