/**
 * The Transport conformance suite: every adapter must pass it (LocalTransport here, the SSH
 * transport against the real sshd).
 */
import assert from "node:assert/strict";
import { type Transport, TransportError } from "../../lib/transport/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** How the suite gets a transport for one test. */
export interface ConformanceSubject {
  /** A name for the test titles: `LocalTransport`, `SshTransport`. */
  readonly name: string;
  /** Registers one test (lets the SSH suite ignore or fail tests without a server). */
  readonly register: (name: string, fn: () => Promise<void>) => void;
  /** A fresh transport; the suite closes it. */
  readonly open: () => Transport | Promise<Transport>;
}

/**
 * Runs a test body with a transport and a fresh remote temp directory, closing both.
 *
 * @param subject The subject.
 * @param body The test.
 * @returns The test function.
 */
function withTransport(
  subject: ConformanceSubject,
  body: (t: Transport, dir: string) => Promise<void>,
): () => Promise<void> {
  return async () => {
    const t = await subject.open();
    try {
      const made = await t.exec("mktemp -d");
      assert.equal(made.code, 0, made.stderr);
      const dir = dec.decode(made.stdout).trim();
      try {
        await body(t, dir);
      } finally {
        await t.exec(`rm -rf '${dir}'`);
      }
    } finally {
      await t.close();
    }
  };
}

/**
 * Registers the suite.
 *
 * @param subject The transport under test.
 */
export function transportConformance(subject: ConformanceSubject): void {
  const test = (name: string, body: (t: Transport, dir: string) => Promise<void>): void =>
    subject.register(`${subject.name}.${name}`, withTransport(subject, body));

  test("exec() returns exit codes, stdout and stderr apart", async (t) => {
    const r = await t.exec("echo out; echo err >&2; exit 3");
    assert.equal(r.code, 3);
    assert.equal(dec.decode(r.stdout), "out\n");
    assert.equal(r.stderr, "err\n");
    assert.equal((await t.exec("true")).code, 0);
    assert.equal((await t.exec("false")).code, 1);
    assert.equal((await t.exec("kill -9 $$")).code, 137);
    assert.equal((await t.exec("nonexistent-command-xyz")).code, 127);
  });

  test("exec() returns binary stdout byte for byte when it has all 256 values", async (t) => {
    const format = Array.from({ length: 256 }, (_, i) => `\\${i.toString(8).padStart(3, "0")}`)
      .join("");
    const r = await t.exec(`printf '${format}'; printf '${format}'`);
    assert.equal(r.code, 0);
    const want = new Uint8Array(512).map((_, i) => i % 256);
    assert.deepEqual(r.stdout, want);
  });

  test("exec() feeds stdin as text and bytes, large ones too", async (t) => {
    assert.equal(
      dec.decode((await t.exec("cat", { stdin: "hello\nworld" })).stdout),
      "hello\nworld",
    );
    const bytes = new Uint8Array(256).map((_, i) => i);
    assert.deepEqual((await t.exec("cat", { stdin: bytes })).stdout, bytes);
    const big = new Uint8Array(3_000_000).map((_, i) => (i * 7) % 251);
    const r = await t.exec("wc -c; echo done >&2", { stdin: big });
    assert.equal(dec.decode(r.stdout).trim(), "3000000");
    assert.equal(r.stderr, "done\n");
    assert.equal(dec.decode((await t.exec("cat; echo end")).stdout), "end\n");
  });

  test("exec() returns large stdout whole", async (t) => {
    const r = await t.exec("head -c 5000000 /dev/zero | tr '\\0' x");
    assert.equal(r.stdout.length, 5_000_000);
    assert.ok(r.stdout.every((b) => b === 120));
  });

  test("exec() keeps working after output that looks like a frame", async (t) => {
    const fake = "DROVER0123456789abcdef0123456789abcdef";
    const r = await t.exec(
      `printf '\\n${fake} 0\\n 1 /tmp/o\\n 1 /tmp/e\\n${fake}\\nxy'; printf '${fake} 9\\n' >&2`,
    );
    assert.equal(r.code, 0);
    assert.equal(dec.decode(r.stdout), `\n${fake} 0\n 1 /tmp/o\n 1 /tmp/e\n${fake}\nxy`);
    assert.equal(r.stderr, `${fake} 9\n`);
    assert.equal(dec.decode((await t.exec("echo next")).stdout), "next\n");
  });

  test("exec() confines exit, cd, set -e and syntax errors to the command", async (t) => {
    const r = await t.exec("echo a; exit 5; echo b");
    assert.equal(r.code, 5);
    assert.equal(dec.decode(r.stdout), "a\n");
    assert.equal((await t.exec("cd /; set -e; false; echo no")).code, 1);
    assert.notEqual((await t.exec("echo 'unterminated")).code, 0);
    assert.notEqual((await t.exec("if then fi )")).code, 0);
    const pwd = dec.decode((await t.exec("pwd")).stdout).trim();
    assert.equal(pwd, dec.decode((await t.exec("pwd")).stdout).trim());
    assert.equal(dec.decode((await t.exec("echo still here")).stdout), "still here\n");
  });

  test("exec() runs concurrent calls each with its own result", async (t) => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.exec(`echo ${i}; exit ${i}`)),
    );
    results.forEach((r, i) => {
      assert.equal(r.code, i);
      assert.equal(dec.decode(r.stdout), `${i}\n`);
    });
  });

  test("exec() rejects with a timeout TransportError and the next call works", async (t) => {
    await assert.rejects(
      t.exec("sleep 5", { timeoutMs: 300 }),
      (e) => e instanceof TransportError && e.failure === "timeout" && e.retryable,
    );
    assert.equal(dec.decode((await t.exec("echo ok")).stdout), "ok\n");
  });

  test("writeFiles() and readFiles() round-trip 200 files with modes", async (t, dir) => {
    const files = Array.from({ length: 200 }, (_, i) => ({
      path: `${dir}/d${i % 9}/sub/f${i}.bin`,
      data: enc.encode(`file ${i} `.repeat(i)),
      ...(i === 7 ? { mode: 0o755 } : {}),
    }));
    await t.writeFiles(files);
    const back = await t.readFiles(files.map((f) => f.path));
    assert.deepEqual(back, files.map((f) => f.data));
    const mode = await t.exec(`stat -c %a '${dir}/d7/sub/f7.bin' '${dir}/d8/sub/f8.bin'`);
    assert.equal(dec.decode(mode.stdout), "755\n644\n");
    const left = await t.exec(`find '${dir}' -name '*.tmp-*' | wc -l`);
    assert.equal(dec.decode(left.stdout).trim(), "0");
    await t.writeFiles([{ path: files[0].path, data: enc.encode("replaced") }]);
    assert.equal(dec.decode((await t.readFiles([files[0].path]))[0]), "replaced");
  });

  test("readFiles() gives undefined for missing files and empty ones empty", async (t, dir) => {
    await t.writeFiles([{ path: `${dir}/empty`, data: new Uint8Array() }]);
    const [missing, empty, alsoMissing] = await t.readFiles([
      `${dir}/nope`,
      `${dir}/empty`,
      `${dir}/no/such/dir/x`,
    ]);
    assert.equal(missing, undefined);
    assert.deepEqual(empty, new Uint8Array());
    assert.equal(alsoMissing, undefined);
  });

  test("writeFiles() fails with an io TransportError naming the path", async (t, dir) => {
    await t.writeFiles([{ path: `${dir}/file`, data: enc.encode("x") }]);
    await assert.rejects(
      t.writeFiles([{ path: `${dir}/file/below`, data: enc.encode("y") }]),
      (e) => e instanceof TransportError && e.failure === "io" && e.message.includes(`${dir}/file`),
    );
  });

  test("home() is $HOME", async (t) => {
    const home = await t.home();
    assert.equal(home, dec.decode((await t.exec('printf %s "$HOME"')).stdout));
    assert.equal(await t.home(), home);
  });
}
