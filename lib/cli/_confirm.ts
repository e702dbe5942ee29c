/**
 * Private to lib/cli: how destructive commands (`rm`, `clean`, `gc`, `jobs rm --clean`) get
 * consent. They show what they will delete, then ask on a terminal; `--yes` skips the
 * question; without a terminal and without `--yes` they refuse (exit 2), before anything
 * is changed.
 *
 * @module
 */
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { escapeOutput } from "./_terminal_text.ts";

/** What a destructive command is about to do. */
export interface Plan {
  /** What it does, for messages: `remove 5 calls`, `delete 3 objects`. */
  readonly action: string;
  /** The details shown (on standard error) before asking: lines ending with a newline. */
  readonly details: string;
}

/**
 * Gets consent for a destructive command (call it after `--dry-run` is handled, before
 * anything changes): with `--yes` at once; on a terminal when the user answers yes after
 * seeing the plan (both on standard error, so `--json` output stays clean); otherwise it
 * refuses.
 *
 * @param ctx The invocation's context.
 * @param plan What would be done.
 * @param yes Whether `--yes` was given.
 * @throws {UsageError} Without a terminal and without `--yes` (exit 2): one line saying to
 * pass `--yes`.
 * @throws {CommandError} When the user answers anything but yes (exit 1).
 */
export async function confirm(ctx: Context, plan: Plan, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!ctx.io.interactive) {
    throw new UsageError(
      `Cannot ${plan.action}: not confirmed; pass --yes to go ahead without a terminal (--dry-run shows what would go)`,
    );
  }
  ctx.io.stderr(escapeOutput(plan.details));
  const answer = await ctx.io.ask(`${capitalize(plan.action)}? [y/N] `);
  if (answer !== null && /^\s*y(es)?\s*$/i.test(answer)) return;
  throw new CommandError(`Cannot ${plan.action}: not confirmed; nothing was changed`);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
