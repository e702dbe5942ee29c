import assert from "node:assert/strict";
import {
  type CallLogRecord,
  encodeCallLog,
  inlineRecord,
  jobLayout,
  readMarkers,
  SystemLink,
} from "../../lib/runtime/mod.ts";
import { LocalDriver } from "../../lib/scheduler/mod.ts";
import { parseSystemsConfig } from "../../lib/systems/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const key = (c: string) => c.repeat(64);
const failed = (k: string): CallLogRecord => ({
  key: k,
  ok: false,
  error: { name: "RangeError", message: "no\nway \u0001" },
  startedAt: 1,
  endedAt: 2,
});

Deno.test("readMarkers() reads every call log of every job in the one listing command, ignoring torn tails", async () => {
  await using dir = await tempDir();
  const { systems } = parseSystemsConfig(
    `systems:\n  here: { scheduler: local, rundir: "${dir.path}/runs" }\n`,
    "drover.yaml",
  );
  const transport = new LocalTransport();
  let execs = 0;
  const counting = Object.assign(Object.create(transport), {
    exec: (...args: Parameters<LocalTransport["exec"]>) => (execs++, transport.exec(...args)),
  });
  const link = new SystemLink(systems.here, counting, new LocalDriver());
  const layout = jobLayout(`${dir.path}/runs`);
  const a = layout.job("dr-a-1"), b = layout.job("dr-b-2");
  for (const d of [a, b]) await Deno.mkdir(`${d.dir}/out`, { recursive: true });
  await Deno.mkdir(`${a.dir}/el`);
  await Deno.writeTextFile(a.exit(0), "0\n");
  const big = new Uint8Array(70_000).fill(7);
  const done = inlineRecord(key("1"), new Uint8Array([1, 2, 3]), { startedAt: 1, endedAt: 2 });
  // Job a, element 0: a failure then success of call 1, and call 2 done with a large result.
  await Deno.writeFile(
    a.callLog(0),
    encodeCallLog([
      failed(key("1")),
      done,
      inlineRecord(key("2"), big, { startedAt: 3, endedAt: 4 }),
    ]),
  );
  // Element 1: call 3 failed, then a torn line for call 4.
  const torn = encodeCallLog([failed(key("4"))]);
  await Deno.writeFile(
    a.callLog(1),
    new Uint8Array([...encodeCallLog([failed(key("3"))]), ...torn.slice(0, torn.length - 9)]),
  );
  await Deno.writeFile(b.callLog(0), new Uint8Array());
  await Deno.writeFile(b.callLog(3), encodeCallLog([failed(key("5"))]));

  const markers = await readMarkers(link, ["dr-a-1", "dr-b-2", "dr-none-3"]);
  assert.equal(execs, 1);
  const ma = markers.get("dr-a-1")!;
  assert.deepEqual(ma.exits, new Map([[0, 0]]));
  assert.deepEqual([...ma.outcomes].sort(), [key("1"), key("2"), key("3")]);
  assert.deepEqual(ma.logged?.get(key("1")), done);
  const large = ma.logged?.get(key("2"));
  assert.ok(large?.ok && large.inline === undefined && large.size === 70_000);
  assert.deepEqual(ma.logged?.get(key("3")), failed(key("3")));
  assert.deepEqual([...markers.get("dr-b-2")!.outcomes], [key("5")]);
  assert.equal(markers.has("dr-none-3"), false);
});
