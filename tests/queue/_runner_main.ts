/**
 * A runner process for tests/queue/runner_test.ts:
 * `deno run -A _runner_main.ts STORE_DIR MODE [SIDE_FILE]`.
 * MODE `count`: task "work" over table `nums` appends each key to SIDE_FILE, then prints its
 * report as JSON. MODE `hang`: the work never ends; "claimed KEYS" is printed per claim.
 */
import { openStore } from "../../lib/store/mod.ts";
import { runQueue, task, type TaskCall } from "../../lib/queue/mod.ts";

const [dir, mode, side] = Deno.args;
const store = openStore({ dir });
const work = task("work", {
  from: "nums",
  priority: "n ASC",
  inFlight: 8,
  step: async ({ key }: TaskCall<{ id: number }>) => {
    if (mode === "hang") return await new Promise(() => {});
    await Deno.writeTextFile(side!, `${key}\n`, { append: true });
    return { key };
  },
});
const report = await runQueue(work, {
  store,
  pollMs: 5,
  onEvent: (e) => {
    if (e.type === "claimed" && mode === "hang") console.log(`claimed ${e.keys.join(" ")}`);
  },
});
console.log(JSON.stringify(report));
store.close();
