/**
 * Test helpers: the real sshd on loopback that `scripts/sshd-up.sh` starts.
 *
 *     eval "$(bash scripts/sshd-up.sh)"   # as root; idempotent
 *
 * exports DROVER_TEST_SSH_HOST/PORT/USER/KEY/KNOWN_HOSTS. Without them, tests that need
 * sshd are ignored with a loud warning, except under CI=true where they fail.
 */
import { resolveSshTarget, type SshTarget } from "../../lib/transport/mod.ts";

/** The test server, as the environment describes it. */
export interface TestSshd {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The user's private key file. */
  readonly key: string;
  /** A known_hosts file with the server's key. */
  readonly knownHosts: string;
  /** `user@host:port`. */
  readonly destination: string;
}

const HOW = 'run `eval "$(bash scripts/sshd-up.sh)"` (as root) before `deno task test`';

/**
 * The test server from DROVER_TEST_SSH_*, or undefined when they are not set.
 *
 * @returns The server.
 */
export function testSshd(): TestSshd | undefined {
  const env = (name: string): string | undefined => Deno.env.get(`DROVER_TEST_SSH_${name}`);
  const host = env("HOST");
  const port = Number(env("PORT"));
  const user = env("USER");
  const key = env("KEY");
  const knownHosts = env("KNOWN_HOSTS");
  if (!host || !port || !user || !key || !knownHosts) return undefined;
  return { host, port, user, key, knownHosts, destination: `${user}@${host}:${port}` };
}

const inCi = Deno.env.get("CI") === "true";
let warned = false;

/**
 * Registers a test that needs the test sshd: ignored (with a warning) when the server is
 * not configured, failing under CI=true.
 *
 * @param name The test's name.
 * @param fn The test, given the server.
 * @param options Deno.test options (sanitizers).
 */
export function sshdTest(
  name: string,
  fn: (sshd: TestSshd, t: Deno.TestContext) => Promise<void>,
  options: Omit<Deno.TestDefinition, "name" | "fn"> = {},
): void {
  const sshd = testSshd();
  if (!sshd && !inCi) {
    if (!warned) {
      warned = true;
      console.warn(
        `\n%cWARNING: SSH transport tests are IGNORED: DROVER_TEST_SSH_* are not set; ${HOW}\n`,
        "color: red; font-weight: bold",
      );
    }
    Deno.test({ ...options, name, ignore: true, fn: () => {} });
    return;
  }
  Deno.test({
    ...options,
    name,
    fn: async (t) => {
      if (!sshd) throw new Error(`CI=true but DROVER_TEST_SSH_* are not set; ${HOW}`);
      await fn(sshd, t);
    },
  });
}

/**
 * A connection target for the test server that ignores the user's own SSH config, agent
 * and global known_hosts.
 *
 * @param sshd The server.
 * @param overrides Fields to change.
 * @returns The target.
 */
export function sshdTarget(sshd: TestSshd, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    ...resolveSshTarget(sshd.destination, { configFile: "/nonexistent/drover-test-config" }),
    identityFiles: [sshd.key],
    identitiesOnly: true,
    identityAgent: "none",
    userKnownHostsFiles: [sshd.knownHosts],
    globalKnownHostsFiles: [],
    ...overrides,
  };
}

/**
 * Writes an SSH client config with `alias` pointing at the test server (HostName, Port,
 * User, IdentityFile, UserKnownHostsFile, no agent, no global known_hosts).
 *
 * @param dir Where to write `config`.
 * @param alias The host alias.
 * @param sshd The server.
 * @param extra More lines, appended.
 * @returns The config file's path.
 */
export async function writeSshConfig(
  dir: string,
  alias: string,
  sshd: TestSshd,
  extra: readonly string[] = [],
): Promise<string> {
  const path = `${dir}/config`;
  await Deno.writeTextFile(
    path,
    [
      `Host ${alias}`,
      `  HostName ${sshd.host}`,
      `  Port ${sshd.port}`,
      `  User ${sshd.user}`,
      `  IdentityFile "${sshd.key}"`,
      `  IdentitiesOnly yes`,
      `  IdentityAgent none`,
      `  UserKnownHostsFile "${sshd.knownHosts}"`,
      `  GlobalKnownHostsFile none`,
      ...extra,
      "",
    ].join("\n"),
  );
  return path;
}
