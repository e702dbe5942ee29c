import assert from "node:assert/strict";
import { parseSystemsConfig, pickPartition, type System } from "../../lib/systems/mod.ts";

const H = 3_600_000;
const GB = 1024 ** 3;

const { systems } = parseSystemsConfig(
  `
systems:
  hpc:
    scheduler: slurm
    partitions:
      - { name: short, coresPerNode: 16, maxTime: "4:00:00", memory: 64G }
      - { name: long, coresPerNode: 16, maxTime: "7-00:00:00", memory: 64G }
      - { name: fat, coresPerNode: 64, maxTime: "2-00:00:00", memory: 1T }
      - { name: gpu, coresPerNode: 32, maxTime: "1-00:00:00", memory: 256G, gpus: 4 }
  bare:
    scheduler: slurm
`,
  "drover.yaml",
);
const hpc: System = systems.hpc;

Deno.test("pickPartition() returns the first partition when nothing in particular is asked", () => {
  assert.equal(pickPartition(hpc)?.name, "short");
  assert.equal(pickPartition(hpc, {})?.name, "short");
});

Deno.test("pickPartition() returns the first partition that fits cores, time, memory and GPUs", () => {
  assert.equal(pickPartition(hpc, { cores: 16, time: 4 * H })?.name, "short");
  assert.equal(pickPartition(hpc, { cores: 16, time: 5 * H })?.name, "long");
  assert.equal(pickPartition(hpc, { cores: 48 })?.name, "fat");
  assert.equal(pickPartition(hpc, { memory: 128 * GB })?.name, "fat");
  assert.equal(pickPartition(hpc, { gpus: 1 })?.name, "gpu");
  assert.equal(pickPartition(hpc, { cores: 32, gpus: 2, time: 12 * H })?.name, "gpu");
  assert.equal(pickPartition(hpc, { nodes: 100 })?.name, "short", "node counts are not checked");
});

Deno.test("pickPartition() throws RangeError saying what each partition lacks when none fits", () => {
  assert.throws(() => pickPartition(hpc, { cores: 32, gpus: 1, time: 3 * 86_400_000 }), {
    name: "RangeError",
    message: 'Cannot pick a partition of system "hpc" for 32 cores per node, 1 GPU per node, ' +
      "3-00:00:00: short has only 16 cores per node, no GPUs, a time limit of 04:00:00; " +
      "long has only 16 cores per node, no GPUs; fat has no GPUs, a time limit of 2-00:00:00; " +
      "gpu has a time limit of 1-00:00:00",
  });
  assert.throws(() => pickPartition(hpc, { memory: 2048 * GB }), {
    name: "RangeError",
    message: 'Cannot pick a partition of system "hpc" for 2T per node: ' +
      "short has only 64G of memory per node; long has only 64G of memory per node; " +
      "fat has only 1T of memory per node; gpu has only 256G of memory per node",
  });
});

Deno.test("pickPartition() returns the named partition when it exists and fits", () => {
  assert.equal(pickPartition(hpc, { partition: "long", cores: 8 })?.name, "long");
});

Deno.test("pickPartition() throws RangeError listing the partitions when the named one is unknown", () => {
  assert.throws(() => pickPartition(hpc, { partition: "debug" }), {
    name: "RangeError",
    message: 'Cannot use partition "debug" of system "hpc": it is not one of short, long, fat, gpu',
  });
});

Deno.test("pickPartition() throws RangeError saying what it lacks when the named one does not fit", () => {
  assert.throws(() => pickPartition(hpc, { partition: "short", cores: 17, time: 5 * H }), {
    name: "RangeError",
    message: 'Cannot use partition "short" of system "hpc" for 17 cores per node, 05:00:00: ' +
      "it has only 16 cores per node, a time limit of 04:00:00",
  });
});

Deno.test("pickPartition() leaves the choice to the scheduler when the system declares no partitions", () => {
  assert.equal(pickPartition(systems.bare, { cores: 1000 }), undefined);
  assert.deepEqual(pickPartition(systems.bare, { partition: "any" }), { name: "any" });
});

Deno.test("pickPartition() does not check limits a partition does not declare", () => {
  const { systems: s } = parseSystemsConfig(
    "systems:\n  c: { scheduler: slurm, partitions: [{ name: open }] }",
    "drover.yaml",
  );
  assert.equal(pickPartition(s.c, { cores: 512, time: 1000 * H, memory: 4096 * GB })?.name, "open");
  assert.throws(() => pickPartition(s.c, { gpus: 1 }), /open has no GPUs/);
});
