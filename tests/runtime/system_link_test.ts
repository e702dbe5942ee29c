import assert from "node:assert/strict";
import { sha256Hex } from "../../lib/codec/mod.ts";
import { SystemLink } from "../../lib/runtime/mod.ts";
import { driverFor } from "../../lib/scheduler/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

Deno.test("SystemLink.stageObjects() writes every missing object here, private, and only once", async () => {
  await using dir = await tempDir();
  const system = {
    name: "here",
    scheduler: "local" as const,
    rundir: dir.path,
    partitions: [],
    header: [],
    setup: [],
    deno: "upload",
    maxJobs: 10,
    pollMs: 100,
  };
  const link = new SystemLink(system, new LocalTransport(), driverFor("local"));
  const objects = Array.from({ length: 50 }, (_, i) => {
    const bytes = new TextEncoder().encode(`object ${i}`);
    return { hash: sha256Hex(bytes), bytes: () => bytes };
  });
  assert.equal(await link.stageObjects(objects.slice(0, 10)), 10);
  assert.equal(await link.stageObjects(objects), 40);
  assert.equal(await link.stageObjects(objects), 0);
  for (const [i, o] of objects.entries()) {
    const path = await link.objectPath(o.hash);
    assert.equal(await Deno.readTextFile(path), `object ${i}`);
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
  }
});
