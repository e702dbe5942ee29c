/**
 * Events reported by the step runtime through `onEvent` (lib/ never prints).
 *
 * @module
 */
import type { ObjectEvent } from "../store/mod.ts";
import type { RemoteEvent } from "../runtime/mod.ts";

/** Something the runtime did or noticed. Durations in ms. */
export type DroverEvent =
  | ObjectEvent
  | RemoteEvent
  | {
    readonly type: "call-cached";
    readonly step: string;
    readonly key: string;
    /** True when the stored outcome is a failure (the call rethrows it). */
    readonly failed?: boolean;
  }
  | {
    /** A remote-info key matched no call of the run: its calls (if any) ran here. */
    readonly type: "remote-info-unused";
    readonly key: string;
    /** The call sites of the run most like the key. */
    readonly nearest: readonly string[];
  }
  | {
    /** How a remote info written for wfl/ExPyRe was translated (one note per field). */
    readonly type: "remote-info-note";
    readonly message: string;
  }
  | {
    /** A run began; its id is what `drover jobs cancel --run ID` takes. */
    readonly type: "run-start";
    readonly runId: string;
  }
  | {
    readonly type: "call-start";
    readonly step: string;
    readonly key: string;
    readonly location: string;
  }
  | {
    readonly type: "call-done";
    readonly step: string;
    readonly key: string;
    readonly location: string;
    readonly durationMs: number;
  }
  | {
    readonly type: "call-failed";
    readonly step: string;
    readonly key: string;
    readonly location: string;
    readonly error: string;
  }
  | {
    readonly type: "code-identity";
    readonly step: string;
    readonly hash: string;
    readonly cached: boolean;
    readonly durationMs: number;
  }
  | {
    readonly type: "code-identity-fallback";
    readonly step: string;
    readonly reason: string;
  }
  | {
    /** Another process runs this call (it claimed it): this one waits for its outcome. */
    readonly type: "call-waiting";
    readonly step: string;
    readonly key: string;
    readonly owner: string;
  }
  | {
    /**
     * The run's end could not be written (a full disk); its row stays `running` and is
     * listed as interrupted once this process is gone. Finished calls were written before.
     */
    readonly type: "run-end-unrecorded";
    readonly message: string;
  }
  | {
    /** Another process holds the store's write lock: finished calls wait and are written later. */
    readonly type: "store-locked";
    readonly message: string;
    readonly attempt: number;
  };

/** A receiver of {@linkcode DroverEvent}s. */
export type EventSink = (event: DroverEvent) => void;
