import assert from "node:assert/strict";
import {
  parseSshConfig,
  resolveSshTarget,
  safeParseSshConfig,
  SshConfigError,
} from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const LOCAL = { homeDir: "/home/me", localUser: "me" };

async function resolveWith(
  text: string,
  host: string,
  files: Record<string, string> = {},
): Promise<ReturnType<typeof resolveSshTarget>> {
  await using dir = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir.path}/${name}`, content.replaceAll("$DIR", dir.path));
  }
  await Deno.writeTextFile(`${dir.path}/config`, text.replaceAll("$DIR", dir.path));
  return resolveSshTarget(host, { ...LOCAL, configFile: `${dir.path}/config` });
}

Deno.test("resolveSshTarget() parses user@host:port without a config file", () => {
  const opts = { ...LOCAL, configFile: "/nonexistent/config" };
  const t = resolveSshTarget("alice@Login.Example.org:2222", opts);
  assert.equal(t.user, "alice");
  assert.equal(t.hostName, "login.example.org");
  assert.equal(t.port, 2222);
  assert.equal(t.label, "alice@login.example.org:2222");
  assert.deepEqual(t.identityFiles, [
    "/home/me/.ssh/id_rsa",
    "/home/me/.ssh/id_ecdsa",
    "/home/me/.ssh/id_ecdsa_sk",
    "/home/me/.ssh/id_ed25519",
    "/home/me/.ssh/id_ed25519_sk",
    "/home/me/.ssh/id_xmss",
    "/home/me/.ssh/id_dsa",
  ]);
  assert.deepEqual(t.userKnownHostsFiles, [
    "/home/me/.ssh/known_hosts",
    "/home/me/.ssh/known_hosts2",
  ]);
  assert.deepEqual(t.globalKnownHostsFiles, [
    "/etc/ssh/ssh_known_hosts",
    "/etc/ssh/ssh_known_hosts2",
  ]);
  assert.equal(resolveSshTarget("host", opts).label, "me@host:22");
  assert.equal(resolveSshTarget("bob@[::1]:2200", opts).label, "bob@[::1]:2200");
});

Deno.test("resolveSshTarget() rejects host strings that are not alias or user@host[:port]", () => {
  const opts = { ...LOCAL, configFile: "/nonexistent/config" };
  for (const bad of ["", "-oProxyCommand=x", "a b", "h:99999", "h:0", "u@"]) {
    assert.throws(
      () => resolveSshTarget(bad, opts),
      (e) =>
        e instanceof TypeError &&
        /expected an SSH host alias or user@host\[:port\]/.test(e.message),
      bad,
    );
  }
});

Deno.test("resolveSshTarget() takes the first value obtained and accumulates IdentityFile", async () => {
  const t = await resolveWith(
    `
# comment
Host hpc hpc-*
  HostName %h.example.org
  User alice
  IdentityFile ~/.ssh/hpc_%r
Host *
  User nobody
  Port 2222
  IdentityFile "~/keys/all keys"
  UserKnownHostsFile ~/kh1 /etc/kh2
  ServerAliveInterval 15
  ConnectTimeout=7
`,
    "hpc-gpu",
  );
  assert.equal(t.hostName, "hpc-gpu.example.org");
  assert.equal(t.user, "alice");
  assert.equal(t.port, 2222);
  assert.deepEqual(t.identityFiles, ["/home/me/.ssh/hpc_alice", "/home/me/keys/all keys"]);
  assert.deepEqual(t.userKnownHostsFiles, ["/home/me/kh1", "/etc/kh2"]);
  assert.equal(t.serverAliveIntervalMs, 15_000);
  assert.equal(t.connectTimeoutMs, 7_000);
});

Deno.test("resolveSshTarget() lets the command line's user and port win over the config", async () => {
  const t = await resolveWith("Host box\n  User alice\n  Port 2222\n", "bob@box:23");
  assert.equal(t.label, "bob@box:23");
});

Deno.test("resolveSshTarget() honours negated, wildcard and ? patterns case-insensitively", async () => {
  const config = `
Host *.internal !secret.internal
  User internal
Host node?? NODE-x
  User node
Host *
  User other
`;
  assert.equal((await resolveWith(config, "a.internal")).user, "internal");
  assert.equal((await resolveWith(config, "secret.internal")).user, "other");
  assert.equal((await resolveWith(config, "node01")).user, "node");
  assert.equal((await resolveWith(config, "node001")).user, "other");
  assert.equal((await resolveWith(config, "node-X")).user, "node");
});

Deno.test("resolveSshTarget() evaluates Match all/host/originalhost/user/localuser", async () => {
  const t = await resolveWith(
    `
Host short
  HostName long.example.org
Match host long.example.org
  User matched
Match originalhost short user matched localuser me
  IdentityFile ~/id_short
Match all
  Port 2300
`,
    "short",
  );
  assert.equal(t.user, "matched");
  assert.equal(t.port, 2300);
  assert.deepEqual(t.identityFiles, ["/home/me/id_short"]);
});

Deno.test("resolveSshTarget() refuses a Match exec/canonical/final that could apply, naming file and line", async () => {
  for (const criterion of ['exec "true"', "canonical", "final", "localnetwork 10.0.0.0/8"]) {
    const e = await resolveWith(`Host x\n  User a\nMatch ${criterion}\n  Port 2200\n`, "x")
      .catch((e) => e);
    assert.ok(e instanceof SshConfigError, criterion);
    assert.equal(e.line, 3);
    assert.match(
      e.message,
      /config": line 3: Match .* cannot be evaluated by drover and could apply to host "x"/,
    );
  }
  // Excluded by a criterion drover evaluates: no error.
  const t = await resolveWith('Match host other exec "false"\n  Port 2200\n', "x");
  assert.equal(t.port, 22);
});

Deno.test("resolveSshTarget() stops at an unknown keyword unless IgnoreUnknown covers it", async () => {
  const e = await resolveWith("Host other\n  Hostnmae foo\n", "x").catch((e) => e);
  assert.ok(e instanceof SshConfigError);
  assert.match(e.message, /config": line 2: Bad configuration option: hostnmae$/);
  const t = await resolveWith(
    "IgnoreUnknown host*,UseKeychain\nHost x\n  Hostnmae foo\n  UseKeychain yes\n",
    "x",
  );
  assert.equal(t.hostName, "x");
});

Deno.test("resolveSshTarget() matches Host case-sensitively and lowercases HostName", async () => {
  const config = "Host HPC\n  HostName Login.%h.Example.ORG\nHost *\n  User u\n";
  assert.equal((await resolveWith(config, "HPC")).hostName, "login.hpc.example.org");
  assert.equal((await resolveWith(config, "hpc")).hostName, "hpc");
  const e = await resolveWith("Host x\n  HostName a%p\n", "x").catch((e) => e);
  assert.match(e.message, /line 2: HostName may hold only the tokens %h and %% \(got "%p"\)/);
});

Deno.test("resolveSshTarget() lets the first of ProxyJump and ProxyCommand win and reads ssh:// hops", async () => {
  const jump = await resolveWith(
    "Host x\n  ProxyJump ssh://al@jump:2200,j2\n  ProxyCommand nc %h %p\n",
    "x",
  );
  assert.equal(jump.proxyJump, "ssh://al@jump:2200,j2"); // as ssh -G prints it
  assert.equal(jump.proxyCommand, undefined);
  assert.equal(jump.jump?.label, "me@j2:22");
  assert.equal(jump.jump?.jump?.label, "al@jump:2200");
  const command = await resolveWith("Host x\n  ProxyCommand nc %h %p # c\n  ProxyJump j\n", "x");
  assert.equal(command.proxyCommand, "nc %h %p # c");
  assert.equal(command.jump, undefined);
  const none = await resolveWith("Host x\n  ProxyJump none\n  ProxyCommand nc\n", "x");
  assert.equal(none.proxyCommand, "nc");
});

Deno.test("resolveSshTarget() follows Include files, globbed, inside and outside Host blocks", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/conf.d`);
  await Deno.writeTextFile(`${dir.path}/conf.d/b.conf`, "Host box\n  User from-b\n");
  await Deno.writeTextFile(`${dir.path}/conf.d/a.conf`, "Host box\n  HostName from-a\n");
  await Deno.writeTextFile(`${dir.path}/inner`, "User from-inner\nHostKeyAlias alias\n");
  await Deno.writeTextFile(
    `${dir.path}/config`,
    `Host other\n  Include ${dir.path}/inner\nHost box\n  Include ${dir.path}/conf.d/*.conf\n  Port 2000\n`,
  );
  const r = resolveSshTarget("box", { ...LOCAL, configFile: `${dir.path}/config` });
  assert.equal(r.hostName, "from-a");
  assert.equal(r.user, "from-b");
  assert.equal(r.port, 2000); // Host lines of included files do not end the outer block
  assert.equal(r.hostKeyAlias, undefined);
});

Deno.test("resolveSshTarget() resolves ProxyJump hops through the config", async () => {
  const t = await resolveWith(
    `
Host inner
  ProxyJump gw1,me2@gw2:2022
Host gw1
  HostName gateway.example.org
  User gate
`,
    "inner",
  );
  assert.equal(t.jump?.label, "me2@gw2:2022");
  assert.equal(t.jump?.jump?.label, "gate@gateway.example.org:22");
  assert.equal(t.jump?.jump?.jump, undefined);
  const none = await resolveWith("Host *\n  ProxyJump none\n", "x");
  assert.equal(none.jump, undefined);
});

Deno.test("resolveSshTarget() refuses a ProxyJump loop naming the file and line", async () => {
  const e = await resolveWith("Host *\n  ProxyJump bastion\n", "x").catch((e) => e);
  assert.ok(e instanceof SshConfigError);
  assert.equal(e.line, 2);
  assert.match(e.message, /ProxyJump loops or nests deeper than 8 hosts/);
});

Deno.test("parseSshConfig() reports bad values with file and line", () => {
  const cases: [string, RegExp][] = [
    ["Host x\n  Port abc\n", /line 2: Port must be a whole number from 1 to 65535 \(got "abc"\)/],
    ["Port 70000\n", /line 1: Port must be a whole number from 1 to 65535/],
    ["Host\n", /line 1: Host must be one or more host patterns \(got nothing\)/],
    ['IdentityFile "unterminated\n', /line 1: invalid quotes/],
    ["IdentityFile a b\n", /line 1: IdentityFile must be a file name \(got "a b"\)/],
    ["IdentitiesOnly maybe\n", /line 1: IdentitiesOnly must be yes or no/],
    [
      "ServerAliveInterval -1\n",
      /ServerAliveInterval must be a time \(seconds, or 30s, 5m, 1h...\) \(got "-1"\)/,
    ],
    ["Port 0x16\n", /line 1: Port must be a whole number from 1 to 65535 \(got "0x16"\)/],
    [`User ""\n`, /line 1: User: Missing argument/],
  ];
  for (const [text, message] of cases) {
    const result = safeParseSshConfig(text, "/home/me/.ssh/config");
    assert.equal(result.success, false, text);
    if (result.success) continue;
    assert.ok(result.error instanceof SshConfigError);
    assert.match(result.error.message, /^Cannot read SSH config "\/home\/me\/.ssh\/config": /);
    assert.match(result.error.message, message);
    assert.throws(() => parseSshConfig(text, "c"), SshConfigError);
  }
});

Deno.test("parseSshConfig() splits keyword=value, quotes and trailing comments", () => {
  const c = parseSshConfig(
    'Host=a b\nHostName = h # comment\n  IdentityFile "/a b/\\"k\\""\nUnknownKeyword whatever\n\n#x\n',
    "c",
  );
  assert.deepEqual(c.directives.map((d) => [d.keyword, d.args]), [
    ["host", ["a", "b"]],
    ["hostname", ["h"]],
    ["identityfile", ['/a b/"k"']],
    ["unknownkeyword", ["whatever"]],
  ]);
});

Deno.test("resolveSshTarget() reads ~/.ssh/config, then the system config, first value winning", async () => {
  await using dir = await tempDir();
  const home = `${dir.path}/home`;
  await Deno.mkdir(`${home}/.ssh`, { recursive: true });
  await Deno.writeTextFile(`${home}/.ssh/config`, "Host box\n  User fromuser\n  Include part\n");
  await Deno.writeTextFile(`${home}/.ssh/part`, "Port 2001\n");
  await Deno.writeTextFile(
    `${dir.path}/system`,
    "Host *\n  User fromsystem\n  Port 2999\n  HashKnownHosts yes\n  ConnectTimeout 9\n",
  );
  const opts = { homeDir: home, localUser: "me", systemConfigFile: `${dir.path}/system` };
  const t = resolveSshTarget("box", opts);
  assert.equal(t.label, "fromuser@box:2001");
  assert.equal(t.connectTimeoutMs, 9000);
  assert.equal(t.hashKnownHosts, true);
  // A config file given explicitly is read alone, as `ssh -F FILE`.
  const alone = resolveSshTarget("box", { ...opts, configFile: `${home}/.ssh/config` });
  assert.equal(alone.connectTimeoutMs, undefined);
  assert.equal(alone.hashKnownHosts, undefined);
});
