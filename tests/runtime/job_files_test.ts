import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type CallOutcomeMarker,
  exitMarkerPath,
  jobDir,
  JobFileError,
  type JobManifest,
  jobStoreDir,
  logPath,
  manifestPath,
  objectPath,
  outcomeMarkerPath,
  parseExitMarker,
  parseManifest,
  parseOutcomeMarker,
  parseStartedMarker,
  safeParseManifest,
  safeParseOutcomeMarker,
  type StartedMarker,
  startedMarkerPath,
} from "../../lib/runtime/mod.ts";

const HASH = "ab".repeat(32);
const KEY = "0123456789abcdef".repeat(4);

const hex64 = fc.string({
  unit: fc.constantFrom(..."0123456789abcdef"),
  minLength: 64,
  maxLength: 64,
});
const time = fc.integer({ min: 0, max: 4_102_444_800_000 });
const storedError = fc.record({
  name: fc.string(),
  message: fc.string(),
  stack: fc.option(fc.string(), { nil: undefined }),
  data: fc.option(fc.dictionary(fc.string().filter((k) => k !== "__proto__"), fc.jsonValue()), {
    nil: undefined,
  }),
}, { requiredKeys: ["name", "message"] });
const outcome: fc.Arbitrary<CallOutcomeMarker> = fc.oneof(
  fc.record({
    ok: fc.constant(true as const),
    result: hex64,
    size: fc.nat(),
    startedAt: time,
    endedAt: time,
  }),
  fc.record({
    ok: fc.constant(false as const),
    error: storedError,
    startedAt: time,
    endedAt: time,
  }),
);
const manifest: fc.Arbitrary<JobManifest> = fc.record({
  format: fc.constant(1 as const),
  step: fc.string({ minLength: 1 }),
  bundle: hex64,
  elements: fc.array(
    fc.array(fc.record({ key: hex64, inputs: hex64 }), { minLength: 1, maxLength: 4 }),
    { minLength: 1, maxLength: 4 },
  ),
}).filter((m) => new Set(m.elements.flat().map((c) => c.key)).size === m.elements.flat().length);

/** The value as JSON gives it back: plain prototypes, no undefined fields. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

Deno.test("objectPath() and jobDir() name files under the run directory", () => {
  assert.equal(objectPath("/scratch/r", HASH), `/scratch/r/objects/ab/${HASH}`);
  assert.equal(objectPath("/scratch/r//", HASH), `/scratch/r/objects/ab/${HASH}`);
  assert.equal(jobDir("/scratch/r", "dr-relax-1"), "/scratch/r/jobs/dr-relax-1");
  assert.equal(jobStoreDir("/scratch/r/"), "/scratch/r/store/.drover");
});

Deno.test("job file paths follow the contract for a job directory", () => {
  const dir = "/r/jobs/j";
  assert.equal(manifestPath(dir), "/r/jobs/j/manifest.json");
  assert.equal(startedMarkerPath(dir, 12), "/r/jobs/j/el/12.started");
  assert.equal(exitMarkerPath(dir, 0), "/r/jobs/j/el/0.exit");
  assert.equal(outcomeMarkerPath(dir, KEY), `/r/jobs/j/out/${KEY}.json`);
  assert.equal(logPath(dir, "stdout"), "/r/jobs/j/log/{index}.out");
  assert.equal(logPath(dir, "stderr", 4), "/r/jobs/j/log/4.err");
});

Deno.test("job file paths reject bad arguments with TypeError or RangeError", () => {
  assert.throws(() => objectPath("relative", HASH), {
    name: "TypeError",
    message: 'Cannot name a job file: the run directory must be an absolute path (got "relative")',
  });
  assert.throws(() => objectPath("/r", "AB".repeat(32)), TypeError);
  assert.throws(() => outcomeMarkerPath("/r/jobs/j", "../../x"), TypeError);
  assert.throws(() => jobDir("/r", ".."), TypeError);
  assert.throws(() => jobDir("/r", "a/b"), TypeError);
  assert.throws(() => startedMarkerPath("/r/jobs/j", -1), RangeError);
  assert.throws(() => exitMarkerPath("/r/jobs/j", 1.5), RangeError);
});

Deno.test("parseManifest() reads what the dispatcher writes", () => {
  fc.assert(fc.property(manifest, (m) => {
    assert.deepEqual(parseManifest(JSON.stringify(m), "manifest.json"), plain(m));
  }));
});

Deno.test("parseManifest() ignores unknown fields", () => {
  const m = { format: 1, step: "s", bundle: HASH, elements: [[{ key: KEY, inputs: HASH }]] };
  assert.deepEqual(parseManifest(JSON.stringify({ ...m, note: "x" }), "m.json"), m);
});

Deno.test("parseManifest() names the file and the path inside it when the manifest is bad", () => {
  const file = "/r/jobs/j/manifest.json";
  const base = { format: 1, step: "relax", bundle: HASH, elements: [[{ key: KEY, inputs: HASH }]] };
  const cases: [unknown, string][] = [
    ["{", "it is not valid JSON"],
    [[], "the top level must be a JSON object { format, step, bundle, elements } (got a list)"],
    [{ ...base, format: 2 }, "format must be 1 (the manifest format) (got 2)"],
    [{ ...base, step: "" }, 'step must be a step name (got "")'],
    [{ ...base, elements: [] }, "elements must be a list of at least one element (got a list)"],
    [
      { ...base, elements: [[{ key: KEY, inputs: "nope" }]] },
      'elements[0][0].inputs must be a sha256 hex digest (got "nope")',
    ],
    [
      { ...base, elements: [[{ key: KEY, inputs: HASH }], [{ key: KEY, inputs: HASH }]] },
      "elements[1][0].key is the key of elements[0][0] again (each call runs once per job)",
    ],
  ];
  for (const [value, message] of cases) {
    const input = typeof value === "string" ? value : JSON.stringify(value);
    const result = safeParseManifest(input, file);
    assert.ok(!result.success);
    assert.ok(result.error instanceof JobFileError);
    assert.equal(result.error.file, file);
    assert.ok(
      result.error.message.startsWith(`Cannot read job file "${file}": ${message}`),
      result.error.message,
    );
    assert.throws(() => parseManifest(input, file), JobFileError);
  }
});

Deno.test("parseOutcomeMarker() reads every outcome the runner writes", () => {
  fc.assert(fc.property(outcome, (m) => {
    assert.deepEqual(parseOutcomeMarker(JSON.stringify(m), "out/k.json"), plain(m));
  }));
});

Deno.test("parseOutcomeMarker() rejects any JSON that is not an outcome, naming the file", () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => {
    const result = safeParseOutcomeMarker(JSON.stringify(value), "out/k.json");
    if (result.success) return;
    assert.ok(result.error instanceof JobFileError);
    assert.match(result.error.message, /^Cannot read job file "out\/k\.json": /);
  }));
  const bad = safeParseOutcomeMarker('{"ok": "yes"}', "o.json");
  assert.ok(!bad.success);
  assert.equal(bad.error.path, "ok");
  assert.equal(
    bad.error.message,
    'Cannot read job file "o.json": ok must be true or false (got "yes")',
  );
});

Deno.test("parseStartedMarker() reads a started marker and rejects a bad pid", () => {
  fc.assert(fc.property(
    fc.record({ host: fc.string(), pid: fc.integer({ min: 1, max: 2 ** 31 }), at: time }),
    (m: StartedMarker) => {
      assert.deepEqual(parseStartedMarker(JSON.stringify(m), "el/0.started"), plain(m));
    },
  ));
  assert.throws(() => parseStartedMarker('{"host": "n", "pid": 0, "at": 1}', "el/0.started"), {
    name: "JobFileError",
    message: 'Cannot read job file "el/0.started": pid must be a process id (got 0)',
  });
});

Deno.test("parseExitMarker() reads exit codes 0 to 255 and nothing else", () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), (code) => {
    assert.equal(parseExitMarker(`${code}\n`, "el/0.exit"), code);
  }));
  for (const text of ["", "256", "-1", "1.0", "abc", "0x1"]) {
    assert.throws(() => parseExitMarker(text, "el/0.exit"), {
      name: "JobFileError",
      message:
        `Cannot read job file "el/0.exit": the file must hold an exit code, a whole number ` +
        `from 0 to 255 (got ${JSON.stringify(text)})`,
    });
  }
});
