import assert from "node:assert/strict";
import {
  LOCAL_LIMITS,
  LocalDriver,
  type SchedulerDriver,
  SubmitError,
} from "../../lib/scheduler/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";
import { driverConformance, openLocalDriver } from "./_driver_conformance.ts";

driverConformance({
  label: "local",
  limits: LOCAL_LIMITS,
  timeoutMs: 20_000,
  open: () => openLocalDriver(new LocalTransport()),
});

const encoder = new TextEncoder();

/** Writes a rendered script to `dir/job.sh` and submits it. */
async function submit(
  driver: SchedulerDriver,
  dir: string,
  spec: Parameters<SchedulerDriver["render"]>[0],
): Promise<string> {
  await Deno.writeFile(`${dir}/job.sh`, encoder.encode(driver.render(spec)));
  return await driver.submit(new LocalTransport(), `${dir}/job.sh`);
}

/** Polls until every element of the named job has ended. */
async function finished(driver: LocalDriver, name: string): Promise<Map<number, string>> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const job = (await driver.status(new LocalTransport())).get(name);
    const states = new Map([...job?.elements.values() ?? []].map((e) => [e.index, e.state]));
    if (job && [...states.values()].every((s) => !["PENDING", "RUNNING"].includes(s))) {
      return states;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${name} did not finish`);
}

Deno.test("LocalDriver runs at most maxParallel elements at once, fewer when the array is throttled", async () => {
  await using dir = await tempDir();
  const driver = new LocalDriver({ registry: `${dir.path}/registry`, maxParallel: 2 });
  const body = [
    'touch "running.$DROVER_ARRAY_INDEX"',
    // Count with a glob, not `ls | wc`: ls fails when a file goes away between the glob and
    // its stat, and pipefail would then fail the element.
    'set -- running.*; echo "$#" > "seen.$DROVER_ARRAY_INDEX"',
    "sleep 0.4",
    'set -- running.*; echo "$#" >> "seen.$DROVER_ARRAY_INDEX"',
    'rm "running.$DROVER_ARRAY_INDEX"',
  ];
  for (const [throttle, cap] of [[undefined, 2], [1, 1]] as const) {
    const name = `cap-${throttle ?? "none"}`;
    await Deno.mkdir(`${dir.path}/${name}`);
    await submit(driver, `${dir.path}/${name}`, {
      name,
      array: { size: 6, ...(throttle ? { throttle } : {}) },
      workdir: `${dir.path}/${name}`,
      body,
    });
    const states = await finished(driver, name);
    assert.deepEqual([...states.values()], Array(6).fill("COMPLETED"));
    let most = 0;
    for (let i = 0; i < 6; i++) {
      const seen = (await Deno.readTextFile(`${dir.path}/${name}/seen.${i}`)).trim().split(/\s+/);
      most = Math.max(most, ...seen.map(Number));
    }
    assert.ok(most <= cap, `${most} elements ran at once (cap ${cap})`);
    assert.equal(most, cap, `never ran ${cap} at once`);
  }
});

Deno.test("LocalDriver job outlives the process that submitted it", async () => {
  await using dir = await tempDir();
  const registry = `${dir.path}/registry`;
  const script = `${dir.path}/job.sh`;
  const driver = new LocalDriver({ registry });
  await Deno.writeTextFile(
    script,
    driver.render({ name: "orphan", body: ["sleep 0.5", `touch ${dir.path}/survived`] }),
  );
  const mod = new URL("../../lib/scheduler/mod.ts", import.meta.url).href;
  const transportMod = new URL("../../lib/transport/mod.ts", import.meta.url).href;
  const code = `
    const { LocalDriver } = await import(${JSON.stringify(mod)});
    const { LocalTransport } = await import(${JSON.stringify(transportMod)});
    const id = await new LocalDriver({ registry: ${JSON.stringify(registry)} })
      .submit(new LocalTransport(), ${JSON.stringify(script)});
    console.log(id);
    Deno.kill(Deno.pid, "SIGKILL");
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.signal, "SIGKILL", new TextDecoder().decode(out.stderr));
  const id = new TextDecoder().decode(out.stdout).trim();
  assert.match(id, /^[a-z0-9]+-[0-9a-f]{8}$/);
  assert.deepEqual([...(await finished(driver, "orphan")).values()], ["COMPLETED"]);
  assert.equal((await Deno.stat(`${dir.path}/survived`)).isFile, true);
});

Deno.test("LocalDriver.status() reports NODE_FAIL for elements whose manager died without finishing them", async () => {
  await using dir = await tempDir();
  const registry = `${dir.path}/registry`;
  const driver = new LocalDriver({ registry });
  const id = await submit(driver, dir.path, {
    name: "lost",
    array: { size: 3, throttle: 1 },
    body: ["sleep 60"],
  });
  const t = new LocalTransport();
  const until = Date.now() + 10_000;
  while ((await driver.status(t)).get("lost")?.elements.get(0)?.state !== "RUNNING") {
    assert.ok(Date.now() < until, "element 0 never ran");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  // A reboot: the manager's process group and the element's session die together.
  const manager = (await Deno.readTextFile(`${registry}/jobs/${id}/pgid`)).trim();
  const element = (await Deno.readTextFile(`${registry}/jobs/${id}/el.0`)).split(" ")[1].trim();
  await t.exec(`kill -s KILL -- -${manager} -${element}`);
  const states = await finished(driver, "lost");
  assert.deepEqual([...states.values()], ["NODE_FAIL", "NODE_FAIL", "NODE_FAIL"]);
  const job = (await driver.status(t)).get("lost");
  assert.equal(job?.elements.get(1)?.reason, "ManagerGone");
});

Deno.test("LocalDriver.submit() refuses a script without #DROVER directives", async () => {
  await using dir = await tempDir();
  const driver = new LocalDriver({ registry: `${dir.path}/registry` });
  await Deno.writeTextFile(`${dir.path}/job.sh`, "#!/bin/bash\n#SBATCH --job-name=x\ntrue\n");
  await assert.rejects(
    driver.submit(new LocalTransport(), `${dir.path}/job.sh`),
    (e: unknown) => e instanceof SubmitError && /no valid #DROVER --job-name/.test(e.stderr),
  );
});

Deno.test("LocalDriver.status() lists nothing when the registry does not exist yet", async () => {
  await using dir = await tempDir();
  const driver = new LocalDriver({ registry: `${dir.path}/none` });
  assert.equal((await driver.status(new LocalTransport())).size, 0);
});

Deno.test("LocalDriver.submit() forgets jobs that ended more than a day ago", async () => {
  await using dir = await tempDir();
  const registry = `${dir.path}/registry`;
  const driver = new LocalDriver({ registry });
  const old = await submit(driver, dir.path, { name: "old", body: ["true"] });
  await finished(driver, "old");
  const done = `${registry}/jobs/${old}/done`; // the manager writes it after the last element
  while (!(await Deno.stat(done).then(() => true, () => false))) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const t = new LocalTransport();
  await t.exec(`touch -d '2 days ago' '${done}'`);
  await submit(driver, dir.path, { name: "new", body: ["true"] });
  const jobs = await driver.status(t);
  assert.equal(jobs.has("old"), false);
  assert.equal(jobs.has("new"), true);
});

Deno.test("LocalDriver.status() lists the newer of two jobs with the same name", async () => {
  await using dir = await tempDir();
  const driver = new LocalDriver({ registry: `${dir.path}/registry` });
  await submit(driver, dir.path, { name: "twice", body: ["true"] });
  await finished(driver, "twice");
  const second = await submit(driver, dir.path, { name: "twice", body: ["true"] });
  assert.equal((await driver.status(new LocalTransport())).get("twice")?.id, second);
});

Deno.test("new LocalDriver() throws RangeError for a relative registry or a bad maxParallel", () => {
  assert.throws(() => new LocalDriver({ registry: "relative/dir" }), RangeError);
  assert.throws(() => new LocalDriver({ maxParallel: 0 }), RangeError);
  assert.throws(() => new LocalDriver({ maxParallel: 1.5 }), RangeError);
});

Deno.test("LocalDriver writes each element's output to its {index} paths, stderr with stdout when it has no path", async () => {
  await using dir = await tempDir();
  const driver = new LocalDriver({ registry: `${dir.path}/registry` });
  const body = ['echo "out $DROVER_ARRAY_INDEX"', 'echo "err $DROVER_ARRAY_INDEX" >&2'];
  await submit(driver, dir.path, {
    name: "logs",
    array: { size: 2 },
    body,
    stdout: `${dir.path}/{index}.out`,
    stderr: `${dir.path}/{index}.err`,
  });
  await submit(driver, dir.path, {
    name: "merged",
    body,
    stdout: `${dir.path}/merged.{index}.log`,
  });
  await finished(driver, "logs");
  await finished(driver, "merged");
  for (const i of [0, 1]) {
    assert.equal(await Deno.readTextFile(`${dir.path}/${i}.out`), `out ${i}\n`);
    assert.equal(await Deno.readTextFile(`${dir.path}/${i}.err`), `err ${i}\n`);
  }
  assert.equal(await Deno.readTextFile(`${dir.path}/merged.0.log`), "out 0\nerr 0\n");
});

Deno.test("LocalDriver.status() skips a job directory whose meta is missing or not written yet", async () => {
  await using dir = await tempDir();
  const registry = `${dir.path}/registry`;
  const driver = new LocalDriver({ registry });
  await submit(driver, dir.path, { name: "real", body: ["true"] });
  await finished(driver, "real");
  await Deno.mkdir(`${registry}/jobs/lx000000-00000000`, { recursive: true });
  await Deno.mkdir(`${registry}/jobs/lx000001-00000001`);
  await Deno.writeTextFile(`${registry}/jobs/lx000001-00000001/meta`, "");
  const jobs = await driver.status(new LocalTransport());
  assert.deepEqual([...jobs.keys()], ["real"]);
  assert.equal(jobs.get("real")!.elements.get(0)?.state, "COMPLETED");
});
