import { LocalTransport } from "../../lib/transport/mod.ts";
import { transportConformance } from "./_conformance.ts";

transportConformance({
  name: "LocalTransport",
  register: (name, fn) => Deno.test(name, fn),
  open: () => new LocalTransport(),
});
