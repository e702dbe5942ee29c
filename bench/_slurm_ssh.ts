/**
 * SSH round trips for bench/slurm.ts: `true` through drover's `SshTransport` (one
 * connection, one persistent remote shell) against the test sshd of scripts/sshd-up.sh.
 */
import { resolveSshTarget, SshTransport } from "../lib/transport/mod.ts";

/** What the round-trip measurement found. */
export interface SshRoundTrips {
  readonly destination: string;
  /** Connecting and authenticating, ms. */
  readonly connectMs: number;
  /** Each measured `exec("true")`, ms. */
  readonly samples: readonly number[];
}

/** The test sshd from DROVER_TEST_SSH_*, or why there is none. */
export function findSshd():
  | { destination: string; key: string; knownHosts: string }
  | { problem: string } {
  const env = (name: string): string | undefined => Deno.env.get(`DROVER_TEST_SSH_${name}`);
  const [host, port, user, key, knownHosts] = ["HOST", "PORT", "USER", "KEY", "KNOWN_HOSTS"].map(
    env,
  );
  if (!host || !port || !user || !key || !knownHosts) {
    return { problem: "DROVER_TEST_SSH_HOST/PORT/USER/KEY/KNOWN_HOSTS are not all set" };
  }
  return { destination: `${user}@${host}:${port}`, key, knownHosts };
}

/**
 * Connects, runs `warmup` commands, then times `count` more one after another.
 *
 * @param sshd The server.
 * @param count Measured commands.
 * @param warmup Unmeasured commands first.
 */
export async function sshRoundTrips(
  sshd: { destination: string; key: string; knownHosts: string },
  count: number,
  warmup: number,
): Promise<SshRoundTrips> {
  const target = {
    ...resolveSshTarget(sshd.destination, { configFile: "/nonexistent/drover-bench-config" }),
    identityFiles: [sshd.key],
    identitiesOnly: true,
    identityAgent: "none",
    userKnownHostsFiles: [sshd.knownHosts],
    globalKnownHostsFiles: [],
  };
  let connectMs = NaN;
  await using ssh = new SshTransport(target, {
    onEvent: (e) => {
      if (e.type === "connected") connectMs = e.ms;
    },
  });
  for (let i = 0; i < warmup; i++) await check(ssh.exec("true"));
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await check(ssh.exec("true"));
    samples.push(performance.now() - t);
  }
  return { destination: sshd.destination, connectMs, samples };
}

async function check(p: Promise<{ code: number; stderr: string }>): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Error(`Cannot run "true" over SSH: exit ${r.code} ${r.stderr}`);
}
