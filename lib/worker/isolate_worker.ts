/**
 * Entry point of an isolate worker process (spawned by {@linkcode IsolatePool}). It reads
 * requests `{ module, step, inputs }` from stdin, imports the step's module (its
 * `import.meta.main` block does not run), calls the step's function and writes
 * `{ ok, value | error }` to stdout. Console output of user code goes to stderr so that
 * stdout stays a clean channel.
 *
 * @module
 */
// deno-lint-ignore-file no-console -- user code's console output is moved to stderr here
import { decode, encode } from "../codec/mod.ts";
import { lookupStep, toStoredError } from "../step/mod.ts";
import { frame, FrameReader, type IsolateRequest } from "../runtime/mod.ts";

async function serve(): Promise<void> {
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const reader = new FrameReader(Deno.stdin.readable);
  const writer = Deno.stdout.writable.getWriter();
  while (true) {
    const bytes = await reader.read();
    if (bytes === null) break;
    const req = decode(bytes) as IsolateRequest;
    let reply: Uint8Array;
    try {
      await import(req.module);
      const entry = lookupStep(req.step);
      if (!entry) {
        throw new ReferenceError(`Cannot find step "${req.step}" in ${req.module}`);
      }
      const value = await entry.fn(req.inputs);
      reply = encode({ ok: true, value }, { root: "result" });
    } catch (e) {
      reply = encode({ ok: false, error: toStoredError(e) });
    }
    await writer.write(frame(reply));
  }
  await writer.close();
}

if (import.meta.main) await serve();
