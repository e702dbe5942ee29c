import assert from "node:assert/strict";
import {
  ManualClock,
  SharedStatus,
  systemIdentity,
  SystemLink,
  TURN_LEASE_MS,
  UserPolls,
} from "../../lib/runtime/mod.ts";
import type { JobStatus, SchedulerDriver } from "../../lib/scheduler/mod.ts";
import type { System } from "../../lib/systems/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const system: System = {
  name: "hpc",
  scheduler: "slurm",
  host: "me@hpc",
  rundir: "/r",
  partitions: [],
  header: [],
  setup: [],
  deno: "upload",
  maxJobs: 10,
  pollMs: 1000,
};

/** A Slurm stand-in that counts status queries and answers `jobs`. */
interface FakeSlurm {
  readonly driver: SchedulerDriver;
  readonly counts: { status: number; submit: number };
  readonly failOnce: () => void;
}

function fakeSlurm(jobs: () => Map<string, JobStatus> = () => new Map()): FakeSlurm {
  const counts = { status: 0, submit: 0 };
  let failNext = false;
  const driver: SchedulerDriver = {
    name: "slurm",
    render: () => "",
    submit: () => (counts.submit++, Promise.resolve(String(counts.submit))),
    cancel: () => Promise.resolve(),
    limits: () => Promise.resolve({ maxArraySize: 100, maxJobCount: 100 }),
    status: () => {
      counts.status++;
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error("squeue failed"));
      }
      return Promise.resolve(jobs());
    },
  };
  return { driver, counts, failOnce: () => void (failNext = true) };
}

const transport = new LocalTransport();

Deno.test("SharedStatus.wrap() asks again after its own submission once the interval allows", async () => {
  await using dir = await tempDir();
  using polls = UserPolls.open(dir.path);
  const clock = new ManualClock(5_000_000);
  const slurm = fakeSlurm();
  const a = new SharedStatus(polls, { owner: "a", clock }).wrap(system, slurm.driver);
  const b = new SharedStatus(polls, { owner: "b", clock }).wrap(system, slurm.driver);
  await a.status(transport);
  clock.advance(100);
  await b.status(transport);
  assert.equal(slurm.counts.status, 1, "b reads a's fresh answer");
  await b.submit(transport, "/job.sh");
  const before = clock.now();
  await b.status(transport); // needs an answer newer than its submission
  assert.equal(slurm.counts.status, 2);
  assert.ok(clock.now() - before >= 900, "it waited for the interval to pass");
  await a.status(transport);
  assert.equal(slurm.counts.status, 2, "a takes b's answer");
});

Deno.test("SharedStatus.wrap() lets the next process ask at once when a query failed", async () => {
  await using dir = await tempDir();
  using polls = UserPolls.open(dir.path);
  const clock = new ManualClock(5_000_000);
  const slurm = fakeSlurm();
  const a = new SharedStatus(polls, { owner: "a", clock }).wrap(system, slurm.driver);
  const b = new SharedStatus(polls, { owner: "b", clock }).wrap(system, slurm.driver);
  slurm.failOnce();
  await assert.rejects(a.status(transport), /squeue failed/);
  const before = clock.now();
  await b.status(transport);
  assert.equal(slurm.counts.status, 2);
  assert.equal(clock.now(), before, "b did not wait");
});

Deno.test("UserPolls.takeTurn() takes over a turn whose holder stayed busy past the lease", async () => {
  await using dir = await tempDir();
  using polls = UserPolls.open(dir.path);
  const id = systemIdentity(system);
  assert.equal(polls.takeTurn(id, "dead", 1_000, 1000), true);
  assert.equal(polls.takeTurn(id, "b", 1_000 + TURN_LEASE_MS - 1, 1000), false);
  assert.equal(polls.takeTurn(id, "b", 1_000 + TURN_LEASE_MS, 1000), true);
});

Deno.test("SharedStatus.othersInFlight() counts live elements of other projects' drover jobs", async () => {
  await using dir = await tempDir();
  using polls = UserPolls.open(dir.path);
  const clock = new ManualClock(5_000_000);
  const job = (name: string, states: string[]): [string, JobStatus] => [name, {
    name,
    id: "1",
    elements: new Map(states.map((state, index) => [index, { index, state }])),
  }];
  const slurm = fakeSlurm(() =>
    new Map([
      job("dr-mine-1", ["RUNNING", "PENDING"]),
      job("dr-theirs-2", ["RUNNING", "PENDING", "PENDING", "COMPLETED"]),
      job("not-drover", ["RUNNING"]),
    ])
  );
  const shared = new SharedStatus(polls, { owner: "a", clock });
  assert.equal(shared.othersInFlight(system, new Set()), 0, "nothing known yet");
  await shared.wrap(system, slurm.driver).status(transport);
  assert.equal(shared.othersInFlight(system, new Set(["dr-mine-1"])), 3);
  assert.equal(shared.othersInFlight({ ...system, name: "same-cluster" }, new Set()), 5);
  assert.equal(shared.othersInFlight({ ...system, host: "you@hpc" }, new Set()), 0);
  // Their process saw dr-theirs-2 end (its calls decided from markers) after that answer:
  // another process stops counting it before anyone asks the scheduler again.
  clock.advance(1000);
  new SharedStatus(polls, { owner: "b", clock }).jobsEnded(system, ["dr-theirs-2"]);
  assert.equal(shared.othersInFlight(system, new Set(["dr-mine-1"])), 0);
  assert.equal(shared.othersInFlight(system, new Set()), 2, "mine still counts for others");
  clock.advance(10 * 60_000);
  assert.equal(shared.othersInFlight(system, new Set()), 0, "an old answer says nothing");
});

Deno.test("UserPolls.open() makes its directory 0700 and its database 0600", async () => {
  await using dir = await tempDir();
  const state = `${dir.path}/state/drover`;
  UserPolls.open(state).close();
  assert.equal(Deno.statSync(state).mode! & 0o777, 0o700);
  assert.equal(Deno.statSync(`${state}/polls.db`).mode! & 0o777, 0o600);
});

Deno.test("SystemLink.driver.status() reuses its last answer for quick looks, not across a submission", async () => {
  const slurm = fakeSlurm();
  const link = new SystemLink({ ...system, pollMs: 60_000 }, transport, slurm.driver);
  await link.driver.status(transport);
  await link.driver.status(transport);
  assert.equal(slurm.counts.status, 2, "no reuse unless asked");
  link.reuseStatus(true);
  await link.driver.status(transport);
  assert.equal(slurm.counts.status, 2, "a quick look reuses the answer");
  await link.driver.submit(transport, "/job.sh");
  await link.driver.status(transport);
  assert.equal(slurm.counts.status, 3, "a submission makes the last answer stale");
});

Deno.test("SharedStatus.wrap() reads a scheduler's limits once an hour for all processes", async () => {
  await using dir = await tempDir();
  using polls = UserPolls.open(dir.path);
  const clock = new ManualClock(5_000_000);
  let reads = 0;
  const slurm = fakeSlurm();
  const driver: SchedulerDriver = {
    ...slurm.driver,
    limits: () => (reads++, Promise.resolve({ maxArraySize: 7, maxJobCount: 70 })),
  };
  const a = new SharedStatus(polls, { owner: "a", clock }).wrap(system, driver);
  const b = new SharedStatus(polls, { owner: "b", clock }).wrap(system, driver);
  assert.deepEqual(await a.limits(transport), { maxArraySize: 7, maxJobCount: 70 });
  assert.deepEqual(await b.limits(transport), { maxArraySize: 7, maxJobCount: 70 });
  assert.equal(reads, 1);
  clock.advance(60 * 60_000 + 1);
  await b.limits(transport);
  assert.equal(reads, 2);
});

Deno.test("SharedStatus.wrap() asks the scheduler itself when the shared state fails", async () => {
  await using dir = await tempDir();
  const polls = UserPolls.open(dir.path);
  const slurm = fakeSlurm(() =>
    new Map([["dr-x", { name: "dr-x", id: "7", elements: new Map() }]])
  );
  const shared = new SharedStatus(polls, { owner: "a", clock: new ManualClock(5_000_000) });
  const driver = shared.wrap(system, slurm.driver);
  polls.close(); // every operation on it now throws
  assert.deepEqual([...(await driver.status(transport)).keys()], ["dr-x"]);
  assert.deepEqual(await driver.limits(transport), { maxArraySize: 100, maxJobCount: 100 });
  assert.equal(shared.othersInFlight(system, new Set()), 0);
  assert.equal(slurm.counts.status, 1);
});
