import assert from "node:assert/strict";
// @ts-types="../../lib/transport/_ssh2.d.ts"
import { utils } from "ssh2";
import { tempDir } from "../_helpers/temp.ts";
import { type BackoffClock, SshTransport, TransportError } from "../../lib/transport/mod.ts";

/** A clock whose sleeps return at once and are recorded. */
class FakeClock implements BackoffClock {
  now_ = 1_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.now_;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.now_ += ms;
    return Promise.resolve();
  }
}

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("SshTransport waits longer between failed connection attempts, up to the maximum", async () => {
  const port = closedPort();
  const clock = new FakeClock();
  await using dir = await tempDir();
  const key = `${dir.path}/id_ed25519`;
  await Deno.writeTextFile(key, utils.generateKeyPairSync("ed25519").private);
  await using t = new SshTransport({
    destination: `me@127.0.0.1:${port}`,
    alias: "127.0.0.1",
    hostName: "127.0.0.1",
    user: "me",
    port,
    label: `me@127.0.0.1:${port}`,
    identitiesOnly: true,
    identityAgent: "none",
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    notes: [],
    identityFiles: [key],
  }, { clock, backoffInitialMs: 200, backoffMaxMs: 1000 });
  for (let i = 0; i < 5; i++) {
    await assert.rejects(
      t.exec("true"),
      (e) => e instanceof TransportError && e.failure === "connect" && e.retryable,
    );
  }
  assert.deepEqual(clock.sleeps, [200, 400, 800, 1000]);
});
