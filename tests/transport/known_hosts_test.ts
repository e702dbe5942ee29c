import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkHostKey,
  hashKnownHostName,
  hostKeyFingerprint,
  parseKnownHosts,
} from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

/** A public key blob of a type with given body bytes. */
function blob(type: string, body: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode(type);
  const out = new Uint8Array(8 + name.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, name.length);
  out.set(name, 4);
  view.setUint32(4 + name.length, body.length);
  out.set(body, 8 + name.length);
  return out;
}

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

const KEY_A = blob("ssh-ed25519", new Uint8Array(32).fill(1));
const KEY_B = blob("ssh-ed25519", new Uint8Array(32).fill(2));
const KEY_RSA = blob("ssh-rsa", new Uint8Array(64).fill(3));

async function check(
  text: string,
  host: string,
  port: number,
  key: Uint8Array,
): Promise<Awaited<ReturnType<typeof checkHostKey>>> {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/known_hosts`, text);
  const result = await checkHostKey({
    hostName: host,
    port,
    userKnownHostsFiles: [`${dir.path}/missing`, `${dir.path}/known_hosts`],
    globalKnownHostsFiles: [],
  }, key);
  return JSON.parse(JSON.stringify(result).replaceAll(dir.path, "DIR"));
}

Deno.test("parseKnownHosts() reads plain, bracketed, hashed and marked lines and skips junk", () => {
  const text = [
    "# comment",
    "",
    `login.example.org,10.0.0.5 ssh-ed25519 ${b64(KEY_A)} comment here`,
    `[h]:2222 ssh-ed25519 ${b64(KEY_A)}`,
    `|1|${b64(new Uint8Array(20))}|${b64(new Uint8Array(20))} ssh-rsa ${b64(KEY_RSA)}`,
    `@revoked * ssh-ed25519 ${b64(KEY_B)}`,
    `@cert-authority *.example.org ssh-ed25519 ${b64(KEY_B)}`,
    "@unknown-marker h ssh-ed25519 AAAA",
    "only-two fields",
    "h ssh-ed25519 not*base64",
  ].join("\n");
  const ignored: { file: string; line: number; reason: string }[] = [];
  const entries = parseKnownHosts(text, "kh", ignored);
  assert.deepEqual(ignored, [
    { file: "kh", line: 8, reason: "unknown marker @unknown-marker" },
    { file: "kh", line: 9, reason: "expected host names, a key type and a base64 key" },
    { file: "kh", line: 10, reason: "the key is not base64" },
  ]);
  assert.deepEqual(entries.map((e) => [e.line, e.marker, e.patterns, e.keyType, !!e.hashed]), [
    [3, undefined, ["login.example.org", "10.0.0.5"], "ssh-ed25519", false],
    [4, undefined, ["[h]:2222"], "ssh-ed25519", false],
    [5, undefined, [], "ssh-rsa", true],
    [6, "revoked", ["*"], "ssh-ed25519", false],
    [7, "cert-authority", ["*.example.org"], "ssh-ed25519", false],
  ]);
  assert.deepEqual(entries[0].key, KEY_A);
});

Deno.test("checkHostKey() knows a key under [host]:port only for that port", async () => {
  const text = `[h]:2222 ssh-ed25519 ${b64(KEY_A)}\n`;
  assert.deepEqual(await check(text, "h", 2222, KEY_A), {
    status: "known",
    file: "DIR/known_hosts",
    line: 1,
  });
  assert.deepEqual(await check(text, "h", 22, KEY_A), { status: "unknown", knownTypes: [] });
  assert.equal((await check(`h ssh-ed25519 ${b64(KEY_A)}\n`, "h", 22, KEY_A)).status, "known");
});

Deno.test("checkHostKey() says mismatch (CHANGED) for another key, of the same or another type", async () => {
  const text = `# x\nh ssh-ed25519 ${b64(KEY_B)}\n`;
  const known = [{
    keyType: "ssh-ed25519",
    fingerprint: hostKeyFingerprint(KEY_B),
    file: "DIR/known_hosts",
    line: 2,
  }];
  assert.deepEqual(await check(text, "h", 22, KEY_A), {
    status: "mismatch",
    file: "DIR/known_hosts",
    line: 2,
    known,
  });
  // OpenSSH: a host known only under other key types has CHANGED, it is not new.
  assert.deepEqual(await check(text, "h", 22, KEY_RSA), {
    status: "mismatch",
    file: "DIR/known_hosts",
    line: 2,
    known,
  });
  const rotated = `h ssh-ed25519 ${b64(KEY_B)}\nh ssh-ed25519 ${b64(KEY_A)}\n`;
  assert.equal((await check(rotated, "h", 22, KEY_A)).status, "known");
});

Deno.test("checkHostKey() applies @revoked to the hosts it names only", async () => {
  const trusted = `h ssh-ed25519 ${b64(KEY_A)}\n`;
  assert.equal(
    (await check(`${trusted}@revoked other ssh-ed25519 ${b64(KEY_A)}\n`, "h", 22, KEY_A)).status,
    "known",
  );
  assert.deepEqual(
    await check(`${trusted}@revoked h ssh-ed25519 ${b64(KEY_A)}\n`, "h", 22, KEY_A),
    {
      status: "revoked",
      file: "DIR/known_hosts",
      line: 2,
    },
  );
  assert.equal(
    (await check(`@revoked * ssh-ed25519 ${b64(KEY_A)}\n`, "h", 22, KEY_A)).status,
    "revoked",
  );
});

Deno.test("checkHostKey() falls back to the plain name for another port only to accept", async () => {
  const plain = `h ssh-ed25519 ${b64(KEY_A)}\n`;
  assert.equal((await check(plain, "h", 2222, KEY_A)).status, "known");
  // A different key under the plain name is not a CHANGED [h]:2222: OpenSSH says new.
  assert.equal((await check(plain, "h", 2222, KEY_B)).status, "unknown");
  // Any line for [h]:2222 ends the lookup there.
  const both = `[h]:2222 ssh-rsa ${b64(KEY_RSA)}\n${plain}`;
  assert.equal((await check(both, "h", 2222, KEY_A)).status, "mismatch");
});

Deno.test("checkHostKey() looks a HostKeyAlias up as written, whatever the port", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/kh`, `myalias ssh-ed25519 ${b64(KEY_A)}\n`);
  const target = {
    hostName: "h",
    port: 2222,
    hostKeyAlias: "myalias",
    userKnownHostsFiles: [`${dir.path}/kh`],
    globalKnownHostsFiles: [],
  };
  assert.equal((await checkHostKey(target, KEY_A)).status, "known");
  await Deno.writeTextFile(`${dir.path}/kh`, `[myalias]:2222 ssh-ed25519 ${b64(KEY_A)}\n`);
  assert.equal((await checkHostKey(target, KEY_A)).status, "unknown");
});

Deno.test("checkHostKey() honours wildcard and negated patterns", async () => {
  const text = `*.example.org,!bad.example.org ssh-ed25519 ${b64(KEY_A)}\n`;
  assert.equal((await check(text, "good.example.org", 22, KEY_A)).status, "known");
  assert.equal((await check(text, "bad.example.org", 22, KEY_A)).status, "unknown");
});

Deno.test("checkHostKey() finds hashed entries for random names and salts (property)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.domain(), fc.integer({ min: 1, max: 65535 }), async (host, port) => {
      const name = port === 22 ? host : `[${host}]:${port}`;
      const text = `${hashKnownHostName(name)} ssh-ed25519 ${b64(KEY_A)}\n`;
      assert.equal((await check(text, host, port, KEY_A)).status, "known");
      assert.equal((await check(text, `x${host}`, port, KEY_A)).status, "unknown");
      const other = port === 22 ? 2222 : 22;
      assert.equal((await check(text, host, other, KEY_A)).status, "unknown");
    }),
    { numRuns: 30 },
  );
});

Deno.test("hostKeyFingerprint() matches OpenSSH's SHA256 form", () => {
  const fp = hostKeyFingerprint(KEY_A);
  assert.match(fp, /^SHA256:[A-Za-z0-9+/]{43}$/);
});
