/**
 * Private to lib/cli: parsers for option and argument values. They throw commander's
 * `InvalidArgumentError`, which becomes a one-line usage error (exit 2).
 *
 * @module
 */
import { InvalidArgumentError } from "npm:@commander-js/extra-typings@^14.0.0";
import { CALL_STATES, type CallState } from "../store/mod.ts";

/**
 * Parses a comma-separated list of states (`--state done,failed`) against the valid ones.
 *
 * @param value Comma-separated states.
 * @param valid The valid states, in the order messages list them.
 * @param what What a state is called in messages (`call`, `job`).
 * @returns The states, without duplicates.
 * @throws {InvalidArgumentError} naming the valid states.
 */
export function parseStateList<S extends string>(
  value: string,
  valid: readonly S[],
  what: string,
): S[] {
  const states: S[] = [];
  for (const raw of value.split(",")) {
    const state = raw.trim();
    if (!(valid as readonly string[]).includes(state)) {
      throw new InvalidArgumentError(
        `"${state}" is not a ${what} state; use one or more of ${
          valid.join(", ")
        }, comma-separated`,
      );
    }
    if (!states.includes(state as S)) states.push(state as S);
  }
  return states;
}

/**
 * Parses `--state done,failed` for calls.
 *
 * @param value Comma-separated call states.
 * @returns The states, without duplicates.
 * @throws {InvalidArgumentError} naming the valid states.
 */
export function parseStates(value: string): CallState[] {
  return parseStateList(value, CALL_STATES, "call");
}

/**
 * Parses a non-negative integer count (`--limit`).
 *
 * @param value The text.
 * @returns The count.
 * @throws {InvalidArgumentError} for anything else.
 */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new InvalidArgumentError("expected a whole number, 0 or more");
  }
  return Number(value.trim());
}

/**
 * Parses a positive number of days (`--days`), fractions allowed.
 *
 * @param value The text.
 * @returns The number.
 * @throws {InvalidArgumentError} for anything else.
 */
export function parseDays(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("expected a positive number of days");
  }
  return n;
}

/**
 * Parses a call key or key prefix: 6 to 64 hex digits, returned in lower case.
 *
 * @param value The text.
 * @returns The prefix.
 * @throws {InvalidArgumentError} for anything else.
 */
export function parseKeyPrefix(value: string): string {
  const key = value.trim().toLowerCase();
  if (!/^[0-9a-f]{6,64}$/.test(key)) {
    throw new InvalidArgumentError("a call key is 6 to 64 hex digits (a prefix of the full key)");
  }
  return key;
}

/**
 * Collects repeated key arguments for variadic arguments.
 *
 * @param value One key.
 * @param previous Keys so far.
 * @returns All keys.
 */
export function collectKeys(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), parseKeyPrefix(value)];
}
