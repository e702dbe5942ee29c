// Workflow used by bench/cache.ts: N trivial calls through map(). Prints nothing.
import { map, step } from "drover";

export const tiny = step("bench.tiny", ({ i, tag }: { i: number; tag: string }) => ({
  i,
  tag,
  sq: i * i,
}));

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 10_000);
  const r = await map(tiny, Array.from({ length: n }, (_, i) => ({ i, tag: "replay" })));
  if (!r.ok) throw new Error("replay workflow failed");
}
