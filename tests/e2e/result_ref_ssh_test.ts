/**
 * Results stay where they are made: a two-step chain on the REAL local Slurm through a REAL
 * sshd, the first step's result handed on as a ResultRef, moves none of that result's
 * bytes through the driver (counted on the SSH transport); the same chain with plain values
 * moves them both ways. A ref read by a local call is downloaded once.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_helpers/temp.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { sshdTest } from "../_helpers/sshd.ts";
import { remoteProject } from "./_remote_project.ts";

const N = 400_000;
/** The encoded size of `make`'s result is a little over 8 N bytes. */
const RESULT_BYTES = 8 * N;
const EXPECTED = (plus: number) => {
  let s = plus;
  for (let i = 0; i < N; i++) s += (i % 1000) * 0.5;
  return s;
};

interface ChainOutput {
  readonly totals: number[];
  readonly traffic: { readonly uploadedBytes: number; readonly downloadedBytes: number };
  readonly ref?: { readonly system: string; readonly hash: string };
}

async function runChain(
  sshd: Parameters<Parameters<typeof sshdTest>[1]>[0],
  mode: "ref" | "value",
  route: Record<string, unknown>,
): Promise<ChainOutput> {
  await using p = await remoteProject(requireSlurm(), sshd);
  for (const f of ["ref_chain.ts", "ref_chain_steps.ts"]) {
    await Deno.copyFile(`${REPO_ROOT}/tests/e2e/fixtures/${f}`, `${p.path}/${f}`);
  }
  await Deno.writeTextFile(
    `${p.path}/ref_chain_transport.ts`,
    `export { transportFor } from "${REPO_ROOT}/lib/transport/mod.ts";\n`,
  );
  const r = await p.run("ref_chain.ts", { route, env: { MODE: mode, N: String(N) } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChainOutput;
  assert.deepEqual(out.totals, [EXPECTED(1), EXPECTED(2)]);
  return out;
}

const both = {
  "ref_chain_steps.ts::refchain.make": { system: "viassh" },
  "ref_chain_steps.ts::refchain.total": { system: "viassh" },
};

sshdTest(
  "callRef() on a remote chain moves none of the first result's bytes through the driver",
  async (sshd) => {
    const byRef = await runChain(sshd, "ref", both);
    assert.equal(byRef.ref?.system, "viassh");
    assert.ok(
      byRef.traffic.downloadedBytes < RESULT_BYTES / 4,
      `downloaded ${byRef.traffic.downloadedBytes} bytes`,
    );
    assert.ok(
      byRef.traffic.uploadedBytes < RESULT_BYTES,
      `uploaded ${byRef.traffic.uploadedBytes} bytes (bundle and inputs only)`,
    );
    // The control: the same chain by value brings the result down and sends it back up.
    const byValue = await runChain(sshd, "value", both);
    assert.ok(byValue.traffic.downloadedBytes >= RESULT_BYTES);
    assert.ok(byValue.traffic.uploadedBytes >= RESULT_BYTES);
  },
  { ignore: slurm.ignore },
);

sshdTest("a remote ResultRef read by local calls is downloaded once", async (sshd) => {
  const out = await runChain(sshd, "ref", {
    "ref_chain_steps.ts::refchain.make": { system: "viassh" },
  });
  assert.ok(out.traffic.downloadedBytes >= RESULT_BYTES, "the local calls read it");
  assert.ok(
    out.traffic.downloadedBytes < 2 * RESULT_BYTES,
    `downloaded ${out.traffic.downloadedBytes} bytes for two local calls`,
  );
}, { ignore: slurm.ignore });
