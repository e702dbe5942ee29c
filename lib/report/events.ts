/**
 * The events the progress reporter reads: drover's {@linkcode DroverEvent}s, a few
 * optional fields on job events, and proposed new events (to be merged into
 * `DroverEvent` by the runtime that emits them).
 *
 * @module
 */
import type { DroverEvent } from "../step/mod.ts";

/**
 * What the reporter reads: every {@linkcode DroverEvent} (the runtime's job events carry
 * their call keys and scheduler ids, and `call-cached` says when the stored outcome is a
 * failure).
 */
export type ProgressEvent = DroverEvent;
