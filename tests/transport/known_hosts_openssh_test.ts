/**
 * Conformance of checkHostKey() with OpenSSH itself: for a table of known_hosts files
 * (plain, hashed with `ssh-keygen -H`, `[host]:port`, other key types only, `@revoked`,
 * `HostKeyAlias`, wildcard and negated patterns), drover's verdict on the real test sshd's
 * host key is compared with the verdict of a real `ssh -o StrictHostKeyChecking=yes`
 * connecting to that sshd: exit 0 is known; otherwise its stderr tells changed, revoked
 * or unknown. Every plain table entry is also run hashed by `ssh-keygen -H`; and names
 * drover hashes are found by `ssh-keygen -F`. Needs the test sshd (tests/_helpers/sshd.ts)
 * and the OpenSSH client.
 */
import assert from "node:assert/strict";
import { checkHostKey, hashKnownHostName, trustHost } from "../../lib/transport/mod.ts";
import { sshdTarget, sshdTest, type TestSshd } from "../_helpers/sshd.ts";
import { tempDir } from "../_helpers/temp.ts";

type Verdict = "known" | "unknown" | "mismatch" | "revoked";

interface Case {
  /** What it checks. */
  readonly name: string;
  /** known_hosts lines; `K` is the server's key, `O` another ed25519 key, `R` an RSA key,
   * `P` the port. A second file, when given, is the second UserKnownHostsFile. */
  readonly files: readonly (readonly string[])[];
  /** The host name to connect to (default 127.0.0.1). */
  readonly host?: string;
  /** HostKeyAlias. */
  readonly alias?: string;
  /** Not hashed by ssh-keygen -H (nothing to hash, or hashing changes the meaning). */
  readonly plainOnly?: boolean;
}

const CASES: readonly Case[] = [
  { name: "[host]:port with the key", files: [["[127.0.0.1]:P K"]] },
  { name: "plain host only: falls back for a non-22 port", files: [["127.0.0.1 K"]] },
  { name: "plain host with another key: no fallback", files: [["127.0.0.1 O"]] },
  { name: "[host]:port with another ed25519 key", files: [["[127.0.0.1]:P O"]] },
  { name: "[host]:port with another key type only", files: [["[127.0.0.1]:P R"]] },
  { name: "other type and the key", files: [["[127.0.0.1]:P R", "[127.0.0.1]:P K"]] },
  { name: "the key and another of the same type", files: [["[127.0.0.1]:P O", "[127.0.0.1]:P K"]] },
  {
    name: "another key for [host]:port, the key for host",
    files: [["[127.0.0.1]:P R", "127.0.0.1 K"]],
  },
  { name: "[host]:22 entry does not cover another port", files: [["[127.0.0.1]:22 K"]] },
  { name: "other hosts only", files: [["otherhost K", "[otherhost]:P K"]] },
  { name: "@revoked naming the host", files: [["[127.0.0.1]:P K", "@revoked [127.0.0.1]:P K"]] },
  { name: "@revoked naming another host", files: [["[127.0.0.1]:P K", "@revoked otherhost K"]] },
  { name: "@revoked *", files: [["@revoked * K", "[127.0.0.1]:P K"]], plainOnly: true },
  { name: "@revoked another key", files: [["[127.0.0.1]:P K", "@revoked [127.0.0.1]:P O"]] },
  {
    name: "@revoked under the plain name, fallback",
    files: [["127.0.0.1 K", "@revoked 127.0.0.1 K"]],
  },
  { name: "@revoked only", files: [["@revoked [127.0.0.1]:P K"]] },
  { name: "@cert-authority only", files: [["@cert-authority [127.0.0.1]:P K"]] },
  { name: "wildcard", files: [["[127.0.0.*]:P K"]], plainOnly: true },
  { name: "wildcard port", files: [["[127.0.0.1]:* K"]], plainOnly: true },
  { name: "? pattern", files: [["[127.0.0.?]:P K"]], plainOnly: true },
  { name: "negated", files: [["[127.0.0.*]:P,![127.0.0.1]:P K"]], plainOnly: true },
  { name: "negated, other line has it", files: [["!x,[127.0.0.1]:P K"]], plainOnly: true },
  { name: "several names on a line", files: [["otherhost,[127.0.0.1]:P,10.9.9.9 K"]] },
  { name: "wildcard other key", files: [["[127.0.0.*]:P O"]], plainOnly: true },
  { name: "upper-case pattern", host: "localhost", files: [["[LOCALHOST]:P K"]], plainOnly: true },
  { name: "localhost plain fallback", host: "localhost", files: [["localhost K"]] },
  { name: "localhost other type", host: "localhost", files: [["[localhost]:P R"]] },
  { name: "HostKeyAlias as written", alias: "myalias", files: [["myalias K"]] },
  { name: "HostKeyAlias with port is not looked up", alias: "myalias", files: [["[myalias]:P K"]] },
  { name: "HostKeyAlias lowercased", alias: "MyAlias", files: [["myalias K"]] },
  {
    name: "HostKeyAlias pattern upper-case",
    alias: "myalias",
    files: [["MYALIAS K"]],
    plainOnly: true,
  },
  { name: "HostKeyAlias other key", alias: "myalias", files: [["myalias O"]] },
  { name: "HostKeyAlias other type", alias: "myalias", files: [["myalias R"]] },
  { name: "HostKeyAlias: no plain-name fallback", alias: "myalias", files: [["127.0.0.1 K"]] },
  { name: "HostKeyAlias revoked", alias: "myalias", files: [["myalias K", "@revoked myalias K"]] },
  { name: "second file has the key", files: [["[127.0.0.1]:P O"], ["[127.0.0.1]:P K"]] },
  { name: "second file has another type", files: [[], ["[127.0.0.1]:P R"]] },
  { name: "second file revokes", files: [["[127.0.0.1]:P K"], ["@revoked [127.0.0.1]:P K"]] },
  {
    name: "junk lines around the key",
    files: [["# c", "", "bad line", "[127.0.0.1]:P ssh-ed25519 !!", "[127.0.0.1]:P K"]],
    plainOnly: true,
  },
  {
    name: "type name not matching the blob",
    files: [["[127.0.0.1]:P ssh-rsa KBLOB"]],
    plainOnly: true,
  },
  { name: "empty file", files: [[]], plainOnly: true },
  { name: "CRLF line ends", files: [["[127.0.0.1]:P K\r"]], plainOnly: true },
  {
    name: "leading blanks, tabs, a comment",
    files: [[" \t[127.0.0.1]:P\tK comment here"]],
    plainOnly: true,
  },
  {
    name: "hashed @revoked",
    files: [["[127.0.0.1]:P K", "@revoked H([127.0.0.1]:P) K"]],
    plainOnly: true,
  },
  { name: "hashed other type only", files: [["H([127.0.0.1]:P) R"]], plainOnly: true },
  { name: "hashed plain name, fallback", files: [["H(127.0.0.1) K"]], plainOnly: true },
  { name: "hashed alias", alias: "myalias", files: [["H(myalias) K"]], plainOnly: true },
  {
    name: "upper-case marker is no marker",
    files: [["@REVOKED [127.0.0.1]:P K", "[127.0.0.1]:P K"]],
    plainOnly: true,
  },
  {
    name: "@cert-authority with another type",
    files: [["@cert-authority [127.0.0.1]:P R", "[127.0.0.1]:P R"]],
    plainOnly: true,
  },
];

const dec = new TextDecoder();

/** Runs a command; its exit code and stderr. */
async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; stderr: string; stdout: string }> {
  const r = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  return { code: r.code, stderr: dec.decode(r.stderr), stdout: dec.decode(r.stdout) };
}

/** A fresh public key of a type: `type base64`. */
async function newKey(dir: string, type: string): Promise<string> {
  const r = await run("ssh-keygen", [
    "-q",
    "-t",
    type,
    ...(type === "rsa" ? ["-b", "1024"] : []),
    "-N",
    "",
    "-f",
    `${dir}/${type}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return (await Deno.readTextFile(`${dir}/${type}.pub`)).split(" ").slice(0, 2).join(" ");
}

/** OpenSSH's verdict: connect with strict checking and read the outcome. */
async function opensshVerdict(sshd: TestSshd, files: string[], c: Case): Promise<Verdict> {
  const r = await run("ssh", [
    "-F",
    "/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${files.join(" ")}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "CheckHostIP=no",
    "-o",
    "UpdateHostKeys=no",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "IdentityAgent=none",
    "-o",
    "ConnectTimeout=10",
    ...(c.alias ? ["-o", `HostKeyAlias=${c.alias}`] : []),
    "-i",
    sshd.key,
    "-p",
    String(sshd.port),
    "-l",
    sshd.user,
    c.host ?? sshd.host,
    "true",
  ]);
  if (r.code === 0) return "known";
  if (/REVOKED HOST KEY/.test(r.stderr)) return "revoked";
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(r.stderr)) return "mismatch";
  if (/No \S+ host key is known for/.test(r.stderr)) return "unknown";
  throw new Error(`ssh gave no verdict for "${c.name}" (exit ${r.code}): ${r.stderr}`);
}

sshdTest(
  "checkHostKey() agrees with a real ssh client on a table of known_hosts files",
  async (sshd) => {
    await using dir = await tempDir();
    const [type, base64] = (await Deno.readTextFile(sshd.knownHosts)).trim().split(/\s+/).slice(
      1,
      3,
    );
    const serverKey = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
    const keys: Record<string, string> = {
      K: `${type} ${base64}`,
      O: await newKey(dir.path, "ed25519"),
      R: await newKey(dir.path, "rsa"),
      KBLOB: base64,
    };
    const fill = (line: string): string =>
      line.replace(/\bP\b/g, String(sshd.port))
        .replace(
          /([ \t])(K|O|R|KBLOB)( .*)?(\r?)$/,
          (_, sep: string, k: string, rest: string | undefined, cr: string) =>
            `${sep}${keys[k]}${rest ?? ""}${cr}`,
        )
        .replace(/H\(([^)]*)\)/, (_, name: string) => hashKnownHostName(name));
    let compared = 0;
    const differences: string[] = [];
    const seen: Record<Verdict, number> = { known: 0, unknown: 0, mismatch: 0, revoked: 0 };
    for (const [i, c] of CASES.entries()) {
      for (const hashed of c.plainOnly ? [false] : [false, true]) {
        const files: string[] = [];
        for (const [j, lines] of c.files.entries()) {
          const file = `${dir.path}/kh${i}_${j}${hashed ? "_hashed" : ""}`;
          await Deno.writeTextFile(
            file,
            lines.map(fill).map((l) => `${l}\n`).join(""),
          );
          if (hashed && lines.length > 0) {
            const r = await run("ssh-keygen", ["-H", "-f", file]);
            assert.equal(r.code, 0, r.stderr);
            // ssh-keygen -H hashes unmarked entries and leaves @revoked lines and junk alone.
            if (lines.some((l) => /^[^@#\s]\S* (K|O|R)$/.test(l))) {
              assert.match(await Deno.readTextFile(file), /^\|1\|/m, c.name);
            }
          }
          files.push(file);
        }
        const want = await opensshVerdict(sshd, files, c);
        const got = (await checkHostKey({
          hostName: (c.host ?? sshd.host).toLowerCase(),
          port: sshd.port,
          ...(c.alias ? { hostKeyAlias: c.alias.toLowerCase() } : {}),
          userKnownHostsFiles: files,
          globalKnownHostsFiles: [],
        }, serverKey)).status;
        compared++;
        seen[want]++;
        if (got !== want) {
          differences.push(
            `${c.name}${hashed ? " (hashed)" : ""}: drover ${got}, ssh ${want}`,
          );
        }
      }
    }
    console.log(
      `known_hosts conformance with ssh: ${compared} cases, ${
        compared - differences.length
      } agree; ssh said ${JSON.stringify(seen)}`,
    );
    assert.deepEqual(differences, []);
    assert.ok(compared >= 70, `only ${compared} cases`);
    for (const [verdict, n] of Object.entries(seen)) assert.ok(n >= 3, `only ${n} ${verdict}`);
  },
);

sshdTest("hashKnownHostName() writes names `ssh-keygen -F` finds", async (sshd) => {
  await using dir = await tempDir();
  const file = `${dir.path}/kh`;
  const names = ["127.0.0.1", `[127.0.0.1]:${sshd.port}`, "login.example.org", "myalias"];
  await Deno.writeTextFile(
    file,
    names.map((n) =>
      `${
        hashKnownHostName(n)
      } ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDqX1lS5b3Jq4lJ9ckG2m6A5YHc7Jb2S1Q6lHqU8xXyZ\n`
    ).join(""),
  );
  for (const [i, name] of names.entries()) {
    const r = await run("ssh-keygen", ["-F", name, "-f", file]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`found: line ${i + 1} `), name);
  }
  assert.notEqual((await run("ssh-keygen", ["-F", "other.example.org", "-f", file])).code, 0);
});

sshdTest(
  "trustHost() writes lines a real ssh client accepts (alias, port, hashed)",
  async (sshd) => {
    await using dir = await tempDir();
    const variants: {
      name: string;
      alias?: string;
      hash?: boolean;
      hashKnownHosts?: boolean;
      line: RegExp;
    }[] = [
      { name: "[host]:port", line: new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `) },
      { name: "HostKeyAlias as written", alias: "cluster-key", line: /^cluster-key ssh-ed25519 / },
      { name: "hashed", hash: true, line: /^\|1\|[^ |]+\|[^ |]+ ssh-ed25519 / },
      { name: "hashed alias", alias: "cluster-key", hash: true, line: /^\|1\|/ },
      { name: "HashKnownHosts yes in the config", hashKnownHosts: true, line: /^\|1\|/ },
    ];
    for (const [i, v] of variants.entries()) {
      const kh = `${dir.path}/trusted${i}`;
      const target = {
        ...sshdTarget(sshd, { userKnownHostsFiles: [kh] }),
        ...(v.alias ? { hostKeyAlias: v.alias } : {}),
        ...(v.hashKnownHosts ? { hashKnownHosts: true } : {}),
      };
      const options = v.hash === undefined ? {} : { hash: v.hash };
      assert.equal((await trustHost(target, options)).added, true, v.name);
      assert.match(await Deno.readTextFile(kh), v.line, v.name);
      assert.equal(
        await opensshVerdict(sshd, [kh], {
          name: v.name,
          files: [],
          ...(v.alias ? { alias: v.alias } : {}),
        }),
        "known",
        v.name,
      );
    }
  },
);
