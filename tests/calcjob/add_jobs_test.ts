import assert from "node:assert/strict";
import { sha256Hex } from "../../lib/codec/mod.ts";
import { planGc } from "../../lib/store/mod.ts";
import { addJobsFile, CalcJobStore, JobsFileError } from "../../lib/calcjob/mod.ts";
import { calcjobProject, LAPTOP, snapshot } from "./_project.ts";

const systems = { laptop: LAPTOP };
const decoder = new TextDecoder();

const GOOD = `
objects:
  - { label: greeting, content: "hello\\n" }
  - { label: data, file: data.csv }
codes:
  - label: echo
    system: laptop
    script: |
      #!/bin/bash
      #SBATCH --job-name={{ calc.uuid }}
      echo {{ calc.parameters.s | shquote }} > out.txt
    upload:
      - { path: greeting.txt, object: greeting }
      - { path: run.json, content: '{"s": {{ calc.parameters.s | tojson }}}', template: true }
    download: [out.txt]
calcjobs:
  - &base { label: one, code: echo, parameters: { s: one }, upload: [{ path: in/data.csv, object: data }] }
  - { <<: *base, label: two, parameters: { s: two } }
  - { label: sweep, code: echo, parameters: { s: x }, matrix: { x: [1, 2, 3], y: [a, b, c, d] } }
`;

function errorOf(fn: () => unknown): JobsFileError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof JobsFileError, String(e));
    return e;
  }
  assert.fail("no error");
}

Deno.test("addJobsFile() stores objects, codes and calcjobs with rendered scripts and files", () => {
  using p = calcjobProject();
  p.write("data.csv", "a,b\n1,2\n");
  const file = p.write("jobs.yaml", GOOD);
  const result = addJobsFile(file, p.store, { systems, now: 1000 });
  assert.deepEqual(result, { ok: true, added: 14, existing: 0, codes: 1, objects: 2 });
  const calcjobs = new CalcJobStore(p.store);
  const all = calcjobs.list();
  assert.deepEqual(all.map((c) => c.seq), Array.from({ length: 14 }, (_, i) => i + 1));
  assert.deepEqual(all.slice(0, 3).map((c) => c.label), ["one", "two", "sweep[x=1,y=a]"]);
  assert.deepEqual(all[13].parameters, { s: "x", x: 3, y: "d" });
  const two = all[1];
  assert.match(two.id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const script = decoder.decode(p.store.objects.get(two.scriptSha256));
  assert.equal(script, `#!/bin/bash\n#SBATCH --job-name=${two.id}\necho 'two' > out.txt\n`);
  const files = calcjobs.files(two.id);
  assert.deepEqual(files.map((f) => f.path), ["greeting.txt", "in/data.csv", "run.json"]);
  for (const f of files) assert.equal(sha256Hex(p.store.objects.get(f.sha256)!), f.sha256);
  const byPath = Object.fromEntries(
    files.map((f) => [f.path, decoder.decode(p.store.objects.get(f.sha256))]),
  );
  assert.deepEqual(byPath, {
    "greeting.txt": "hello\n",
    "in/data.csv": "a,b\n1,2\n",
    "run.json": '{"s": "two"}',
  });
  assert.deepEqual(calcjobs.events(two.id), [{ at: 1000, state: "created", detail: null }]);
  assert.deepEqual(calcjobs.counts(), { created: 14 });
});

Deno.test("addJobsFile() adds the same file twice as nothing new", () => {
  using p = calcjobProject();
  p.write("data.csv", "x");
  const file = p.write("jobs.yaml", GOOD);
  addJobsFile(file, p.store, { systems, now: 1 });
  const before = snapshot(p.store);
  const again = addJobsFile(file, p.store, { systems, now: 2 });
  assert.deepEqual(again, { ok: true, added: 0, existing: 14, codes: 0, objects: 0 });
  assert.equal(snapshot(p.store), before);
});

Deno.test("addJobsFile() names the item and the template's line and column of an undefined variable, and adds nothing", () => {
  using p = calcjobProject();
  p.write("data.csv", "x");
  addJobsFile(p.write("first.yaml", GOOD), p.store, { systems, now: 1 });
  const before = snapshot(p.store);
  const bad = GOOD.replace(
    "{ label: sweep, code: echo, parameters: { s: x },",
    "{ label: sweep, code: echo, parameters: {},",
  );
  const file = p.write("bad.yaml", bad.replace("label: two", "label: deux"));
  const e = errorOf(() => addJobsFile(file, p.store, { systems, now: 2 }));
  assert.equal(
    e.message,
    `Cannot add jobs file "${file}": calcjobs[2][x=1,y=a]: cannot render the script of code "echo" ` +
      "at line 3, column 9: undefined variable calc.parameters.s",
  );
  assert.equal(e.path, "calcjobs[2][x=1,y=a]");
  assert.equal(snapshot(p.store), before);
});

Deno.test("addJobsFile() reports an undefined variable in a templated upload file", () => {
  using p = calcjobProject();
  const file = p.write(
    "jobs.yaml",
    `
codes: [{ label: c, system: laptop, script: "run" }]
calcjobs:
  - label: one
    code: c
    upload: [{ path: in.txt, template: true, content: "a\\nb {{ calc.parameters.k }}" }]
`,
  );
  const e = errorOf(() => addJobsFile(file, p.store, { systems }));
  assert.match(
    e.message,
    /calcjobs\[0\] \("one"\): cannot render file in.txt at line 2, column 6: undefined variable calc.parameters.k$/,
  );
  assert.deepEqual(new CalcJobStore(p.store).list(), []);
});

Deno.test("addJobsFile() refuses unknown labels, systems and files, leaving the store unchanged", () => {
  using p = calcjobProject();
  const before = snapshot(p.store);
  const cases: [string, RegExp][] = [
    [
      "codes: [{ label: c, system: cluster, script: x }]",
      /codes\[0\]\.system "cluster" is not a system in drover.yaml \(known: laptop\)$/,
    ],
    [
      "codes: [{ label: c, system: laptop, script: x }]\ncalcjobs: [{ code: d }]",
      /calcjobs\[0\]\.code "d" is not a label under codes$/,
    ],
    [
      "codes: [{ label: c, system: laptop, script: x, upload: [{ path: a, object: nope }] }]",
      /codes\[0\]\.upload\[0\]\.object "nope" is not a label under objects$/,
    ],
    [
      "objects: [{ label: o, file: missing.bin }]",
      /objects\[0\]\.file: cannot read file "missing.bin"$/,
    ],
    [
      "codes: [{ label: c, system: laptop, script: x }]\ncalcjobs: [{ code: c, matrix: { a: [1, 2], b: [1] }, matrix_mode: zip }]",
      /calcjobs\[0\]\.matrix: Cannot zip the matrix/,
    ],
    [
      "codes: [{ label: c, system: laptop, script: '{% if %}' }]",
      /codes\[0\]: cannot render the script of code "c"/,
    ],
  ];
  for (const [text, pattern] of cases) {
    const e = errorOf(() => addJobsFile(p.write("j.yaml", text), p.store, { systems }));
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"), e.message);
  }
  assert.equal(snapshot(p.store), before);
});

Deno.test("addJobsFile() refuses a code label that names a different code in the store", () => {
  using p = calcjobProject();
  addJobsFile(p.write("a.yaml", "codes: [{ label: c, system: laptop, script: one }]"), p.store, {
    systems,
  });
  const before = snapshot(p.store);
  const file = p.write(
    "b.yaml",
    "codes: [{ label: c, system: laptop, script: two }]\ncalcjobs: [{ code: c }]",
  );
  const e = errorOf(() => addJobsFile(file, p.store, { systems }));
  assert.match(
    e.message,
    /codes\[0\]\.label "c" already names a different code in the store \(use a new label\)$/,
  );
  assert.equal(snapshot(p.store), before);
});

Deno.test("planGc() keeps every object a calcjob or code names", () => {
  using p = calcjobProject();
  p.write("data.csv", "x");
  addJobsFile(p.write("jobs.yaml", GOOD), p.store, { systems, now: 1 });
  const stray = p.store.objects.put(new TextEncoder().encode("named by nothing"));
  const plan = planGc(p.store, { now: Date.now() + 10 * 3_600_000 });
  assert.deepEqual(plan.unreferenced.map((o) => o.hash), [stray]);
});
