/**
 * A V8 CPU profile of a stretch of the driver (through `node:inspector`), summed by
 * function: where bench/driver.ts's map→sbatch time goes.
 */
import { Session } from "node:inspector";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A function's CPU time in a profile, ms: its own (`ms`) and with what it called (`total`). */
export interface ProfileEntry {
  readonly what: string;
  readonly ms: number;
  readonly total: number;
}

/** A running profile; `stop()` returns the top functions by self time, ms. */
export interface Profiling {
  stop(top?: number): Promise<ProfileEntry[]>;
  /** After `stop()`: drover's own functions (lib/) by inclusive time, ms. */
  readonly inclusive: ProfileEntry[];
}

/** Starts profiling this process (sampling every 200 µs). */
export async function startProfile(): Promise<Profiling> {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (e: unknown, r: unknown) => e ? reject(e) : resolve(r))
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
  const inclusive: ProfileEntry[] = [];
  return {
    inclusive,
    async stop(top = 15): Promise<ProfileEntry[]> {
      const { profile } = await post("Profiler.stop") as { profile: Profile };
      session.disconnect();
      const self = new Map<number, number>();
      profile.samples.forEach((id, i) =>
        self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
      );
      const parent = new Map<number, number>();
      for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      const nameOf = new Map<number, string>();
      for (const n of profile.nodes) {
        const file = n.callFrame.url.replace(/^.*\/(lib|npm|bench)\//, "$1/");
        nameOf.set(
          n.id,
          `${n.callFrame.functionName || "(anonymous)"}${
            file ? ` ${file}:${n.callFrame.lineNumber + 1}` : ""
          }`,
        );
      }
      const byFunction = new Map<string, number>();
      const total = new Map<string, number>();
      for (const n of profile.nodes) {
        const what = nameOf.get(n.id)!;
        const own = (self.get(n.id) ?? 0) / 1000;
        byFunction.set(what, (byFunction.get(what) ?? 0) + own);
        // Inclusive: each function on the node's path counts the node's own time once.
        const seen = new Set<string>();
        for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
          const name = nameOf.get(id)!;
          if (seen.has(name)) continue;
          seen.add(name);
          total.set(name, (total.get(name) ?? 0) + own);
        }
      }
      const keep = (what: string) => !what.includes("inspector") && what !== "(idle)";
      inclusive.push(
        ...[...total].filter(([what]) => what.includes(" lib/") && keep(what))
          .sort((a, b) => b[1] - a[1]).slice(0, 30)
          .map(([what, t]) => ({ what, ms: byFunction.get(what) ?? 0, total: t })),
      );
      return [...byFunction].filter(([what]) => keep(what))
        .sort((a, b) => b[1] - a[1]).slice(0, top)
        .map(([what, ms]) => ({ what, ms, total: total.get(what) ?? ms }));
    },
  };
}
