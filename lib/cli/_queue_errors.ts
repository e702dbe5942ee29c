/**
 * Private to lib/cli: the queue's errors as CLI errors. A bad filter or priority is a usage
 * error whose caret lines go to stderr first; an unknown table or task, a bad import file
 * and a refused row are domain errors.
 *
 * @module
 */
import {
  DuplicateRowError,
  ImportError,
  QueryError,
  RowError,
  UnknownTableError,
  UnknownTaskError,
} from "../queue/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { escapeLine } from "./_terminal_text.ts";

/**
 * Runs a command body, translating the queue's errors.
 *
 * @param ctx The invocation's context.
 * @param fn The body.
 * @returns What the body returns.
 */
export async function withQueueErrors<T>(ctx: Context, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof QueryError) {
      const [text, caret] = e.caret.split("\n");
      ctx.io.stderr(`${escapeLine(text!)}\n${caret}\n`);
      throw new UsageError(e.message);
    }
    if (e instanceof ImportError && e.problems.length > 1) {
      for (const p of e.problems.slice(1)) {
        ctx.io.stderr(`  ${escapeLine(`${e.file}:${p.line}: ${p.detail}`)}\n`);
      }
    }
    if (
      e instanceof ImportError || e instanceof UnknownTableError ||
      e instanceof UnknownTaskError || e instanceof RowError || e instanceof DuplicateRowError
    ) {
      throw new CommandError(e.message, { cause: e });
    }
    throw e;
  }
}
