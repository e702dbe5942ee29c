/**
 * `systems trust` and `systems check` against the real test sshd (see
 * tests/_helpers/sshd.ts; ignored with a warning when it is not configured).
 */
import assert from "node:assert/strict";
import { runCli } from "./_fixture.ts";
import { localProject } from "./_local_system.ts";
import { sshdTest, type TestSshd } from "../_helpers/sshd.ts";

/** A real RSA public key (any will do: the test sshd has only an ed25519 key). */
const RSA_KEY =
  "AAAAB3NzaC1yc2EAAAADAQABAAAAgQCf4LOETQyAt3uVzmozN9qmbhLuhz0QgVC0K6YdHm8GTjpZg6vDRVxzKMGZyj88y5yeMUB5NKlVu8Y9k5Cy7BqKyYv73aAyfSiUAyVJFSRiDGcZz3Q69RaolOqtxtKUYwMMYYFrYzKl/v8gBXQ8jNVJUxmH906P51z7wx7tHlslZw==";

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
    assert.match(
      r.stderr,
      /^drover: Cannot trust system "cluster": .*has CHANGED: known_hosts has ssh-ed25519 SHA256:\S+ \(.*known_hosts:1\); the server shows ssh-ed25519 SHA256:\S+\. .*drover systems trust cluster --replace/,
    );
    assert.equal(await Deno.readTextFile(knownHosts), line);
    // A host known only under another key type has CHANGED too (OpenSSH refuses it).
    const rsa = `[${sshd.host}]:${sshd.port} ssh-rsa ${RSA_KEY}\n`;
    await Deno.writeTextFile(knownHosts, rsa);
    const otherType = await runCli(["systems", "trust", "cluster"], p.dir, { env });
    assert.equal(otherType.code, 1);
    assert.match(otherType.stderr, /has CHANGED: known_hosts has ssh-rsa SHA256:/);
    assert.equal(await Deno.readTextFile(knownHosts), rsa);
    const replaced = await runCli(["systems", "trust", "cluster", "--replace"], p.dir, { env });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(
      replaced.stdout,
      /^Replaced the ssh-rsa key SHA256:\S+ \(<TMP>\/known_hosts:1\)\nAdded the ssh-ed25519 host key of .*\nFingerprint: SHA256:/,
    );
    assert.match(await Deno.readTextFile(knownHosts), /^\[127\.0\.0\.1\]:\d+ ssh-ed25519 \S+\n$/);
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
