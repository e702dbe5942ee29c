import assert from "node:assert/strict";
import { JobsFileError, parseJobsFile, safeParseJobsFile } from "../../lib/calcjob/mod.ts";

function problem(text: string): string {
  const r = safeParseJobsFile(text, "jobs.yaml");
  assert.ok(!r.success, "expected a problem");
  assert.ok(r.error instanceof JobsFileError);
  return r.error.message;
}

Deno.test("parseJobsFile() resolves anchors, aliases and merge keys", () => {
  const jobs = parseJobsFile(
    `
objects:
  - { label: greeting, content: "hello" }
codes:
  - label: echo
    system: laptop
    script: &script |
      #!/bin/bash
      echo {{ calc.parameters.s }}
    download: &globs [out.txt, "logs/*"]
calcjobs:
  - &base
    label: one
    code: echo
    parameters: &params { s: one, n: 1 }
    download: *globs
    resources: { cores: 2, time: "00:10:00", memory: 1G }
  - <<: *base
    label: two
    parameters: { <<: *params, s: two }
  - <<: [*base]
    label: three
`,
    "jobs.yaml",
  );
  assert.equal(jobs.codes[0].script, "#!/bin/bash\necho {{ calc.parameters.s }}\n");
  assert.deepEqual(jobs.calcjobs.map((c) => c.label), ["one", "two", "three"]);
  assert.deepEqual(jobs.calcjobs[1].parameters, { s: "two", n: 1 });
  assert.deepEqual(jobs.calcjobs[2].parameters, { s: "one", n: 1 });
  assert.deepEqual(jobs.calcjobs[1].download, ["out.txt", "logs/*"]);
  assert.deepEqual(jobs.calcjobs[2].resources, { cores: 2, time: 600_000, memory: 1024 ** 3 });
  assert.equal(jobs.calcjobs[0].matrixMode, "product");
});

Deno.test("safeParseJobsFile() names the file, the item path and what was expected", () => {
  assert.equal(
    problem("calcjobs: [{ code: echo, parameters: [1] }]"),
    'Cannot add jobs file "jobs.yaml": calcjobs[0].parameters must be a mapping of parameters (got a list)',
  );
  assert.equal(
    problem("codes: [{ label: c, system: s }]"),
    'Cannot add jobs file "jobs.yaml": codes[0].script is required: a job script template (text)',
  );
  assert.equal(
    problem("calcjobs: [{ code: c, resource: {} }]"),
    'Cannot add jobs file "jobs.yaml": calcjobs[0].resource is not a known setting (expected ' +
      "label, code, parameters, upload, download, resources, matrix, matrix_mode, retries)",
  );
  assert.match(
    problem("calcjobs: [{ code: c, resources: { time: soon } }]"),
    /calcjobs\[0\]\.resources\.time must be a walltime like 01:30:00 or 1-12 \(got "soon"\)$/,
  );
  assert.match(
    problem("calcjobs: [{ code: c, upload: [{ path: ../x, content: a }] }]"),
    /calcjobs\[0\]\.upload\[0\]\.path must be a relative path inside the calcjob's directory/,
  );
  assert.match(
    problem("calcjobs: [{ code: c, upload: [{ path: x, content: a, file: b }] }]"),
    /calcjobs\[0\]\.upload\[0\] must be exactly one of object, file, content/,
  );
  assert.match(
    problem("codes: [{ label: a, system: s, script: x }, { label: a, system: s, script: y }]"),
    /codes\[1\]\.label "a" is used twice/,
  );
  assert.match(
    problem("calcjobs: [{ code: c, matrix: { x: [] } }]"),
    /calcjobs\[0\]\.matrix\.x must be a non-empty list of values/,
  );
  assert.match(
    problem("calcjobs: [{ code: c, retries: -1 }]"),
    /calcjobs\[0\]\.retries must be a whole number, 0 or more/,
  );
  assert.match(
    problem("codes: [{ label: c, system: s, script: x, retries: 1.5 }]"),
    /codes\[0\]\.retries must be a whole number, 0 or more/,
  );
});

Deno.test("safeParseJobsFile() reports bad YAML and unknown aliases as one line", () => {
  assert.match(
    problem("calcjobs: [ {"),
    /^Cannot add jobs file "jobs.yaml": the file is not valid YAML: /,
  );
  assert.match(
    problem("calcjobs: [*nope]"),
    /^Cannot add jobs file "jobs.yaml": the file is not valid YAML: .*nope/,
  );
  assert.ok(!problem("calcjobs: [ {").includes("\n"));
});
