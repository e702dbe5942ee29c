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

Deno.test("SystemLink.warmUp() loads a newly staged bundle once in the background with the element's command, warm-up only", async () => {
  await using dir = await tempDir();
  // The system's Deno: records how it was run, after the warm-up command has returned.
  const fakeDeno = `${dir.path}/deno`;
  const seen = `${dir.path}/seen`;
  await Deno.writeTextFile(
    fakeDeno,
    `#!/bin/sh\nprintf '%s|%s\\n' "$DROVER_WARM_ONLY" "$*" > ${seen}.tmp && mv ${seen}.tmp ${seen}\n`,
  );
  await Deno.chmod(fakeDeno, 0o700);
  const system = {
    name: "here",
    scheduler: "local" as const,
    rundir: `${dir.path}/R`,
    partitions: [],
    header: [],
    setup: [],
    deno: fakeDeno,
    maxJobs: 10,
    pollMs: 100,
  };
  const link = new SystemLink(system, new LocalTransport(), driverFor("local"));
  const bytes = new TextEncoder().encode("a bundle");
  const hash = sha256Hex(bytes);
  assert.deepEqual(await link.stageMissing([{ hash, bytes: () => bytes }]), new Set([hash]));
  assert.deepEqual(await link.stageMissing([{ hash, bytes: () => bytes }]), new Set());
  await link.warmUp(hash);
  let line: string | undefined;
  for (let i = 0; i < 500 && line === undefined; i++) {
    line = await Deno.readTextFile(seen).catch(() => undefined);
    if (line === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(
    line,
    `1|run -A --no-prompt --no-config --no-lock --no-npm --ext=js ${await link.objectPath(hash)}\n`,
  );
});
