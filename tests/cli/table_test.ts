import assert from "node:assert/strict";
import { runCli } from "./_fixture.ts";

async function project(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/.drover`);
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("main() imports, lists, shows and exports a table when running table ...", async () => {
  await using p = await project();
  await Deno.writeTextFile(
    `${p.dir}/pathways.csv`,
    'id,nsites,length,tag\n1,200,3.5,a\n2,40,9,"b,c"\n3,40,2,\n',
  );
  const imported = await runCli(["table", "import", "pathways.csv"], p.dir);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.stdout, 'Imported 3 rows into table "pathways"\n');
  const ls = await runCli(["table", "ls"], p.dir);
  assert.equal(
    ls.stdout,
    "TABLE     ROWS  KEY  FIELDS\n" +
      "pathways     3  id   id:integer nsites:integer length:number tag:string?\n",
  );
  const show = await runCli(
    ["table", "show", "pathways", "--where", "nsites <= 150", "--order-by", "length"],
    p.dir,
  );
  assert.equal(
    show.stdout,
    "ID  NSITES  LENGTH  TAG\n3   40      2       -\n2   40      9       b,c\n",
  );
  const csv = await runCli(["table", "export", "pathways", "--where", "tag IS NOT NULL"], p.dir);
  assert.equal(csv.stdout, 'id,nsites,length,tag\r\n1,200,3.5,a\r\n2,40,9,"b,c"\r\n');
  const json = await runCli(["table", "export", "pathways", "--format", "json"], p.dir);
  assert.deepEqual(JSON.parse(json.stdout)[0], { id: 1, nsites: 200, length: 3.5, tag: "a" });
  const yaml = await runCli([
    "table",
    "export",
    "pathways",
    "--format",
    "yaml",
    "--order-by",
    "id DESC",
  ], p.dir);
  assert.match(yaml.stdout, /^- id: 3\n/);
  // A second import is checked against the stored fields, and keys must be new.
  await Deno.writeTextFile(
    `${p.dir}/more.yaml`,
    "- {id: 4, nsites: 5, length: 1}\n- {id: 5, nsites: many, length: 1}\n",
  );
  const bad = await runCli(["table", "import", "more.yaml", "pathways"], p.dir);
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stderr,
    'drover: Cannot import "more.yaml": line 2: nsites must be a whole number (got "many")\n',
  );
  const dup = await runCli(["table", "import", "pathways.csv"], p.dir);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /a row with key "1" is already there/);
  const again = await runCli(["table", "import", "pathways.csv", "--on-conflict", "ignore"], p.dir);
  assert.equal(again.stdout, 'Imported 0 rows into table "pathways"\n');
});

Deno.test("main() points at a bad filter with a caret and exits 2 when running table show", async () => {
  await using p = await project();
  await Deno.writeTextFile(`${p.dir}/t.json`, '[{"id": 1, "n": 2}]');
  assert.equal((await runCli(["table", "import", "t.json"], p.dir)).code, 0);
  const r = await runCli(["table", "show", "t", "--where", "n <= 2; DROP TABLE calls"], p.dir);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    "  n <= 2; DROP TABLE calls\n        ^\n" +
      'drover: Cannot read --where "n <= 2; DROP TABLE calls": ";" is not allowed here at column 7\n',
  );
  const unknown = await runCli(["table", "show", "nope"], p.dir);
  assert.equal(unknown.code, 1);
  assert.equal(
    unknown.stderr,
    'drover: Cannot find table "nope": it is not in the store (tables: t)\n',
  );
});
