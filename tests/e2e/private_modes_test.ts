/**
 * What drover leaves on a cluster is private: over SSH, with the login's umask 022, every
 * directory it creates is 0700 and every file 0600 (0700 for scripts), results and logs
 * included, so a route's secrets in `env` never sit in a world-readable job script.
 */
import assert from "node:assert/strict";
import { requireSlurm } from "../_helpers/slurm.ts";
import { sshdTest } from "../_helpers/sshd.ts";
import { remoteProject } from "./_remote_project.ts";

sshdTest(
  "files drover leaves on a system over SSH are private whatever the login's umask",
  async (sshd) => {
    await using p = await remoteProject(requireSlurm(), {
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      key: sshd.key,
      knownHosts: sshd.knownHosts,
    });
    // The login shell's umask, as sshd gives it: drover must not rely on it.
    const dec = new TextDecoder();
    const r = await p.run("remote_workflow.ts", {
      route: {
        "remote_workflow.ts::e2e.square": {
          system: "viassh",
          inputsPerJob: 2,
          env: { API_TOKEN: "s3cret" },
        },
      },
      env: { N: "4" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).values, [0, 1, 4, 9]);
    const root = `${p.path}/ssh-runs`;
    const open = await new Deno.Command("find", {
      args: [root, "-perm", "/077", "-printf", "%m %p\\n"],
      stdout: "piped",
    }).output();
    assert.equal(dec.decode(open.stdout), "", "nothing group- or world-accessible");
    const script = await new Deno.Command("sh", {
      args: ["-c", `stat -c %a ${root}/jobs/*/job.sh`],
      stdout: "piped",
    }).output();
    assert.equal(dec.decode(script.stdout).trim(), "700");
    const kinds = await new Deno.Command("sh", {
      args: [
        "-c",
        `cd ${root} && ls -d objects/* jobs/*/out/*.log jobs/*/in/*.bin jobs/*/log/*.out | wc -l`,
      ],
      stdout: "piped",
    }).output();
    assert.ok(
      Number(dec.decode(kinds.stdout).trim()) > 3,
      "objects, outcomes and logs were checked",
    );
  },
);

sshdTest(
  "a system with access: group leaves group-readable files and nothing for others",
  async (sshd) => {
    await using p = await remoteProject(requireSlurm(), {
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      key: sshd.key,
      knownHosts: sshd.knownHosts,
    });
    const config = await Deno.readTextFile(`${p.path}/drover.yaml`);
    const shared = config.replace(/(viassh: \{[^}]*)\}/, "$1, access: group }");
    assert.notEqual(shared, config);
    await Deno.writeTextFile(`${p.path}/drover.yaml`, shared);
    const r = await p.run("remote_workflow.ts", {
      route: { "remote_workflow.ts::e2e.square": { system: "viassh", inputsPerJob: 2 } },
      env: { N: "4" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).values, [0, 1, 4, 9]);
    const dec = new TextDecoder();
    const find = async (...args: string[]) =>
      dec.decode(
        (await new Deno.Command("find", {
          args: [`${p.path}/ssh-runs`, "-mindepth", "1", ...args, "-printf", "%m %p\\n"],
          stdout: "piped",
        }).output()).stdout,
      );
    assert.equal(await find("-perm", "/007"), "", "nothing world-accessible");
    const dirs = (await find("-type", "d")).trim().split("\n");
    assert.ok(dirs.length > 3);
    assert.deepEqual(dirs.filter((l) => !l.startsWith("750 ")), [], "directories are 0750");
    const files = (await find("-type", "f", "-path", "*/jobs/*")).trim().split("\n");
    assert.ok(files.some((l) => l.endsWith(".log")), "call logs were checked");
    assert.deepEqual(
      files.filter((l) => !/^(640|750) /.test(l)),
      [],
      "files are group-readable (0640, scripts 0750)",
    );
  },
);
