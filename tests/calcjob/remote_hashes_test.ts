/**
 * remoteSha256s() and listOutputs() against this machine and, through the SSH transport,
 * against the real sshd on loopback (the same files seen from the far side).
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { sha256Hex } from "../../lib/codec/mod.ts";
import { listOutputs, remoteSha256s } from "../../lib/calcjob/mod.ts";
import { LocalTransport, SshTransport, type Transport } from "../../lib/transport/mod.ts";
import { sshdTarget, sshdTest } from "../_helpers/sshd.ts";

const enc = new TextEncoder();

async function check(transport: Transport): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-remote-hashes-" }));
  try {
    const files: Record<string, string> = {
      "out.txt": "Hello world!\n",
      "a b\nc.txt": "odd name",
      "output/x.json": "{}",
      "output/deep/y.json": "[]",
      "job.sh": "echo",
      "empty.txt": "",
    };
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(dirname(`${dir}/${path}`), { recursive: true });
      await Deno.writeTextFile(`${dir}/${path}`, text);
    }
    const sha = (path: string): string => sha256Hex(enc.encode(files[path]));
    const sums = await remoteSha256s(transport, [
      `${dir}/out.txt`,
      `${dir}/a b\nc.txt`,
      `${dir}/nope`,
      `${dir}/output`,
    ]);
    assert.deepEqual(
      Object.fromEntries(sums),
      { [`${dir}/out.txt`]: sha("out.txt"), [`${dir}/a b\nc.txt`]: sha("a b\nc.txt") },
    );
    assert.deepEqual(await remoteSha256s(transport, []), new Map());
    const listed = await listOutputs(transport, dir, ["**/*", "*.txt", "output/*.json"]);
    assert.deepEqual(
      listed,
      ["a b\nc.txt", "empty.txt", "out.txt", "output/deep/y.json", "output/x.json"]
        .map((path) => ({ path, sha256: sha(path) })),
    );
    assert.deepEqual(await listOutputs(transport, dir, ["*.none"]), []);
    await assert.rejects(
      listOutputs(transport, `${dir}/missing`, ["*"]),
      /Cannot list the outputs/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("remoteSha256s() and listOutputs() hash many files in one command here", async () => {
  await using t = new LocalTransport();
  await check(t);
});

sshdTest("remoteSha256s() and listOutputs() hash many files in one command over SSH", async (s) => {
  await using t = new SshTransport(sshdTarget(s), { systemName: "loopback" });
  await check(t);
});
