/**
 * Conformance of resolveSshTarget() with OpenSSH itself: every (config, host) pair of the
 * corpus in fixtures/ssh_config_corpus/ is resolved by drover and by `ssh -G -F FILE HOST`
 * of the installed OpenSSH client, and the keywords drover uses are compared. Each corpus
 * file names its hosts on its first line (`# hosts: a b user@c:2222`; `user@` and `:port`
 * are given to ssh as `-l` and `-p`, as drover treats them like the command line).
 *
 * OpenSSH takes `~`, `%d` and `%u` from the password database, not $HOME/$USER, so drover
 * is given the same (os.userInfo()). Skipped with a warning when `ssh` is not installed.
 */
import assert from "node:assert/strict";
import { userInfo } from "node:os";
import { resolveSshTarget, SshConfigError, type SshTarget } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

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
};

const hasSsh = await new Deno.Command("ssh", { args: ["-V"], stderr: "null" }).output()
  .then((r) => r.success, () => false);

/** What `ssh -G` says: the keywords, or an error. */
async function openssh(file: string, destination: string): Promise<Record<string, string>> {
  const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(destination)!;
  const args = ["-G", "-F", file, ...(m[1] ? ["-l", m[1]] : []), ...(m[3] ? ["-p", m[3]] : [])];
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

/** drover's resolution in `ssh -G`'s terms. */
function drover(file: string, destination: string): Record<string, string> {
  const me = userInfo();
  let t: SshTarget;
  try {
    t = resolveSshTarget(destination, {
      configFile: file,
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
    userknownhostsfile: t.userKnownHostsFiles.join(" "),
    globalknownhostsfile: t.globalKnownHostsFiles.join(" "),
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
  ignore: !hasSsh,
  async fn() {
    await using dir = await tempDir();
    await Deno.mkdir(`${dir.path}/include.d`);
    for (const entry of Deno.readDirSync(`${CORPUS}/include.d`)) {
      await Deno.copyFile(
        `${CORPUS}/include.d/${entry.name}`,
        `${dir.path}/include.d/${entry.name}`,
      );
    }
    let compared = 0;
    let deliberateCount = 0;
    const differences: string[] = [];
    const names = [...Deno.readDirSync(CORPUS)].filter((e) => e.name.endsWith(".conf"))
      .map((e) => e.name).sort();
    for (const name of names) {
      const text = (await Deno.readTextFile(`${CORPUS}/${name}`)).replaceAll("$DIR", dir.path);
      const file = `${dir.path}/${name}`;
      await Deno.writeTextFile(file, text);
      const hosts = /^# hosts: (.*)$/m.exec(text)![1].trim().split(/\s+/);
      for (const host of hosts) {
        compared++;
        const want = await openssh(file, host);
        const got = drover(file, host);
        const deliberate = DELIBERATE[`${name} ${host}`];
        if (deliberate) {
          assert.deepEqual(got, { error: "error" }, `${name} ${host}: ${deliberate}`);
          assert.notDeepEqual(want, { error: "error" });
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
    assert.ok(compared >= 50, `only ${compared} cases`);
  },
});

/** `want` in `got`'s key order, for a readable comparison. */
function sorted(want: Record<string, string>, got: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(got)) if (k in want) out[k] = want[k];
  for (const k of Object.keys(want)) if (!(k in out)) out[k] = want[k];
  return out;
}
