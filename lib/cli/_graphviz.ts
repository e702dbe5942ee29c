/**
 * Private to lib/cli: rendering DOT text with Graphviz's `dot` (Debian package graphviz).
 *
 * @module
 */
import { CommandError } from "./_errors.ts";

/**
 * Renders DOT text as svg or png with `dot`.
 *
 * @param text DOT text.
 * @param format `svg` or `png`.
 * @returns The rendered bytes.
 * @throws {CommandError} when `dot` is not installed or fails.
 */
export async function renderDot(text: string, format: "svg" | "png"): Promise<Uint8Array> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("dot", {
      args: [`-T${format}`],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CommandError(
        `Cannot draw the graph as ${format}: Graphviz's "dot" is not installed; install the graphviz package (apt-get install graphviz), or use --format dot|mermaid`,
      );
    }
    throw e;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new CommandError(
      `Cannot draw the graph as ${format}: dot failed: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return out.stdout;
}
