import assert from "node:assert/strict";
import {
  CALCJOB_TRANSITIONS,
  type CalcJobRecord,
  classifyElement,
  LOST_AFTER_MS,
  planBatches,
  scriptDirectives,
} from "../../lib/calcjob/mod.ts";

function cj(id: string, over: Partial<CalcJobRecord> = {}): CalcJobRecord {
  return {
    id,
    seq: 1,
    label: "",
    code: "c",
    system: "s",
    parameters: {},
    resources: {},
    scriptSha256: "",
    download: [],
    state: "created",
    batch: null,
    element: null,
    schedulerId: null,
    reason: null,
    exitCode: null,
    attempts: 0,
    maxRetries: null,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

Deno.test("scriptDirectives() keeps the script's own lines and drops those drover owns", () => {
  const script = [
    "#!/bin/bash",
    "#SBATCH --time=00:05:00",
    "#SBATCH -J name",
    "#SBATCH --array=1-3",
    "#SBATCH --output=x.out",
    "#SBATCH -e x.err",
    "#SBATCH --mem=1G",
    "#SBATCHX --bad",
    "echo #SBATCH --not-a-directive",
  ].join("\n");
  assert.deepEqual(scriptDirectives(script, "slurm"), [
    "#SBATCH --time=00:05:00",
    "#SBATCH --mem=1G",
  ]);
  assert.deepEqual(scriptDirectives("#$ -l h_rt=60\n#$ -t 1-4\n#$ -N x\n", "sge"), [
    "#$ -l h_rt=60",
  ]);
});

Deno.test("planBatches() groups by code, system, resources and directives, split at the array limit", () => {
  const list = [
    cj("a"),
    cj("b", { resources: { cores: 2 } }),
    cj("c"),
    cj("d", { system: "t" }),
    cj("e", { code: "other" }),
    cj("f"),
    cj("g", { resources: { cores: 2 } }),
  ];
  const batches = planBatches(
    list,
    (c) => c.id === "f" ? ["#SBATCH --mem=1G"] : [],
    (s) => s === "s" ? 2 : 10,
  );
  assert.deepEqual(batches.map((b) => b.calcjobs.map((c) => c.id)), [
    ["a", "c"],
    ["b", "g"],
    ["d"],
    ["e"],
    ["f"],
  ]);
  assert.deepEqual(batches[4].directives, ["#SBATCH --mem=1G"]);
  assert.equal(new Set(batches.map((b) => b.name)).size, 5);
  const thousand = Array.from({ length: 1000 }, (_, i) => cj(`x${i}`));
  assert.equal(planBatches(thousand, () => [], () => 1001).length, 1);
  assert.deepEqual(planBatches(thousand, () => [], () => 400).map((b) => b.calcjobs.length), [
    400,
    400,
    200,
  ]);
});

Deno.test("classifyElement() classifies every terminal state and waits on live ones", () => {
  const reason = (e: Parameters<typeof classifyElement>[0]): string | null => {
    const o = classifyElement(e);
    return o === null ? null : o.state === "completed" ? "completed" : o.reason;
  };
  assert.equal(reason({ exitCode: 0, missingForMs: 0 }), "completed");
  assert.equal(reason({ exitCode: 0, state: "COMPLETED", missingForMs: 0 }), "completed");
  assert.equal(reason({ exitCode: 2, missingForMs: 0 }), "exit-code");
  assert.equal(reason({ state: "FAILED", missingForMs: 0 }), "exit-code");
  assert.equal(reason({ state: "TIMEOUT", missingForMs: 0 }), "timeout");
  assert.equal(reason({ exitCode: 137, state: "OUT_OF_MEMORY", missingForMs: 0 }), "out-of-memory");
  assert.equal(reason({ state: "NODE_FAIL", missingForMs: 0 }), "node-failure");
  assert.equal(reason({ state: "CANCELLED by 1000", missingForMs: 0 }), "cancelled");
  assert.equal(reason({ state: "PENDING", missingForMs: 0 }), null);
  assert.equal(reason({ state: "RUNNING", missingForMs: 0 }), null);
  assert.equal(reason({ state: "COMPLETED", missingForMs: 0 }), null);
  assert.equal(reason({ missingForMs: LOST_AFTER_MS - 1 }), null);
  assert.equal(reason({ missingForMs: LOST_AFTER_MS }), "lost");
});

Deno.test("CALCJOB_TRANSITIONS ends at completed and failed, reachable from created", () => {
  assert.deepEqual(CALCJOB_TRANSITIONS.completed, []);
  assert.deepEqual(CALCJOB_TRANSITIONS.failed, []);
  const seen = new Set<string>(["created"]);
  const todo = ["created"] as (keyof typeof CALCJOB_TRANSITIONS)[];
  while (todo.length) {
    for (const n of CALCJOB_TRANSITIONS[todo.pop()!]) {
      if (!seen.has(n)) (seen.add(n), todo.push(n));
    }
  }
  assert.equal(seen.size, Object.keys(CALCJOB_TRANSITIONS).length);
});

Deno.test("planBatches() names arrays differently for different salts", () => {
  const list = [cj("a"), cj("b")];
  const [one] = planBatches(list, () => [], () => 10, "run-1");
  const [two] = planBatches(list, () => [], () => 10, "run-2");
  assert.notEqual(one.name, two.name);
  assert.match(one.name, /^cj-[0-9a-f]{12}$/);
});
