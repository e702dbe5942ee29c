/**
 * A done call record for store tests, with any field overridden.
 *
 * @module
 */
import type { CallRecord } from "../../lib/store/mod.ts";

/**
 * A done local call of step `relax` with no refs, ended at 1010 ms.
 *
 * @param key The call key.
 * @param over Fields to override.
 * @returns The record.
 */
export function callRecord(key: string, over: Partial<CallRecord> = {}): CallRecord {
  return {
    key,
    step: "relax",
    state: "done",
    codeHash: "c0de",
    version: "",
    argHashes: {},
    inputsRef: null,
    resultRef: null,
    error: null,
    runId: null,
    location: "local",
    attempts: 1,
    createdAt: 1000,
    startedAt: 1000,
    endedAt: 1010,
    ...over,
  };
}
