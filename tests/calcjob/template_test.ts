import assert from "node:assert/strict";
import { createTemplateEngine, TemplateError } from "../../lib/calcjob/mod.ts";

const engine = createTemplateEngine();
const context = {
  calc: {
    uuid: "u-1",
    parameters: { s: "it's $(x)", n: 3, list: [1, 2], nested: { a: 1 }, objs: [{ a: 1 }] },
  },
  code: { label: "echo" },
  system: { name: "laptop" },
};

function renderError(source: string): TemplateError {
  try {
    engine.compile(source, "t").render(context);
  } catch (e) {
    assert.ok(e instanceof TemplateError, String(e));
    return e;
  }
  assert.fail(`rendered: ${source}`);
}

Deno.test("createTemplateEngine() renders names, loops, shquote and tojson", () => {
  const t = engine.compile(
    [
      "#SBATCH --job-name={{ calc.uuid }}",
      "echo {{ calc.parameters.s | shquote }}",
      "{% for x in calc.parameters.list %}{{ x }}{% endfor %}",
      "{% for k, v in calc.parameters.nested %}{{ k }}={{ v }}{% endfor %}",
      "{{ calc.parameters.nested | tojson }} {{ calc.parameters.n * 2 }}",
      "{% if calc.parameters.n > 2 %}big{% else %}small{% endif %}",
    ].join("\n"),
    "t",
  );
  assert.equal(
    t.render(context),
    [
      "#SBATCH --job-name=u-1",
      `echo 'it'"'"'s $(x)'`,
      "12",
      "a=1",
      '{"a":1} 6',
      "big",
    ].join("\n"),
  );
});

Deno.test("createTemplateEngine() reports an undefined attribute with its line and column", () => {
  const e = renderError("#!/bin/bash\necho ok\n  echo {{ calc.parameters.nope }}\n");
  assert.equal(e.variable, "calc.parameters.nope");
  assert.equal(e.line, 3);
  assert.equal(e.column, 11);
  assert.equal(
    e.message,
    "Cannot render t at line 3, column 11: undefined variable calc.parameters.nope",
  );
});

Deno.test("createTemplateEngine() reports undefined names in if, for and top-level lookups", () => {
  const inIf = renderError("x\n{% if calc.flag %}a{% endif %}");
  assert.deepEqual([inIf.variable, inIf.line, inIf.column], ["calc.flag", 2, 7]);
  const inFor = renderError("{% for i in calc.parameters.items %}{{ i }}{% endfor %}");
  assert.deepEqual([inFor.variable, inFor.line, inFor.column], ["calc.parameters.items", 1, 13]);
  const top = renderError("a {{ sytem.name }}");
  assert.deepEqual([top.variable, top.line, top.column], ["sytem", 1, 6]);
});

Deno.test("createTemplateEngine() finds a loop variable's missing attribute by its tail", () => {
  const e = renderError("{% for x in calc.parameters.objs %}\n{{ x.size }}{% endfor %}");
  assert.equal(e.variable, "calc.parameters.objs.0.size");
  assert.deepEqual([e.line, e.column], [2, 6]);
});

Deno.test("createTemplateEngine() refuses a syntax error when compiling", () => {
  assert.throws(() => engine.compile("{{ a", "t"), (e) => {
    assert.ok(e instanceof TemplateError);
    assert.match(e.message, /^Cannot render t: expected variable end/);
    return true;
  });
});

Deno.test("createTemplateEngine() leaves the context's objects untouched", () => {
  const params = { a: 1 };
  engine.compile("{{ calc.parameters.a }}", "t").render({ calc: { parameters: params } });
  assert.deepEqual(params, { a: 1 });
  assert.throws(() =>
    engine.compile("{{ calc.parameters.b }}", "t").render({ calc: { parameters: params } })
  );
  assert.deepEqual(Object.keys(params), ["a"]);
});
