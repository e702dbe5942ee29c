/**
 * The remote runtime through a REAL sshd to the REAL local Slurm cluster: the same
 * results as locally, and a run that survives sshd being restarted under it. Each test
 * starts its own sshd (scripts/sshd-up.sh with a private state directory) so restarting
 * it cannot disturb other tests.
 */
import assert from "node:assert/strict";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { remoteProject, routeSquare, type SshTarget, waitUntil } from "./_remote_project.ts";

const inCi = Deno.env.get("CI") === "true";
const hasSshd = await new Deno.Command("sh", { args: ["-c", "test -x /usr/sbin/sshd"] })
  .output().then((o) => o.success, () => false);
if (!hasSshd && !inCi) {
  console.warn(
    "\n!! WARNING: the SSH end-to-end tests are IGNORED: /usr/sbin/sshd is missing; " +
      'run `eval "$(bash scripts/sshd-up.sh)"` once to install it.\n',
  );
}
const ignore = slurm.ignore || (!hasSshd && !inCi);

/** A private sshd for one test. */
interface PrivateSshd extends AsyncDisposable {
  readonly target: SshTarget;
  /** How many logins the server accepted so far. */
  logins(): Promise<number>;
  /** Kills the server and its sessions (dropping every connection), then starts it again on the same port. */
  restart(): Promise<void>;
}

async function privateSshd(): Promise<PrivateSshd> {
  const dir = await tempDir("drover-e2e-sshd-");
  const up = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}/scripts/sshd-up.sh`, dir.path],
    env: { SLURM_CONF: requireSlurm() },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(up.stdout);
  assert.equal(up.code, 0, new TextDecoder().decode(up.stderr));
  const get = (name: string): string =>
    /=(.*)$/.exec(text.split("\n").find((l) => l.includes(`DROVER_TEST_SSH_${name}=`)) ?? "")?.[1]
      ?.replace(/^'|'$/g, "") ?? "";
  const target = {
    host: get("HOST"),
    port: Number(get("PORT")),
    user: get("USER"),
    key: get("KEY"),
    knownHosts: get("KNOWN_HOSTS"),
  };
  const stop = async (): Promise<void> => {
    const pid = (await Deno.readTextFile(`${dir.path}/sshd.pid`).catch(() => "")).trim();
    if (!pid) return;
    await new Deno.Command("sh", {
      args: ["-c", `pkill -KILL -P ${pid}; kill -KILL ${pid}; true`],
    }).output();
    await waitUntil(
      async () => !(await Deno.stat(`/proc/${pid}`).then(() => true, () => false)),
      "sshd to stop",
      10_000,
    );
  };
  return {
    target,
    logins: async () =>
      (await Deno.readTextFile(`${dir.path}/sshd.log`)).split("\n")
        .filter((l) => l.includes("Accepted publickey")).length,
    async restart(): Promise<void> {
      await stop();
      const again = await new Deno.Command("/usr/sbin/sshd", {
        args: ["-f", `${dir.path}/sshd_config`, "-E", `${dir.path}/sshd.log`],
      }).output();
      assert.equal(again.code, 0, "sshd restarts on the same port");
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await stop();
      await dir[Symbol.asyncDispose]();
    },
  };
}

Deno.test({
  name: "examples/remote_relax.ts gives the same results locally and on Slurm through sshd",
  ignore,
  async fn(): Promise<void> {
    await using sshd = await privateSshd();
    await using local = await remoteProject(requireSlurm());
    await using remote = await remoteProject(requireSlurm(), sshd.target);
    const a = await local.run("remote_relax.ts", { args: ["60"] });
    assert.equal(a.code, 0, a.stderr);
    const b = await remote.run("remote_relax.ts", {
      args: ["60"],
      route: { "remote_relax.ts::remote_relax.relax": { system: "viassh", inputsPerJob: 10 } },
    });
    assert.equal(b.code, 0, b.stderr);
    const checksum = (s: string): string | undefined =>
      s.split("\n").find((l) => l.startsWith("checksum"));
    assert.ok(checksum(a.stdout));
    assert.equal(checksum(b.stdout), checksum(a.stdout));
    using store = remote.store();
    const jobs = store.jobs.listJobs();
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].system, "viassh");
    assert.ok(store.listCalls().every((c) => c.location === "viassh"));
  },
});

Deno.test({
  name: "a run survives sshd being restarted under it: reconnects, no extra sbatch, all results",
  ignore,
  async fn(): Promise<void> {
    await using sshd = await privateSshd();
    await using p = await remoteProject(requireSlurm(), sshd.target);
    const child = p.spawn("remote_workflow.ts", {
      route: routeSquare("viassh"),
      env: { N: "40", SLEEP_MS: "500" },
    });
    await waitUntil(() => {
      using store = p.store();
      return store.jobs.listJobs()[0]?.state === "submitted";
    }, "the array to be submitted");
    const loginsBefore = await sshd.logins();
    await sshd.restart();
    const out = await child.output();
    const dec = new TextDecoder();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    assert.deepEqual(
      JSON.parse(dec.decode(out.stdout)).values,
      Array.from({ length: 40 }, (_, x) => x * x),
    );
    using store = p.store();
    assert.equal(store.jobs.listJobs().length, 1, "one job: the drop caused no resubmission");
    assert.ok(await sshd.logins() > loginsBefore, "the driver logged in again after the restart");
  },
});
