import { SshTransport } from "../../lib/transport/mod.ts";
import { sshdTarget, sshdTest, testSshd } from "../_helpers/sshd.ts";
import { transportConformance } from "./_conformance.ts";

transportConformance({
  name: "SshTransport",
  register: (name, fn) => sshdTest(name, fn),
  open: () => {
    const sshd = testSshd();
    if (!sshd) throw new Error("unreachable: sshdTest checks the server first");
    return new SshTransport(sshdTarget(sshd));
  },
});
