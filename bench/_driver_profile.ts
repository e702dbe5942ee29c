/**
 * A V8 CPU profile of a stretch of the driver (through `node:inspector`), summed by
 * function: where bench/driver.ts's map→sbatch time goes.
 */
import { Session } from "node:inspector";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A running profile; `stop()` returns the top functions by self time, ms. */
export interface Profiling {
  stop(top?: number): Promise<{ what: string; ms: number }[]>;
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
  return {
    async stop(top = 15): Promise<{ what: string; ms: number }[]> {
      const { profile } = await post("Profiler.stop") as { profile: Profile };
      session.disconnect();
      const self = new Map<number, number>();
      profile.samples.forEach((id, i) =>
        self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
      );
      const byFunction = new Map<string, number>();
      for (const n of profile.nodes) {
        const file = n.callFrame.url.replace(/^.*\/(lib|npm|bench)\//, "$1/");
        const what = `${n.callFrame.functionName || "(anonymous)"}${
          file ? ` ${file}:${n.callFrame.lineNumber + 1}` : ""
        }`;
        byFunction.set(what, (byFunction.get(what) ?? 0) + (self.get(n.id) ?? 0) / 1000);
      }
      return [...byFunction].filter(([what]) => !what.includes("inspector") && what !== "(idle)")
        .sort((a, b) => b[1] - a[1]).slice(0, top).map(([what, ms]) => ({ what, ms }));
    },
  };
}
