/**
 * Conformance of resolveSshTarget() with OpenSSH itself: every (config, host) pair of the
 * corpus in fixtures/ssh_config_corpus/ is resolved by drover and by `ssh -G -F FILE HOST`
 * of the installed OpenSSH client, and the keywords drover uses are compared. Each corpus
 * file names its hosts on its first line (`# hosts: a b user@c:2222`; `user@` and `:port`
 * are given to ssh as `-l` and `-p`, as drover treats them like the command line).
 *
 * OpenSSH takes `~`, `%d` and `%u` from the password database, not $HOME/$USER, so drover
 * is given the same (os.userInfo()). Ignored when `ssh` is not installed, except under
 * CI=true, where it fails (CI installs Debian's openssh-client).
 */
import assert from "node:assert/strict";
import { userInfo } from "node:os";
import { resolveSshTarget, SshConfigError, type SshTarget } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";
import { sshdTest } from "../_helpers/sshd.ts";

const CORPUS = new URL("./fixtures/ssh_config_corpus/", import.meta.url).pathname;
const KEYWORDS = [
  "hostname",
  "user",
  "port",
  "identityfile",
  "identitiesonly",
  "identityagent",
  "proxyjump",
  "proxycommand",
  "hostkeyalias",
  "userknownhostsfile",
  "globalknownhostsfile",
  "connecttimeout",
  "serveraliveinterval",
  "serveralivecountmax",
] as const;

/**
 * Cases where drover differs from OpenSSH on purpose, with the reason. drover never runs
 * `Match exec` commands: a block it cannot evaluate that could apply is an error.
 */
const DELIBERATE: Record<string, string> = {
  "errors_exec.conf exec-host": "Match exec is not run by drover (an error naming the line)",
  "newer_keywords.conf newer":
    "drover also knows keywords of later OpenSSH releases and Apple's UseKeychain, so a config " +
    "the user's own ssh accepts is not refused; OpenSSH 9.2 refuses them",
  "jump_loop.conf loop1":
    "drover resolves ProxyJump hosts and refuses a loop naming the line; ssh -G only prints it",
  "jump_loop.conf loop2":
    "drover resolves ProxyJump hosts and refuses a loop naming the line; ssh -G only prints it",
};

const hasSsh = await new Deno.Command("ssh", { args: ["-V"], stderr: "null" }).output()
  .then((r) => r.success, () => false);

/** What `ssh -G` says: the keywords, or an error. */
async function openssh(
  file: string | undefined,
  destination: string,
): Promise<Record<string, string>> {
  const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(destination)!;
  const args = [
    "-G",
    ...(file === undefined ? [] : ["-F", file]),
    ...(m[1] ? ["-l", m[1]] : []),
    ...(m[3] ? ["-p", m[3]] : []),
  ];
  const r = await new Deno.Command("ssh", { args: [...args, m[2]], stdin: "null" }).output();
  if (!r.success) return { error: "error" };
  const out: Record<string, string> = {};
  for (const line of new TextDecoder().decode(r.stdout).split("\n")) {
    const space = line.indexOf(" ");
    const key = line.slice(0, space);
    if (!(KEYWORDS as readonly string[]).includes(key)) continue;
    out[key] = out[key] === undefined
      ? line.slice(space + 1)
      : `${out[key]}\n${line.slice(space + 1)}`;
  }
  return out;
}

/** drover's resolution in `ssh -G`'s terms (`file` undefined: the user's and system's). */
function drover(file: string | undefined, destination: string): Record<string, string> {
  const me = userInfo();
  let t: SshTarget;
  try {
    t = resolveSshTarget(destination, {
      ...(file === undefined ? {} : { configFile: file }),
      homeDir: me.homedir,
      localUser: me.username,
    });
  } catch (e) {
    if (e instanceof SshConfigError) return { error: "error" };
    throw e;
  }
  const out: Record<string, string> = {
    hostname: t.hostName,
    user: t.user,
    port: String(t.port),
    identityfile: (t.identityFilesAsWritten ?? []).join("\n"),
    identitiesonly: t.identitiesOnly ? "yes" : "no",
    userknownhostsfile: t.userKnownHostsFiles.join(" ") || "none",
    globalknownhostsfile: t.globalKnownHostsFiles.join(" ") || "none",
    connecttimeout: t.connectTimeoutMs === undefined ? "none" : String(t.connectTimeoutMs / 1000),
    serveraliveinterval: String((t.serverAliveIntervalMs ?? 0) / 1000),
    serveralivecountmax: String(t.serverAliveCountMax ?? 3),
  };
  if (t.identityAgent !== undefined) out.identityagent = t.identityAgent;
  if (t.proxyJump !== undefined) out.proxyjump = t.proxyJump;
  if (t.proxyCommand !== undefined) out.proxycommand = t.proxyCommand;
  if (t.hostKeyAlias !== undefined) out.hostkeyalias = t.hostKeyAlias;
  return out;
}

Deno.test({
  name: "resolveSshTarget() agrees with `ssh -G` on every (config, host) pair of the corpus",
  ignore: !hasSsh && Deno.env.get("CI") !== "true",
  async fn(): Promise<void> {
    if (!hasSsh) throw new Error("CI=true but the OpenSSH client (ssh) is not installed");
    await using dir = await tempDir();
    await Deno.mkdir(`${dir.path}/include.d`);
    for (const entry of Deno.readDirSync(`${CORPUS}/include.d`)) {
      await Deno.copyFile(
        `${CORPUS}/include.d/${entry.name}`,
        `${dir.path}/include.d/${entry.name}`,
      );
    }
    // Relative Include names are read from ~/.ssh: one uniquely named file there, removed
    // afterwards (with ~/.ssh itself when this test made it). Where ~/.ssh cannot be
    // written, include_relative.conf is left out (and said so).
    const sshDir = `${userInfo().homedir}/.ssh`;
    const madeSshDir = await Deno.mkdir(sshDir, { mode: 0o700 }).then(() => true, () => false);
    const rel = `drover-conformance-${crypto.randomUUID()}.conf`;
    const relWritten = await Deno.writeTextFile(`${sshDir}/${rel}`, "User reluser\nPort 2500\n")
      .then(() => true, () => false);
    if (!relWritten) console.warn(`include_relative.conf left out: cannot write ${sshDir}`);
    await using _cleanup = {
      async [Symbol.asyncDispose](): Promise<void> {
        if (relWritten) await Deno.remove(`${sshDir}/${rel}`);
        if (madeSshDir) await Deno.remove(sshDir);
      },
    };
    let compared = 0;
    let deliberateCount = 0;
    const results = new Map<string, Record<string, string>>();
    const differences: string[] = [];
    const names = [...Deno.readDirSync(CORPUS)]
      .filter((e) => e.name.endsWith(".conf") && (relWritten || e.name !== "include_relative.conf"))
      .map((e) => e.name).sort();
    for (const name of names) {
      const text = (await Deno.readTextFile(`${CORPUS}/${name}`)).replaceAll("$DIR", dir.path)
        .replaceAll("$REL", rel);
      const file = `${dir.path}/${name}`;
      await Deno.writeTextFile(file, text);
      const hosts = /^# hosts: (.*)$/m.exec(text)![1].trim().split(/\s+/);
      for (const host of hosts) {
        compared++;
        const want = await openssh(file, host);
        const got = drover(file, host);
        results.set(`${name} ${host}`, got);
        const deliberate = DELIBERATE[`${name} ${host}`];
        if (deliberate) {
          assert.notDeepEqual(got, want, `${name} ${host}: ${deliberate}`);
          deliberateCount++;
        } else if (JSON.stringify(got) !== JSON.stringify(sorted(want, got))) {
          differences.push(
            `${name} ${host}: drover ${JSON.stringify(got)} ssh -G ${JSON.stringify(want)}`,
          );
        }
      }
    }
    console.log(
      `ssh -G conformance: ${compared} cases, ${
        compared - differences.length - deliberateCount
      } agree, ${deliberateCount} differ on purpose`,
    );
    assert.deepEqual(differences, []);
    assert.ok(compared >= 80, `only ${compared} cases`);
    // Spot checks that the corpus exercises what it claims to (agreement alone could be
    // two identical failures or defaults).
    const errors = [...results.values()].filter((r) => r.error).length;
    assert.ok(errors < compared / 4, `${errors} of ${compared} cases are errors`);
    if (relWritten) {
      assert.equal(results.get("include_relative.conf rel1")?.user, "reluser");
      assert.equal(results.get("include_relative.conf rel2")?.port, "2500");
    }
    assert.equal(
      results.get("bastions.conf gpu-node")?.proxyjump,
      "ssh://gate@gw.example.org:2200,bastion",
    );
    assert.equal(results.get("matches.conf SHORT")?.user, "matched");
    assert.equal(results.get("ignore_unknown.conf e1")?.hostname, "e1");
    assert.deepEqual(results.get("ignore_unknown.conf E1"), { error: "error" });
    assert.equal(results.get("crlf.conf crlf1")?.port, "2022");
  },
});

/** `want` in `got`'s key order, for a readable comparison. */
function sorted(want: Record<string, string>, got: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(got)) if (k in want) out[k] = want[k];
  for (const k of Object.keys(want)) if (!(k in out)) out[k] = want[k];
  return out;
}

sshdTest(
  "resolveSshTarget() expands IdentityFile tokens as the ssh client does (its -v identity lines)",
  async (sshd) => {
    await using dir = await tempDir();
    const file = `${dir.path}/config`;
    await Deno.writeTextFile(
      file,
      [
        "Host tokhost TokHost aliased",
        `  HostName ${sshd.host}`,
        `  Port ${sshd.port}`,
        "  UserKnownHostsFile /dev/null",
        "  GlobalKnownHostsFile /dev/null",
        "Host tokhost TokHost",
        "  IdentityFile ~/.ssh/id_%r_%h_%p_%n_%k_%u_%l_%L_%i_%C_%d_${HOME}_%%",
        "  IdentityFile /nonexistent/%h/%r",
        "Host aliased",
        "  HostKeyAlias Key-Alias",
        "  IdentityFile /nonexistent/%k/%n/%C",
        "  User someone",
        "",
      ].join("\n"),
    );
    const me = userInfo();
    let compared = 0;
    for (const destination of ["tokhost", "TokHost", "other@tokhost", "aliased", "x@aliased"]) {
      const m = /^(?:([^@]+)@)?(.+)$/.exec(destination)!;
      const r = await new Deno.Command("ssh", {
        args: [
          "-v",
          "-F",
          file,
          "-o",
          "BatchMode=yes",
          ...(m[1] ? ["-l", m[1]] : []),
          m[2],
          "true",
        ],
        stdin: "null",
      }).output();
      const want = [
        ...new TextDecoder().decode(r.stderr).matchAll(/identity file (.*) type -?\d+/g),
      ]
        .map((x) => x[1]).filter((f) => !f.endsWith("-cert"));
      const t = resolveSshTarget(destination, {
        configFile: file,
        homeDir: me.homedir,
        localUser: me.username,
      });
      assert.deepEqual(t.identityFiles, want, destination);
      compared++;
    }
    console.log(`IdentityFile expansion compared with ssh -v: ${compared} cases agree`);
  },
);

Deno.test({
  name: "resolveSshTarget() reads ~/.ssh/config, then /etc/ssh/ssh_config, as `ssh -G` does",
  ignore: (!hasSsh && Deno.env.get("CI") !== "true") ||
    Deno.env.get("DROVER_SSH_CONFIG") !== undefined,
  fn(): Promise<void> {
    return (async () => {
      for (const host of ["login.example.org", "alice@cluster:2222", "Mixed.Case"]) {
        const want = await openssh(undefined, host);
        const got = drover(undefined, host);
        assert.deepEqual(got, sorted(want, got), host);
      }
    })();
  },
});
