/**
 * A system as the job runtime uses it: its transport, its scheduler driver, its resolved
 * run directory, its object store, and the Deno it runs jobs with.
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";
import type { JobStatus, SchedulerDriver, SchedulerLimits } from "../scheduler/mod.ts";
import type { System } from "../systems/mod.ts";
import type { Transport } from "../transport/mod.ts";
import { TransportError, withAccess } from "../transport/mod.ts";
import { warmUpCommand } from "./job_layout.ts";
import type { SharedStatus } from "./shared_status.ts";

const encoder = new TextEncoder();
/** Concurrent writers of objects staged on this machine. */
const LOCAL_WRITERS = 4;
const decoder = new TextDecoder();

/** An object to make sure of on a system: its hash and a way to get its bytes. */
export interface ObjectToStage {
  /** sha256 hex of the bytes. */
  readonly hash: string;
  /** The bytes (read only when the system lacks the object). */
  readonly bytes: () => Uint8Array;
}

/** Options of {@linkcode SystemLink}. */
export interface SystemLinkOptions {
  /** The path of the local Deno binary (uploaded when `deno: upload` on a remote host). */
  readonly denoPath?: string;
  /**
   * Shares the scheduler's answers and in-flight counts with the user's other drover
   * processes (see {@linkcode SharedStatus}). Default: none.
   */
  readonly shared?: SharedStatus;
}

/**
 * One system, connected: run directory resolved (`~` expanded once), objects staged by
 * hash (only what the system lacks is sent), results fetched and verified.
 *
 * @example
 * ```ts
 * import { SystemLink } from "./system_link.ts";
 * import { LocalTransport } from "../transport/mod.ts";
 * import { driverFor } from "../scheduler/mod.ts";
 * import { sha256Hex } from "../codec/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const system = {
 *   name: "here", scheduler: "local" as const, rundir: dir, partitions: [], header: [],
 *   setup: [], deno: "upload", maxJobs: 10, pollMs: 100,
 * };
 * const link = new SystemLink(system, new LocalTransport(), driverFor("local"));
 * const bytes = new TextEncoder().encode("hello");
 * const hash = sha256Hex(bytes);
 * assert.equal(await link.stageObjects([{ hash, bytes: () => bytes }]), 1);
 * assert.equal(await link.stageObjects([{ hash, bytes: () => bytes }]), 0);
 * assert.deepEqual(await link.fetchObject(hash), bytes);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SystemLink {
  /** The system. */
  readonly system: System;
  /** How it is reached. */
  readonly transport: Transport;
  /** Its scheduler. */
  readonly driver: SchedulerDriver;
  readonly #denoPath: string;
  readonly #shared: SharedStatus | undefined;
  #lastStatus: { at: number; jobs: ReadonlyMap<string, JobStatus> } | undefined;
  #submittedAt = 0;
  #reuseStatus = false;
  #rundir: Promise<string> | undefined;
  #limits: Promise<SchedulerLimits> | undefined;
  #deno: Promise<string> | undefined;

  /**
   * Creates an instance.
   *
   * @param system The system.
   * @param transport How to reach it.
   * @param driver Its scheduler driver.
   * @param options Local Deno path, sharing with other processes.
   */
  constructor(
    system: System,
    transport: Transport,
    driver: SchedulerDriver,
    options: SystemLinkOptions = {},
  ) {
    this.system = system;
    this.transport = withAccess(transport, system.access);
    this.#shared = options.shared;
    const inner = options.shared ? options.shared.wrap(system, driver) : driver;
    this.driver = {
      name: inner.name,
      render: (spec) => inner.render(spec),
      cancel: (transport, ids) => inner.cancel(transport, ids),
      limits: (transport) => inner.limits(transport),
      submit: async (transport, script, o) => {
        const id = await inner.submit(transport, script, o);
        this.#submittedAt = Date.now();
        return id;
      },
      status: async (transport, o) => {
        const last = this.#lastStatus;
        if (
          this.#reuseStatus && last && last.at > this.#submittedAt &&
          Date.now() - last.at < system.pollMs
        ) {
          return new Map(last.jobs);
        }
        const at = Date.now();
        const jobs = await inner.status(transport, o);
        this.#lastStatus = { at, jobs };
        return new Map(jobs);
      },
    };
    this.#denoPath = options.denoPath ?? Deno.execPath();
  }

  /**
   * Whether `driver.status()` may answer with this link's last answer while that is younger
   * than the system's `pollMs` and newer than its last submission (for quick looks at the
   * markers between two scheduler queries).
   *
   * @param on Reuse or not.
   */
  reuseStatus(on: boolean): void {
    this.#reuseStatus = on;
  }

  /**
   * Elements of drover jobs other projects of the user have queued or running on this
   * system (0 without sharing).
   *
   * @param own Names of this project's live jobs.
   * @returns How many.
   */
  othersInFlight(own: ReadonlySet<string>): number {
    return this.#shared?.othersInFlight(this.system, own) ?? 0;
  }

  /**
   * Tells the user's other drover processes that these jobs ended.
   *
   * @param names The jobs' names.
   */
  jobsEnded(names: readonly string[]): void {
    if (names.length > 0) this.#shared?.jobsEnded(this.system, names);
  }

  /** The run directory, absolute (`~` expanded on the system). */
  rundir(): Promise<string> {
    this.#rundir ??= (async () => {
      const dir = this.system.rundir;
      if (dir === "~" || dir.startsWith("~/")) {
        const home = await this.transport.home();
        return dir === "~" ? home : `${home.replace(/\/$/, "")}/${dir.slice(2)}`;
      }
      return dir;
    })();
    this.#rundir.catch(() => (this.#rundir = undefined));
    return this.#rundir;
  }

  /** The scheduler's array limits, asked once. */
  limits(): Promise<SchedulerLimits> {
    this.#limits ??= this.driver.limits(this.transport);
    this.#limits.catch(() => (this.#limits = undefined));
    return this.#limits;
  }

  /**
   * The path of an object on the system.
   *
   * @param hash The object.
   * @returns Its absolute path.
   */
  async objectPath(hash: string): Promise<string> {
    return `${await this.rundir()}/objects/${hash.slice(0, 2)}/${hash}`;
  }

  /**
   * Makes sure the system has these objects: asks which it lacks (one command), then sends
   * only those (one bulk transfer).
   *
   * @param objects The objects.
   * @returns How many were sent.
   */
  async stageObjects(objects: readonly ObjectToStage[]): Promise<number> {
    return (await this.stageMissing(objects)).size;
  }

  /**
   * Like {@linkcode SystemLink.stageObjects}, and says which objects were sent.
   *
   * @param objects The objects.
   * @returns The hashes of those the system lacked and now has.
   */
  async stageMissing(objects: readonly ObjectToStage[]): Promise<ReadonlySet<string>> {
    if (objects.length === 0) return new Set();
    const root = `${await this.rundir()}/objects`;
    const unique = [...new Map(objects.map((o) => [o.hash, o])).values()];
    const list = unique.map((o) => `${o.hash.slice(0, 2)}/${o.hash}`).join("\n") + "\n";
    const r = await this.transport.exec(
      `mkdir -p ${q(root)} && cd ${q(root)} && while read -r p; do [ -f "$p" ] || echo "$p"; done`,
      { stdin: list },
    );
    if (r.code !== 0) {
      throw new TransportError(
        this.transport.label,
        "io",
        `could not list objects in ${root} (exit ${r.code}: ${r.stderr.trim()})`,
      );
    }
    const missing = new Set(
      decoder.decode(r.stdout).split("\n").filter(Boolean).map((p) => p.slice(3)),
    );
    const files = unique.filter((o) => missing.has(o.hash)).map((o) => ({
      path: `${root}/${o.hash.slice(0, 2)}/${o.hash}`,
      data: o.bytes(),
      mode: 0o600,
    }));
    // Here, a few writers at once (file system calls wait on the disk, not on the CPU);
    // over SSH, one bulk transfer.
    const writers = this.system.host === undefined ? Math.min(LOCAL_WRITERS, files.length) : 1;
    const size = Math.ceil(files.length / Math.max(1, writers));
    await Promise.all(
      Array.from(
        { length: writers },
        (_, i) => this.transport.writeFiles(files.slice(i * size, (i + 1) * size)),
      ),
    );
    return new Set(files.map((f) => f.path.slice(f.path.lastIndexOf("/") + 1)));
  }

  /**
   * Loads a newly staged job bundle once on the system, in the background, so its elements
   * start with Deno's code cache written (see `warmUpCommand`). Returns when the warm-up
   * has been started; its failure is not an error of the job (elements then start cold).
   *
   * @param hash The bundle object.
   */
  async warmUp(hash: string): Promise<void> {
    const [deno, path] = await Promise.all([this.deno(), this.objectPath(hash)]);
    await this.transport.exec(warmUpCommand(deno, path));
  }

  /**
   * Reads objects from the system and checks each against its hash.
   *
   * @param hashes The objects.
   * @returns Their bytes, in order; `undefined` for a missing or corrupt one.
   */
  async fetchObjects(hashes: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const paths = await Promise.all(hashes.map((h) => this.objectPath(h)));
    const got = await this.transport.readFiles(paths);
    return got.map((bytes, i) => bytes && sha256Hex(bytes) === hashes[i] ? bytes : undefined);
  }

  /**
   * Reads one object from the system.
   *
   * @param hash The object.
   * @returns Its bytes, or undefined when missing or corrupt.
   */
  async fetchObject(hash: string): Promise<Uint8Array | undefined> {
    return (await this.fetchObjects([hash]))[0];
  }

  /**
   * The Deno that jobs run with: the configured path, this process's own binary on this
   * machine, or (`deno: upload` on a remote host) this binary copied once into
   * `<rundir>/bin/deno-<hash>`.
   */
  deno(): Promise<string> {
    this.#deno ??= (async () => {
      if (this.system.deno !== "upload") return this.system.deno;
      if (this.system.host === undefined) return this.#denoPath;
      const bytes = await Deno.readFile(this.#denoPath);
      const path = `${await this.rundir()}/bin/deno-${sha256Hex(bytes).slice(0, 16)}`;
      const r = await this.transport.exec(`test -x ${q(path)}`);
      if (r.code !== 0) await this.transport.writeFiles([{ path, data: bytes, mode: 0o700 }]);
      return path;
    })();
    this.#deno.catch(() => (this.#deno = undefined));
    return this.#deno;
  }

  /**
   * Writes small text files on the system (manifests, scripts).
   *
   * @param files Path and text.
   */
  async writeText(files: readonly { path: string; text: string; mode?: number }[]): Promise<void> {
    await this.transport.writeFiles(
      files.map((f) => ({ path: f.path, data: encoder.encode(f.text), mode: f.mode })),
    );
  }
}

/** Single-quotes a word for POSIX sh. */
function q(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}
