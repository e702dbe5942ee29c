/**
 * `systems trust` and `systems check` against the real test sshd (see
 * tests/_helpers/sshd.ts; ignored with a warning when it is not configured).
 */
import assert from "node:assert/strict";
import { runCli } from "./_fixture.ts";
import { localProject } from "./_local_system.ts";
import { sshdTest, type TestSshd } from "../_helpers/sshd.ts";

/** An SSH config for alias `cluster` with its own (empty unless given) known_hosts file. */
async function sshConfig(dir: string, sshd: TestSshd, knownHosts: string): Promise<string> {
  const path = `${dir}/ssh_config`;
  await Deno.writeTextFile(
    path,
    [
      "Host cluster",
      `  HostName ${sshd.host}`,
      `  Port ${sshd.port}`,
      `  User ${sshd.user}`,
      `  IdentityFile "${sshd.key}"`,
      "  IdentitiesOnly yes",
      "  IdentityAgent none",
      `  UserKnownHostsFile "${knownHosts}"`,
      "  GlobalKnownHostsFile none",
      "",
    ].join("\n"),
  );
  return path;
}

sshdTest(
  "main() adds the host key and prints its fingerprint when running systems trust",
  async (sshd) => {
    await using p = await localProject(["cluster:", "  scheduler: local", "  host: cluster"]);
    const knownHosts = `${p.dir}/known_hosts`;
    const env = { DROVER_SSH_CONFIG: await sshConfig(p.dir, sshd, knownHosts) };

    const before = await runCli(["systems", "check", "cluster"], p.dir, { env });
    assert.equal(before.code, 1);
    assert.match(before.stdout, /FAIL {2}reachable .*drover systems trust cluster/);

    const r = await runCli(["systems", "trust", "cluster"], p.dir, { env });
    assert.equal(r.code, 0, r.stderr);
    const target = `${sshd.user}@${sshd.host}:${sshd.port}`;
    assert.match(
      r.stdout,
      new RegExp(
        `^Added the ssh-ed25519 host key of ${
          target.replaceAll(".", "\\.")
        } to <TMP>/known_hosts\nFingerprint: SHA256:[A-Za-z0-9+/]{43}\n`,
      ),
    );
    const fingerprint = r.stdout.match(/SHA256:\S+/)![0];
    assert.match(await Deno.readTextFile(knownHosts), /^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);

    const again = await runCli(["systems", "trust", "cluster", "--json"], p.dir, { env });
    assert.equal(again.code, 0, again.stderr);
    const json = JSON.parse(again.stdout);
    assert.equal(json.added, false);
    assert.equal(json.fingerprint, fingerprint);
  },
);

sshdTest(
  "main() exits 1 without changing known_hosts when the recorded key differs",
  async (sshd) => {
    await using p = await localProject(["cluster:", "  scheduler: local", "  host: cluster"]);
    const knownHosts = `${p.dir}/known_hosts`;
    const other = "AAAAC3NzaC1lZDI1NTE5AAAAIDqX1lS5b3Jq4lJ9ckG2m6A5YHc7Jb2S1Q6lHqU8xXyZ";
    const line = `[${sshd.host}]:${sshd.port} ssh-ed25519 ${other}\n`;
    await Deno.writeTextFile(knownHosts, line);
    const env = { DROVER_SSH_CONFIG: await sshConfig(p.dir, sshd, knownHosts) };
    const r = await runCli(["systems", "trust", "cluster"], p.dir, { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^drover: Cannot trust system "cluster": .*differs/);
    assert.equal(await Deno.readTextFile(knownHosts), line);
  },
);

sshdTest(
  "main() checks a system over SSH, the upload of Deno included, when running systems check",
  async (sshd) => {
    await using p = await localProject([
      "cluster:",
      "  scheduler: local",
      "  host: cluster",
      "  rundir: RUNDIR",
    ]);
    const rundir = `${p.dir}/remote-runs`;
    const yaml = await Deno.readTextFile(`${p.dir}/drover.yaml`);
    await Deno.writeTextFile(`${p.dir}/drover.yaml`, yaml.replace("RUNDIR", rundir));
    const env = { DROVER_SSH_CONFIG: await sshConfig(p.dir, sshd, sshd.knownHosts) };
    const r = await runCli(["systems", "check", "cluster", "--json"], p.dir, { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const checks = JSON.parse(r.stdout).checks.slice(1);
    assert.equal(JSON.parse(r.stdout).checks[0].name, "config");
    assert.equal(checks[0].detail, `${sshd.user}@${sshd.host}:${sshd.port}`);
    assert.match(checks[2].detail, /^upload: <TMP>\/remote-runs\/bin runs programs and has room/);
    assert.equal(checks[3].detail, "<TMP>/remote-runs is writable");
    const left = [...Deno.readDirSync(rundir)].map((e) => e.name);
    assert.deepEqual(left, ["bin"], "the probes are removed");
    assert.deepEqual([...Deno.readDirSync(`${rundir}/bin`)], []);
  },
);
