import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  closeAllTransports,
  hashKnownHostName,
  parseKnownHosts,
  resolveSshTarget,
  type SshEvent,
  SshTransport,
  TransportError,
  transportFor,
  trustHost,
} from "../../lib/transport/mod.ts";
import { sshdTarget, sshdTest, type TestSshd, writeSshConfig } from "../_helpers/sshd.ts";
import { tempDir } from "../_helpers/temp.ts";

const dec = new TextDecoder();

/** The server's host key line from the known_hosts the script wrote. */
async function serverKeyLine(sshd: TestSshd): Promise<{ type: string; base64: string }> {
  const [entry] = parseKnownHosts(await Deno.readTextFile(sshd.knownHosts), sshd.knownHosts);
  const line = (await Deno.readTextFile(sshd.knownHosts)).trim().split(/\s+/);
  return { type: entry.keyType, base64: line[2] };
}

/** A random ed25519 public key blob, base64. */
function randomEd25519(): string {
  const name = new TextEncoder().encode("ssh-ed25519");
  const blob = new Uint8Array(4 + name.length + 4 + 32);
  const view = new DataView(blob.buffer);
  view.setUint32(0, name.length);
  blob.set(name, 4);
  view.setUint32(4 + name.length, 32);
  crypto.getRandomValues(blob.subarray(8 + name.length));
  return btoa(String.fromCharCode(...blob));
}

/** The pid of the sshd process serving a transport's connection. */
async function sessionProcess(t: SshTransport): Promise<number> {
  const shell = Number(dec.decode((await t.exec("echo $PPID")).stdout));
  const status = await Deno.readTextFile(`/proc/${shell}/status`);
  const pid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
  assert.match(await Deno.readTextFile(`/proc/${pid}/cmdline`), /^sshd/);
  return pid;
}

function failsWith(failure: string, text?: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof TransportError, `expected a TransportError, got ${e}`);
    assert.equal(e.failure, failure, e.message);
    if (text) assert.match(e.message, text);
    return true;
  };
}

sshdTest("SshTransport.exec() refuses an unknown host key with host-key-unknown", async (sshd) => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/kh`, "# only junk\nhost-without-key\n");
  await using t = new SshTransport(sshdTarget(sshd, { userKnownHostsFiles: [`${dir.path}/kh`] }), {
    systemName: "cluster",
  });
  await assert.rejects(
    t.exec("true"),
    failsWith(
      "host-key-unknown",
      /is not in .*kh; if you trust it, run `drover systems trust cluster`; lines ignored \(as OpenSSH ignores them\): .*kh:2 \(expected host names, a key type and a base64 key\)$/,
    ),
  );
});

sshdTest(
  "SshTransport.exec() refuses a different host key with host-key-mismatch",
  async (sshd) => {
    await using dir = await tempDir();
    const kh = `${dir.path}/kh`;
    await Deno.writeTextFile(kh, `[${sshd.host}]:${sshd.port} ssh-ed25519 ${randomEd25519()}\n`);
    await using t = new SshTransport(sshdTarget(sshd, { userKnownHostsFiles: [kh] }));
    await assert.rejects(
      t.exec("true"),
      failsWith(
        "host-key-mismatch",
        /has CHANGED: the server shows ssh-ed25519 SHA256:\S+, known_hosts has ssh-ed25519 SHA256:\S+ \(.*kh:1\)/,
      ),
    );
  },
);

sshdTest("SshTransport.exec() refuses a host key marked @revoked", async (sshd) => {
  await using dir = await tempDir();
  const kh = `${dir.path}/kh`;
  const { type, base64 } = await serverKeyLine(sshd);
  await Deno.writeTextFile(
    kh,
    `@revoked * ${type} ${base64}\n[${sshd.host}]:${sshd.port} ${type} ${base64}\n`,
  );
  await using t = new SshTransport(sshdTarget(sshd, { userKnownHostsFiles: [kh] }));
  await assert.rejects(t.exec("true"), failsWith("host-key-mismatch", /@revoked in .*kh:1/));
});

sshdTest("SshTransport.exec() accepts a hashed known_hosts entry", async (sshd) => {
  await using dir = await tempDir();
  const kh = `${dir.path}/kh`;
  const { type, base64 } = await serverKeyLine(sshd);
  const hashed = hashKnownHostName(`[${sshd.host}]:${sshd.port}`);
  await Deno.writeTextFile(
    kh,
    `# other\n|1|AAAA|BBBB ${type} ${base64}\n${hashed} ${type} ${base64}\n`,
  );
  await using t = new SshTransport(sshdTarget(sshd, { userKnownHostsFiles: [kh] }));
  assert.equal((await t.exec("true")).code, 0);
});

sshdTest("SshTransport.exec() accepts a known_hosts file hashed by ssh-keygen -H", async (sshd) => {
  await using dir = await tempDir();
  const kh = `${dir.path}/kh`;
  await Deno.copyFile(sshd.knownHosts, kh);
  const hashed = await new Deno.Command("ssh-keygen", {
    args: ["-H", "-f", kh],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(hashed.code, 0);
  assert.match(await Deno.readTextFile(kh), /^\|1\|/);
  await using t = new SshTransport(sshdTarget(sshd, { userKnownHostsFiles: [kh] }));
  assert.equal((await t.exec("true")).code, 0);
});

sshdTest("SshTransport.exec() fails with auth when the server refuses the key", async (sshd) => {
  await using dir = await tempDir();
  const key = `${dir.path}/id_ed25519`;
  const made = await new Deno.Command("ssh-keygen", {
    args: ["-q", "-t", "ed25519", "-N", "", "-f", key],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(made.code, 0);
  await using t = new SshTransport(sshdTarget(sshd, { identityFiles: [key] }));
  await assert.rejects(t.exec("true"), failsWith("auth", /refused every key for root/));
  await using none = new SshTransport(sshdTarget(sshd, { identityFiles: [`${dir.path}/missing`] }));
  await assert.rejects(none.exec("true"), failsWith("auth", /no usable private key/));
});

sshdTest("trustHost() adds the host key once and the next connection works", async (sshd) => {
  await using dir = await tempDir();
  const kh = `${dir.path}/ssh/known_hosts`;
  const target = sshdTarget(sshd, { userKnownHostsFiles: [kh] });
  const shown: string[] = [];
  const trusted = await trustHost(target, {
    confirm: ({ fingerprint }) => (shown.push(fingerprint), true),
  });
  assert.equal(trusted.added, true);
  assert.equal(trusted.file, kh);
  assert.deepEqual(shown, [trusted.fingerprint]);
  const keygen = await new Deno.Command("ssh-keygen", { args: ["-l", "-f", sshd.knownHosts] })
    .output();
  assert.match(dec.decode(keygen.stdout), new RegExp(trusted.fingerprint.replace(/\+/g, "\\+")));
  const { type, base64 } = await serverKeyLine(sshd);
  assert.equal(await Deno.readTextFile(kh), `[${sshd.host}]:${sshd.port} ${type} ${base64}\n`);
  await using t = new SshTransport(target);
  assert.equal((await t.exec("true")).code, 0);
  assert.equal((await trustHost(target)).added, false);
});

sshdTest("trustHost() writes hashed names and refuses a changed key", async (sshd) => {
  await using dir = await tempDir();
  const kh = `${dir.path}/kh`;
  const target = sshdTarget(sshd, { userKnownHostsFiles: [kh] });
  assert.equal((await trustHost(target, { hash: true })).added, true);
  assert.match(await Deno.readTextFile(kh), /^\|1\|[^ ]+\|[^ ]+ ssh-ed25519 /);
  await using t = new SshTransport(target);
  assert.equal((await t.exec("true")).code, 0);
  await Deno.writeTextFile(kh, `[${sshd.host}]:${sshd.port} ssh-ed25519 ${randomEd25519()}\n`);
  await assert.rejects(
    trustHost(target),
    failsWith(
      "host-key-mismatch",
      /has CHANGED: known_hosts has ssh-ed25519 SHA256:\S+ \(.*kh:1\); the server shows ssh-ed25519 SHA256:/,
    ),
  );
  const replaced = await trustHost(target, { replace: true });
  assert.equal(replaced.added, true);
  assert.equal(replaced.replaced.length, 1);
  const { type, base64 } = await serverKeyLine(sshd);
  assert.equal(await Deno.readTextFile(kh), `[${sshd.host}]:${sshd.port} ${type} ${base64}\n`);
});

sshdTest("transportFor() resolves an alias through the SSH config", async (sshd) => {
  // DROVER_SSH_CONFIG itself is covered by the idle-exit test's child process: the
  // environment is shared with test files running in parallel, so it is not set here.
  await using dir = await tempDir();
  const configFile = await writeSshConfig(dir.path, "testbox", sshd);
  try {
    assert.equal(resolveSshTarget("testbox", { configFile }).label, sshd.destination);
    const t = transportFor({ name: "box", host: "testbox" }, { configFile });
    assert.equal(t.label, sshd.destination);
    assert.equal(dec.decode((await t.exec("echo aliased")).stdout), "aliased\n");
  } finally {
    await closeAllTransports();
  }
});

sshdTest("SshTransport connects through a ProxyJump host", async (sshd) => {
  await using dir = await tempDir();
  const config = await writeSshConfig(dir.path, "bastion", sshd, [
    "Host inner",
    `  HostName localhost`,
    `  Port ${sshd.port}`,
    `  User ${sshd.user}`,
    // OpenSSH looks a HostKeyAlias up as written: the alias names the known_hosts entry.
    `  HostKeyAlias [${sshd.host}]:${sshd.port}`,
    `  IdentityFile "${sshd.key}"`,
    `  UserKnownHostsFile "${sshd.knownHosts}"`,
    "  IdentityAgent none",
    "  GlobalKnownHostsFile none",
    "  ProxyJump bastion",
  ]);
  const target = resolveSshTarget("inner", { configFile: config });
  assert.equal(target.jump?.label, sshd.destination);
  await using t = new SshTransport(target);
  const r = await t.exec("echo jumped");
  assert.equal(dec.decode(r.stdout), "jumped\n");
  await t.writeFiles([{ path: `${dir.path}/via-jump`, data: r.stdout }]);
  assert.deepEqual((await t.readFiles([`${dir.path}/via-jump`]))[0], r.stdout);
});

sshdTest("SshTransport refuses ProxyCommand naming the option", async (sshd) => {
  await using t = new SshTransport(sshdTarget(sshd, { proxyCommand: "nc %h %p" }));
  await assert.rejects(t.exec("true"), failsWith("connect", /ProxyCommand is not supported/));
});

sshdTest("SshTransport.exec() warm round trip (median printed, not asserted)", async (sshd) => {
  await using t = new SshTransport(sshdTarget(sshd));
  const started = performance.now();
  await t.exec("true");
  const connectMs = performance.now() - started;
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const r = await t.exec("true");
    times.push(performance.now() - t0);
    assert.equal(r.code, 0);
  }
  times.sort((a, b) => a - b);
  console.log(
    `SSH warm round trip median ${times[100].toFixed(2)} ms (p90 ${
      times[180].toFixed(2)
    } ms); connect + first command ${connectMs.toFixed(0)} ms`,
  );
});

sshdTest(
  "SshTransport rejects a pending call with dropped and reconnects on the next",
  async (sshd) => {
    const events: SshEvent[] = [];
    await using t = new SshTransport(sshdTarget(sshd), { onEvent: (e) => events.push(e) });
    const shell = Number(dec.decode((await t.exec("echo $PPID")).stdout));
    const status = await Deno.readTextFile(`/proc/${shell}/status`);
    const sessionPid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
    assert.match(await Deno.readTextFile(`/proc/${sessionPid}/cmdline`), /^sshd/);
    const pending = t.exec("sleep 5");
    const write = t.writeFiles([{ path: "/tmp/never", data: new Uint8Array(10) }]);
    Deno.kill(sessionPid, "SIGKILL");
    await assert.rejects(pending, failsWith("dropped"));
    await assert.rejects(write, failsWith("dropped"));
    assert.equal(dec.decode((await t.exec("echo back")).stdout), "back\n");
    assert.equal(t.connects, 2);
    assert.deepEqual(events.map((e) => e.type), ["connected", "dropped", "connected"]);
  },
);

sshdTest("transportFor() shares one connection per user@host:port", async (sshd) => {
  await using dir = await tempDir();
  const configFile = await writeSshConfig(dir.path, "box", sshd);
  try {
    const a = transportFor({ name: "a", host: "box" }, { configFile });
    const b = transportFor({ name: "b", host: sshd.destination }, { configFile });
    assert.equal(a, b);
    await Promise.all([a.exec("true"), b.exec("true"), a.home(), b.readFiles(["/nonexistent"])]);
    await a.close(); // a no-op: the pool owns the connection
    assert.equal((await b.exec("echo same")).code, 0);
    assert.ok(a.shared instanceof SshTransport);
    assert.equal(a.shared.connects, 1);
    assert.notEqual(transportFor({ name: "here" }), a);
  } finally {
    await closeAllTransports();
  }
});

sshdTest(
  "transportFor() lets a script using DROVER_SSH_CONFIG exit by itself when idle",
  async (sshd) => {
    await using dir = await tempDir();
    const config = await writeSshConfig(dir.path, "box", sshd);
    const fixture = new URL("./fixtures/idle_exit.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", fixture, "box", dir.path],
      env: { DROVER_SSH_CONFIG: config },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    assert.equal(dec.decode(out.stdout), "via ssh\n");
  },
);

sshdTest(
  "SshTransport.exec() rejects with timeout when its signal aborts, then goes on",
  async (sshd) => {
    await using t = new SshTransport(sshdTarget(sshd));
    const controller = new AbortController();
    const running = t.exec("sleep 5", { signal: controller.signal });
    const queued = t.exec("echo queued");
    controller.abort();
    await assert.rejects(running, failsWith("timeout", /aborted/));
    assert.equal(dec.decode((await queued).stdout), "queued\n");
    await assert.rejects(t.exec("true", { signal: AbortSignal.abort() }), failsWith("timeout"));
    await assert.rejects(
      t.writeFiles([{ path: "relative.txt", data: new Uint8Array() }]),
      (e) => e instanceof TypeError && /not absolute/.test(e.message),
    );
  },
);

sshdTest("SshTransport.writeFiles() moves a large file intact (time printed)", async (sshd) => {
  await using dir = await tempDir();
  await using t = new SshTransport(sshdTarget(sshd));
  const size = 64 * 1024 * 1024;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 997) data[i] = (i * 31) & 255;
  const started = performance.now();
  await t.writeFiles([{ path: `${dir.path}/big.bin`, data, mode: 0o700 }]);
  const wrote = performance.now() - started;
  const [back] = await t.readFiles([`${dir.path}/big.bin`]);
  const read = performance.now() - started - wrote;
  assert.equal(back?.length, size);
  assert.equal(Buffer.compare(back, data), 0);
  console.log(`64 MiB over SFTP: write ${wrote.toFixed(0)} ms, read ${read.toFixed(0)} ms`);
});

sshdTest(
  "SshTransport counts a server that stops answering keepalives as dropped",
  async (sshd) => {
    await using t = new SshTransport(sshdTarget(sshd), {
      keepaliveIntervalMs: 100,
      keepaliveCountMax: 4,
    });
    const sessionPid = await sessionProcess(t);
    Deno.kill(sessionPid, "SIGSTOP");
    try {
      await assert.rejects(t.exec("true"), failsWith("dropped", /no answer to 5 keepalives/));
    } finally {
      Deno.kill(sessionPid, "SIGKILL");
    }
    assert.equal(dec.decode((await t.exec("echo again")).stdout), "again\n");
    assert.equal(t.connects, 2);
  },
);

sshdTest("SshTransport authenticates with keys from ssh-agent", async (sshd) => {
  await using dir = await tempDir();
  const sock = `${dir.path}/agent.sock`;
  const agent = new Deno.Command("ssh-agent", {
    args: ["-D", "-a", sock],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    let added = 1;
    for (let i = 0; i < 50 && added !== 0; i++) {
      const r = await new Deno.Command("ssh-add", {
        args: [sshd.key],
        env: { SSH_AUTH_SOCK: sock },
        stdout: "null",
        stderr: "null",
      }).output();
      added = r.code;
      if (added !== 0) await new Promise((resolve) => setTimeout(resolve, 20)); // agent starting
    }
    assert.equal(added, 0, "ssh-add failed");
    await using t = new SshTransport(sshdTarget(sshd, { identityFiles: [], identityAgent: sock }));
    assert.equal(dec.decode((await t.exec("echo agent")).stdout), "agent\n");
  } finally {
    agent.kill("SIGTERM");
    await agent.status;
  }
});

sshdTest(
  "SshTransport refuses a host known only under another key type, and accepts the plain-name fallback",
  async (sshd) => {
    await using dir = await tempDir();
    const kh = `${dir.path}/kh`;
    const rsa = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDDtbBv1cCCcHbXZP2";
    await Deno.writeTextFile(kh, `[${sshd.host}]:${sshd.port} ssh-rsa ${rsa}\n`);
    await using changed = new SshTransport(sshdTarget(sshd, { userKnownHostsFiles: [kh] }));
    await assert.rejects(
      changed.exec("true"),
      failsWith("host-key-mismatch", /has CHANGED: the server shows ssh-ed25519 .*ssh-rsa/),
    );
    // Known under the plain host name only: OpenSSH accepts it for another port too.
    const { type, base64 } = await serverKeyLine(sshd);
    await Deno.writeTextFile(kh, `${sshd.host} ${type} ${base64}\n`);
    await using plain = new SshTransport(sshdTarget(sshd, { userKnownHostsFiles: [kh] }));
    assert.equal((await plain.exec("true")).code, 0);
  },
);
