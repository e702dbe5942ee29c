/**
 * `drover fetch`: download the results of done calls that so far exist only on the systems
 * that computed them, into the local store.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import type { Store } from "../store/mod.ts";
import { collectKeys } from "./_args.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { resolveCallKey } from "./_keys.ts";
import { formatBytes, plural, toJson } from "./_output.ts";
import { configuredSystems, linkTo, remoteProblem, withConnections } from "./_remote.ts";

/** Objects read from a system in one bulk transfer. */
export const FETCH_BATCH = 64;

/** What `fetch` did. */
export interface FetchSummary {
  /** Results downloaded. */
  readonly fetched: number;
  /** Their size in bytes. */
  readonly bytes: number;
  /** Downloads by system. */
  readonly bySystem: Readonly<Record<string, { fetched: number; bytes: number }>>;
  /** Results that no reachable system had (hash and why). */
  readonly missing: readonly { ref: string; reason: string }[];
  /** Done calls looked at whose results were already local. */
  readonly local: number;
}

/**
 * Builds the `fetch` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function fetchCommand(ctx: Context): CommandUnknownOpts {
  return new Command("fetch")
    .description("download results that exist only on systems")
    .argument("[keys...]", "call keys or unique prefixes (default: every done call)", collectKeys)
    .option("--step <name>", "only calls of this step")
    .option("--json", "print the counts as JSON")
    .action(async (keys, options) => {
      using store = ctx.openStore();
      const full = keys?.map((k) => resolveCallKey(store, k));
      const calls = store.listCalls({ keys: full, step: options.step, states: ["done"] });
      const refs = [...new Set(calls.map((c) => c.resultRef).filter((r) => r !== null))];
      const remote = refs.filter((ref) => !store.objects.has(ref));
      const summary = await withConnections(() => fetchObjects(ctx, store, remote));
      const result = { ...summary, local: refs.length - remote.length };
      ctx.out(options.json ? toJson(result) : describe(result));
      if (result.missing.length > 0) {
        const first = result.missing[0];
        throw new CommandError(
          `Cannot fetch ${plural(result.missing.length, "result")}: ${
            first.ref.slice(0, 12)
          } ${first.reason}${result.missing.length > 1 ? " (and more; see above)" : ""}`,
        );
      }
    });
}

interface Pending {
  readonly ref: string;
  readonly holders: readonly string[];
  readonly tried: string[];
}

async function fetchObjects(
  ctx: Context,
  store: Store,
  refs: readonly string[],
): Promise<Omit<FetchSummary, "local">> {
  const bySystem: Record<string, { fetched: number; bytes: number }> = {};
  const missing: { ref: string; reason: string }[] = [];
  if (refs.length === 0) return { fetched: 0, bytes: 0, bySystem, missing };
  const systems = configuredSystems(ctx);
  const problems = new Map<string, string>();
  // Each object is tried on the systems holding it, in order, until one has it intact.
  let pending: Pending[] = refs.map((ref) => ({
    ref,
    holders: store.jobs.systemsHolding(ref),
    tried: [],
  }));
  while (pending.length > 0) {
    const next: Pending[] = [];
    const wave = new Map<string, string[]>();
    for (const p of pending) {
      const holder = p.holders.find((s) => !p.tried.includes(s) && !problems.has(s));
      if (holder === undefined) {
        const why = p.holders.length === 0
          ? "is not local and no system is known to hold it"
          : p.holders.map((s) => `${s}: ${problems.get(s) ?? "missing or corrupt there"}`)
            .join("; ");
        missing.push({ ref: p.ref, reason: why });
        continue;
      }
      p.tried.push(holder);
      wave.set(holder, [...(wave.get(holder) ?? []), p.ref]);
      next.push(p);
    }
    const got = new Set<string>();
    for (const [name, hashes] of wave) {
      const system = systems[name];
      if (!system) {
        problems.set(name, "the system is not configured");
        continue;
      }
      try {
        const link = linkTo(ctx, system);
        for (let i = 0; i < hashes.length; i += FETCH_BATCH) {
          const batch = hashes.slice(i, i + FETCH_BATCH);
          const bytes = await link.fetchObjects(batch);
          bytes.forEach((b, j) => {
            if (!b) return;
            store.objects.put(b, batch[j]);
            got.add(batch[j]);
            const s = bySystem[name] ??= { fetched: 0, bytes: 0 };
            s.fetched++;
            s.bytes += b.byteLength;
          });
        }
      } catch (e) {
        const reason = remoteProblem(e, name);
        if (reason === undefined) throw e;
        problems.set(name, reason);
      }
    }
    pending = next.filter((p) => !got.has(p.ref));
  }
  const totals = Object.values(bySystem);
  return {
    fetched: totals.reduce((n, s) => n + s.fetched, 0),
    bytes: totals.reduce((n, s) => n + s.bytes, 0),
    bySystem,
    missing,
  };
}

function describe(r: FetchSummary): string {
  const lines: string[] = [];
  if (r.fetched === 0 && r.missing.length === 0) {
    lines.push(
      r.local === 0
        ? "Nothing to fetch: no done calls match"
        : `Nothing to fetch: all ${plural(r.local, "result")} are local`,
    );
  } else {
    const systems = Object.entries(r.bySystem);
    const from = systems.length === 1
      ? systems[0][0]
      : systems.map(([s, c]) => `${s} (${c.fetched}, ${formatBytes(c.bytes)})`).join(", ");
    lines.push(
      `Fetched ${plural(r.fetched, "result")} (${formatBytes(r.bytes)})${
        from ? ` from ${from}` : ""
      }; ${r.local} already local`,
    );
    for (const m of r.missing) lines.push(`  ${m.ref.slice(0, 12)} ${m.reason}`);
  }
  return lines.join("\n") + "\n";
}
