/**
 * Faults of the cluster side, each caused on the real component: slurmctld restarted under
 * a run, kill -9 of the driver during a slow sbatch, an SSH host that refuses or does not
 * answer, a result object damaged on the system, gc while a job is staged.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_helpers/temp.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { remoteProject, routeSquare, waitUntil } from "../e2e/_remote_project.ts";

const squares = (n: number): number[] => Array.from({ length: n }, (_, x) => x * x);
const dec = new TextDecoder();

function lines(file: string): string[] {
  try {
    return Deno.readTextFileSync(file).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

Deno.test({
  name: "slurmctld restarted for 5 s under a run: no call fails, nothing is submitted twice",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    const route = routeSquare("slurm", { inputsPerJob: 10 });
    const child = p.spawn("remote_workflow.ts", { route, env: { N: "40", SLEEP_MS: "300" } });
    await waitUntil(() => {
      using store = p.store();
      return store.jobs.listJobs().some((j) => j.schedulerId !== null);
    }, "the array to be submitted");
    const pidFile = `${new URL(".", `file://${requireSlurm()}`).pathname}run/slurmctld.pid`;
    const pid = Number(Deno.readTextFileSync(pidFile).trim());
    Deno.kill(pid, "SIGTERM");
    await waitUntil(() => {
      try {
        Deno.statSync(`/proc/${pid}`);
        return false;
      } catch {
        return true;
      }
    }, "slurmctld to stop");
    // The fault lasts 5 s of wall time: the driver polls into a dead controller meanwhile.
    await new Promise((r) => setTimeout(r, 5000));
    const up = await new Deno.Command("bash", {
      args: [`${REPO_ROOT}/scripts/slurm-up.sh`],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(up.code, 0, dec.decode(up.stderr));
    const out = await child.output();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    const result = JSON.parse(dec.decode(out.stdout));
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.values, squares(40));
    assert.equal(p.sbatchCalls().length, 1);
    assert.match(dec.decode(out.stderr), /scheduler|unreachable|Unable to contact/i);
  },
});

Deno.test({
  name: "kill -9 of the driver during a slow sbatch, then an immediate rerun: one submission",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    // The shim logs, then takes 2 s before handing over to the real sbatch.
    const shim = `${p.path}/bin/sbatch`;
    const text = Deno.readTextFileSync(shim).replace("\nexec ", "\nsleep 2\nexec ");
    Deno.writeTextFileSync(shim, text);
    const route = routeSquare("slurm");
    const first = p.spawn("remote_workflow.ts", { route, env: { N: "20" } });
    await waitUntil(() => p.sbatchCalls().length > 0, "sbatch to start");
    first.kill("SIGKILL");
    await first.output();
    const rerun = await p.run("remote_workflow.ts", { route, env: { N: "20" } });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(JSON.parse(rerun.stdout).values, squares(20));
    assert.equal(p.sbatchCalls().length, 1, "the rerun waited for the submission in flight");
    using store = p.store();
    assert.equal(store.jobs.listJobs().length, 1);
  },
});

Deno.test("an SSH host that refuses, or never answers, fails the calls with one clear error after the limit", async () => {
  await using p = await remoteProject("");
  // A port that answers TCP but never speaks SSH, and a closed one.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const c of silent) held.push(c);
    } catch {
      // closed
    }
  })();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = closed.addr.port;
  closed.close();
  const key = `${p.path}/id_ed25519`;
  const kg = await new Deno.Command("ssh-keygen", {
    args: ["-q", "-t", "ed25519", "-N", "", "-f", key],
  }).output();
  assert.equal(kg.code, 0);
  try {
    for (const [name, port] of [["silent", silent.addr.port], ["refusing", closedPort]] as const) {
      await Deno.writeTextFile(
        `${p.path}/drover.yaml`,
        `systems:\n  far: { host: far-${name}, scheduler: slurm, rundir: /tmp/drover-nowhere, pollMs: 100 }\n`,
      );
      await Deno.writeTextFile(
        `${p.path}/ssh_config`,
        `Host far-${name}\n  HostName 127.0.0.1\n  Port ${port}\n  User nobody\n  IdentityFile ${key}\n  ConnectTimeout 1\n`,
      );
      const started = Date.now();
      const r = await p.run("remote_workflow.ts", {
        route: routeSquare("far"),
        env: {
          N: "3",
          UNREACHABLE_MS: "3000",
          DROVER_SSH_CONFIG: `${p.path}/ssh_config`,
          DROVER_PROGRESS: "plain",
        },
      });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.failures.length, 3, r.stdout);
      assert.ok(out.failures.every((f: { reason: string }) => f.reason === "lost"), r.stdout);
      assert.match(out.failures[0].message, /system "far" could not be reached for \d+ s/);
      assert.match(r.stderr, /far/);
      assert.ok(Date.now() - started < 60_000, "bounded: no silent hang");
    }
  } finally {
    silent.close();
    for (const c of held) c.close();
    await accepting;
  }
});

Deno.test("a small result damaged on the system after it was gathered is never read again: it came intact with its outcome", async () => {
  await using p = await remoteProject("");
  const route = routeSquare("here", { inputsPerJob: 5 });
  const env = { N: "5", COUNT_FILE: `${p.path}/count.txt` };
  // First run: crash right after the outcomes are gathered, before any result is read.
  const crashed = await p.run("remote_workflow.ts", {
    route,
    env: { ...env, DROVER_CRASH_AT: "after-gather" },
  });
  assert.notEqual(crashed.code, 0);
  using store = p.store();
  const calls = store.listCalls({ states: ["done"] });
  assert.ok(calls.length >= 1, "some calls were decided before the crash");
  const victim = calls[0];
  // The element's call log carried the result inline (checked against its hash).
  assert.ok(store.objects.get(victim.resultRef!), "gathered with its outcome");
  const file = `${p.path}/local-runs/objects/${victim.resultRef!.slice(0, 2)}/${victim.resultRef}`;
  const bytes = Deno.readFileSync(file);
  bytes[bytes.length - 1] ^= 0xff; // same size, other content
  Deno.writeFileSync(file, bytes);
  const rerun = await p.run("remote_workflow.ts", { route, env });
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(JSON.parse(rerun.stdout).values, squares(5));
  // Every call ran once: the damaged copy on the system was not needed.
  const runs = lines(`${p.path}/count.txt`);
  assert.equal(runs.length, 5, runs.join(","));
  const again = store.getCall(victim.key)!;
  assert.equal(again.state, "done");
  assert.ok(store.objects.get(again.resultRef!), "the store points at an intact result");
});

Deno.test("gc while a job is recorded but not submitted keeps what the job needs", async () => {
  await using p = await remoteProject("");
  const route = routeSquare("here", { inputsPerJob: 5 });
  const crashed = await p.run("remote_workflow.ts", {
    route,
    env: { N: "5", DROVER_CRASH_AT: "before-submit" },
  });
  assert.notEqual(crashed.code, 0);
  const gc = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}/cli.ts`, "gc", "--yes"],
    cwd: p.path,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(gc.code, 0, dec.decode(gc.stderr));
  const rerun = await p.run("remote_workflow.ts", { route, env: { N: "5" } });
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(JSON.parse(rerun.stdout).values, squares(5));
  using store = p.store();
  assert.equal(store.jobs.listJobs().length, 1, "the staged job was submitted, not a second one");
});

Deno.test({
  name: "a job the scheduler holds pending shows the scheduler's reason in progress and jobs ls",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    await Deno.writeTextFile(
      `${p.path}/drover.yaml`,
      `systems:\n  slurm: { scheduler: slurm, rundir: ${p.path}/runs, pollMs: 50, header: ["#SBATCH --begin=now+1hour"] }\n`,
    );
    const child = p.spawn("remote_workflow.ts", {
      route: routeSquare("slurm"),
      env: { N: "2", DROVER_PROGRESS: "plain" },
    });
    await waitUntil(() => {
      using store = p.store();
      return store.jobs.listJobs().some((j) => j.pendingReason === "BeginTime");
    }, "the pending reason to be recorded");
    const ls = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO_ROOT}/cli.ts`, "jobs", "ls"],
      cwd: p.path,
      env: { ...p.env, NO_COLOR: "1" },
      stdout: "piped",
    }).output();
    assert.match(dec.decode(ls.stdout), /submitted \(BeginTime\)/);
    child.kill("SIGKILL");
    const out = await child.output();
    assert.match(dec.decode(out.stderr), /BeginTime/);
  },
});
