import assert from "node:assert/strict";
import {
  parseRemoteInfo,
  RemoteInfoError,
  resourcesFor,
  safeParseRemoteInfo,
} from "../../lib/routing/mod.ts";

const SOURCE = "from DROVER_REMOTE_INFO";

function problemOf(input: unknown): RemoteInfoError {
  const result = safeParseRemoteInfo(input as string, SOURCE);
  assert.equal(result.success, false, `expected an error for ${JSON.stringify(input)}`);
  if (result.success) throw new Error("unreachable");
  assert.ok(result.error instanceof RemoteInfoError);
  return result.error;
}

Deno.test("parseRemoteInfo() fills in defaults and keeps key order when routes give only a system", () => {
  const info = parseRemoteInfo(
    '{"b.ts::main,lib/r.ts::relax": {"system": "c"}, "gpu": {"system": "g"}}',
    SOURCE,
  );
  assert.equal(info.source, SOURCE);
  assert.deepEqual(info.rules.map((r) => r.key), ["b.ts::main,lib/r.ts::relax", "gpu"]);
  assert.deepEqual(info.rules[0].route, {
    system: "c",
    resources: {},
    inputsPerJob: 1,
    inputFiles: [],
    env: {},
    maxRestarts: 2,
  });
  assert.deepEqual(info.rules[1].pattern, { kind: "label", label: "gpu" });
});

Deno.test("parseRemoteInfo() parses times and sizes and reads every field when all are given", () => {
  const info = parseRemoteInfo(
    JSON.stringify({
      "*::relax": {
        system: "hpc",
        jobName: "relax-si",
        resources: {
          nodes: 2,
          cores: 48,
          time: "1-12:00:00",
          memory: "180G",
          partition: "big",
          gpus: 0,
        },
        inputsPerJob: 10,
        inputFiles: ["potentials/*.json", "data/si.xyz"],
        env: { OMP_NUM_THREADS: 1, DEBUG: true, MODE: "fast" },
        setup: ["module load vasp/6.4"],
        maxRestarts: 0,
      },
      "other.ts::*": { system: "hpc", resources: { time: 90, memory: 2048 } },
    }),
    SOURCE,
  );
  assert.deepEqual(info.rules[0].route, {
    system: "hpc",
    jobName: "relax-si",
    resources: {
      nodes: 2,
      cores: 48,
      time: 36 * 3_600_000,
      memory: 180 * 1024 ** 3,
      partition: "big",
      gpus: 0,
    },
    inputsPerJob: 10,
    inputFiles: ["potentials/*.json", "data/si.xyz"],
    env: { OMP_NUM_THREADS: "1", DEBUG: "true", MODE: "fast" },
    setup: ["module load vasp/6.4"],
    maxRestarts: 0,
  });
  assert.deepEqual(info.rules[1].route.resources, {
    time: 90 * 60_000,
    memory: 2048 * 1024 ** 2,
  }, "numbers are minutes and megabytes, as Slurm reads them");
});

Deno.test("parseRemoteInfo() accepts an object and a resources function when given in code", () => {
  const info = parseRemoteInfo({
    "lib/relax.ts::relax": {
      system: "hpc",
      resources: (attempt) => ({ time: `${attempt * 2}:00:00`, memory: attempt > 1 ? "8G" : "4G" }),
    },
  });
  assert.equal(info.source, "given in code");
  const route = info.rules[0].route;
  assert.equal(typeof route.resources, "function");
  assert.deepEqual(resourcesFor(route, 1), { time: 2 * 3_600_000, memory: 4 * 1024 ** 3 });
  assert.deepEqual(resourcesFor(route, 2), { time: 4 * 3_600_000, memory: 8 * 1024 ** 3 });
});

Deno.test("resourcesFor() returns the route's resources when they are not a function", () => {
  const [rule] = parseRemoteInfo({ gpu: { system: "g", resources: { gpus: 2 } } }).rules;
  assert.deepEqual(resourcesFor(rule.route, 3), { gpus: 2 });
});

Deno.test("resourcesFor() throws TypeError naming the problem when the function returns bad resources", () => {
  const [rule] = parseRemoteInfo({
    gpu: { system: "g", resources: (attempt) => ({ time: attempt > 1 ? "soon" : "1:00:00" }) },
  }).rules;
  assert.deepEqual(resourcesFor(rule.route, 1), { time: 3_600_000 });
  assert.throws(() => resourcesFor(rule.route, 2), {
    name: "TypeError",
    message:
      "Cannot compute resources for attempt 2: what the resources function returned is not " +
      'valid: time must be a Slurm time such as 30 (minutes), 30:00, 12:00:00, 2-12 or 2-00:00:00, more than 0 and not UNLIMITED (got "soon")',
  });
  const [throwing] = parseRemoteInfo({
    gpu: {
      system: "g",
      resources: () => {
        throw new Error("no more");
      },
    },
  }).rules;
  assert.throws(() => resourcesFor(throwing.route, 1), {
    name: "TypeError",
    message: "Cannot compute resources for attempt 1: the resources function threw (no more)",
  });
});

Deno.test("resourcesFor() throws RangeError when the attempt is not a whole number from 1", () => {
  const [rule] = parseRemoteInfo({ gpu: { system: "g" } }).rules;
  for (const attempt of [0, -1, 1.5, NaN]) {
    assert.throws(() => resourcesFor(rule.route, attempt), RangeError, String(attempt));
  }
});

Deno.test("parseRemoteInfo() names the source, the path and what was expected in one line for every mistake", () => {
  const time =
    "a Slurm time such as 30 (minutes), 30:00, 12:00:00, 2-12 or 2-00:00:00, more than 0 and not UNLIMITED";
  const cases: [string, string][] = [
    ['{"a.ts::main": {}}', '["a.ts::main"].system is required: the name of a system'],
    [
      '{"a.ts::main": {"system": ""}}',
      '["a.ts::main"].system must be the name of a system (got "")',
    ],
    ['{"gpu": {"system": 3}}', "gpu.system must be the name of a system (got 3)"],
    [
      '{"gpu": {"system": "c", "resources": {"time": "soon"}}}',
      `gpu.resources.time must be ${time} (got "soon")`,
    ],
    [
      '{"gpu": {"system": "c", "resources": {"time": "UNLIMITED"}}}',
      `gpu.resources.time must be ${time} (got "UNLIMITED")`,
    ],
    [
      '{"gpu": {"system": "c", "resources": {"time": 1.5}}}',
      `gpu.resources.time must be ${time} (got 1.5)`,
    ],
    [
      '{"gpu": {"system": "c", "resources": {"memory": 0}}}',
      "gpu.resources.memory must be a size such as 4G, 500M, 1.5T or 4096 (MB), more than 0 (got 0)",
    ],
    [
      '{"gpu": {"system": "c", "resources": {"cores": 0}}}',
      "gpu.resources.cores must be a whole number, 1 or more (got 0)",
    ],
    [
      '{"gpu": {"system": "c", "resources": {"nodes": "2"}}}',
      'gpu.resources.nodes must be a whole number, 1 or more (got "2")',
    ],
    [
      '{"gpu": {"system": "c", "resources": {"partition": "a,b"}}}',
      'gpu.resources.partition must be a partition name (got "a,b")',
    ],
    [
      '{"gpu": {"system": "c", "resources": {"cpus": 4}}}',
      "gpu.resources.cpus is not a known setting (expected one of nodes, cores, time, memory, partition, gpus)",
    ],
    [
      '{"gpu": {"system": "c", "resources": 4}}',
      "gpu.resources must be a mapping of nodes, cores, time, memory, partition, gpus (or, in code, a function of the attempt) (got 4)",
    ],
    [
      '{"gpu": {"system": "c", "env": {"1X": "a"}}}',
      'gpu.env["1X"] is not a valid variable name: use letters, digits and _, not starting with a digit',
    ],
    [
      '{"gpu": {"system": "c", "env": {"X": null}}}',
      "gpu.env.X must be text, a number or true/false (got null)",
    ],
    [
      '{"gpu": {"system": "c", "env": {"DROVER_CORES": 4}}}',
      "gpu.env.DROVER_CORES is set by drover from the job (refer to it as ${DROVER_CORES} instead)",
    ],
    [
      '{"gpu": {"system": "c", "setup": ["a\\nb"]}}',
      'gpu.setup[0] must be a line of shell (got "a\\nb")',
    ],
    [
      '{"gpu": {"system": "c", "env": []}}',
      "gpu.env must be a mapping from variable names to values (got a list)",
    ],
    [
      '{"gpu": {"system": "c", "inputFiles": "a.txt"}}',
      'gpu.inputFiles must be a list of paths of files or directories, or globs (got "a.txt")',
    ],
    [
      '{"gpu": {"system": "c", "inputFiles": ["a", " "]}}',
      'gpu.inputFiles[1] must be a path of a file or directory, or a glob (got " ")',
    ],
    [
      '{"gpu": {"system": "c", "inputsPerJob": 0}}',
      'gpu.inputsPerJob must be a whole number, 1 or more, or "auto" (got 0)',
    ],
    [
      '{"gpu": {"system": "c", "maxRestarts": -1}}',
      "gpu.maxRestarts must be a whole number, 0 or more (got -1)",
    ],
    [
      '{"gpu": {"system": "c", "jobName": "a b"}}',
      'gpu.jobName must be a job name of letters, digits, _ . - (got "a b")',
    ],
    [
      '{"gpu": {"system": "c", "sytem": "c"}}',
      "gpu.sytem is not a known setting (expected one of system, jobName, resources, inputsPerJob, targetElementTime, inputFiles, env, setup, maxRestarts)",
    ],
    ['{"gpu": "c"}', 'gpu must be a mapping with at least a system (got "c")'],
    [
      '{"relax_all.ts,lib/relax.ts::relax": {"system": "c"}}',
      'key "relax_all.ts,lib/relax.ts::relax" has "relax_all.ts" where file::function is expected',
    ],
    [
      '{"gpu jobs": {"system": "c"}}',
      'key "gpu jobs" is neither a label (letters, digits, _ . : -) nor comma-separated file.ts::function patterns',
    ],
    [
      '{"a.ts::main,b.ts::f": {"system": "c"}, "a.ts::main, ./b.ts::f": {"system": "d"}}',
      'key "a.ts::main, ./b.ts::f" is the same pattern as key "a.ts::main,b.ts::f"',
    ],
    [
      "[1]",
      "the top level must be a mapping from call-stack patterns or labels to routes (got a list)",
    ],
    [
      '"x"',
      'the top level must be a mapping from call-stack patterns or labels to routes (got "x")',
    ],
  ];
  for (const [text, problem] of cases) {
    assert.equal(problemOf(text).message, `Cannot read remote info ${SOURCE}: ${problem}`, text);
  }
});

Deno.test("parseRemoteInfo() carries source, path and expected when it throws RemoteInfoError", () => {
  const e = problemOf('{"a.ts::main": {"system": "c", "resources": {"gpus": -1}}}');
  assert.equal(e.name, "RemoteInfoError");
  assert.equal(e.source, SOURCE);
  assert.equal(e.path, '["a.ts::main"].resources.gpus');
  assert.equal(e.expected, "a whole number, 0 or more");
  assert.throws(
    () => parseRemoteInfo('{"a.ts::main": {"system": "c", "resources": {"gpus": -1}}}', SOURCE),
    e,
  );
});

Deno.test("parseRemoteInfo() reports bad JSON in one line naming the source", () => {
  for (const text of ['{"a": 1', "{'a': 1}", "", '{"a.ts::main": {"system": "c",}}']) {
    const e = problemOf(text);
    assert.match(
      e.message,
      /^Cannot read remote info from DROVER_REMOTE_INFO: it is not valid JSON \(.+\)$/,
      text,
    );
    assert.equal(e.path, "");
    assert.equal(e.expected, "JSON");
    assert.ok(e.cause instanceof SyntaxError);
  }
});

Deno.test("parseRemoteInfo() names code as the source when none is given", () => {
  assert.throws(() => parseRemoteInfo({ gpu: {} as { system: string } }), {
    message: "Cannot read remote info given in code: gpu.system is required: the name of a system",
  });
});
