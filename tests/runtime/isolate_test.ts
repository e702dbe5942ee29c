import assert from "node:assert/strict";
import { IsolateCrashedError, openSession, StepFailedError, useSession } from "../../mod.ts";
import { crash, fails, typed, workerPid } from "./fixtures/isolate_steps.ts";
import { tempDir } from "../_helpers/temp.ts";

Deno.test("isolate: a step runs in a worker process and is cached", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, isolateWorkers: 2 });
  const prev = useSession(session);
  try {
    const pid = await workerPid({ n: 1 });
    assert.notEqual(pid, Deno.pid);
    assert.equal(await workerPid({ n: 1 }), pid);
    assert.equal((session.flush(), session.store).listCalls()[0].location, "local:isolate");
    const doubled = await typed({ v: new Float64Array([1, 2.5]) });
    assert.ok(doubled instanceof Float64Array);
    assert.deepEqual([...doubled], [2, 5]);
  } finally {
    useSession(prev);
  }
});

Deno.test("isolate: a crashing call cannot take the driver down", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, isolateWorkers: 1 });
  const prev = useSession(session);
  try {
    await assert.rejects(
      () => crash({ code: 3 }),
      (e: unknown) =>
        e instanceof StepFailedError && e.reason === "crashed" &&
        e.cause instanceof IsolateCrashedError && e.cause.exitCode === 3 &&
        /about to crash/.test(e.cause.stderr),
    );
    // The call's own exit is its outcome: stored as crashed, not retried by itself.
    const [row] = session.store.listCalls();
    assert.equal(row.state, "failed");
    assert.deepEqual(row.failure, {
      reason: "crashed",
      retryable: false,
      retryState: "non-retryable",
    });
    // The pool replaces the dead worker.
    assert.equal(typeof await workerPid({ n: 2 }), "number");
  } finally {
    useSession(prev);
  }
});

Deno.test("isolate: an exception in user code is stored and rethrown", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, isolateWorkers: 1 });
  const prev = useSession(session);
  try {
    await assert.rejects(
      () => fails({ n: 1 }),
      (e: unknown) =>
        e instanceof StepFailedError && e.name === "RangeError" &&
        e.message === "isolated failure",
    );
    assert.equal((session.flush(), session.store).listCalls({ states: ["failed"] }).length, 1);
  } finally {
    useSession(prev);
  }
});
