/**
 * The driver conformance suite again, through the SSH transport to the real sshd on
 * loopback: the local scheduler on the far side, and real Slurm and Grid Engine reached over
 * SSH (the SSH session has no SGE_ROOT: Debian's wrappers find the cell by themselves, as
 * a login node's profile would).
 */
import assert from "node:assert/strict";
import { LOCAL_LIMITS, LocalDriver, SgeDriver, SlurmDriver } from "../../lib/scheduler/mod.ts";
import { SshTransport } from "../../lib/transport/mod.ts";
import { requireSge, sge } from "../_helpers/sge.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { sshdTarget, testSshd } from "../_helpers/sshd.ts";
import { driverConformance, openLocalDriver } from "./_driver_conformance.ts";

const sshd = testSshd();
const ci = Deno.env.get("CI") === "true";
if (!sshd && !ci) {
  console.warn(
    "\nWARNING: scheduler drivers over SSH are IGNORED: DROVER_TEST_SSH_* are not set; " +
      'run `eval "$(bash scripts/sshd-up.sh)"` first\n',
  );
}

function connect(): SshTransport {
  if (!sshd) {
    throw new Error(
      'CI=true but DROVER_TEST_SSH_* are not set; run `eval "$(bash scripts/sshd-up.sh)"`',
    );
  }
  return new SshTransport(sshdTarget(sshd), { systemName: "loopback" });
}

driverConformance({
  label: "local over ssh",
  ignore: !sshd && !ci,
  limits: LOCAL_LIMITS,
  timeoutMs: 20_000,
  open: () => openLocalDriver(connect()),
});

driverConformance({
  label: "slurm over ssh",
  ignore: (!sshd && !ci) || slurm.ignore,
  limits: { maxArraySize: 1001, maxJobCount: 10_000 },
  timeoutMs: 60_000,
  open: () => {
    requireSlurm();
    const transport = connect();
    return Promise.resolve({
      driver: new SlurmDriver(),
      transport,
      close: () => transport.close(),
    });
  },
});

driverConformance({
  label: "sge over ssh",
  ignore: (!sshd && !ci) || sge.ignore,
  limits: { maxArraySize: 1001, maxJobCount: 10_000 },
  timeoutMs: 60_000,
  listsEnded: false,
  open: () => {
    requireSge();
    const transport = connect();
    return Promise.resolve({ driver: new SgeDriver(), transport, close: () => transport.close() });
  },
});

Deno.test({
  name: "LocalDriver over ssh: a job outlives the SSH connection that submitted it",
  ignore: !sshd && !ci,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "drover-local-ssh-" });
    const driver = new LocalDriver({ registry: `${dir}/registry` });
    try {
      const first = connect();
      await first.writeFiles([{
        path: `${dir}/job.sh`,
        data: new TextEncoder().encode(
          driver.render({ name: "outlives-ssh", body: ["sleep 0.5", `touch ${dir}/survived`] }),
        ),
      }]);
      const id = await driver.submit(first, `${dir}/job.sh`);
      await first.close();
      const second = connect();
      try {
        const until = Date.now() + 20_000;
        let state: string | undefined;
        while (Date.now() < until) {
          const job = (await driver.status(second)).get("outlives-ssh");
          assert.equal(job?.id, id);
          state = job?.elements.get(0)?.state;
          if (state !== "PENDING" && state !== "RUNNING") break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal(state, "COMPLETED");
        assert.equal((await Deno.stat(`${dir}/survived`)).isFile, true);
      } finally {
        await second.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
