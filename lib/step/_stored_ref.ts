// Private: the ref of a call's result that a system holds, made without reading it.
import type { Store } from "../store/mod.ts";
import { ResultRef } from "./result_ref.ts";

/** A ref to `hash`, placed on the first system the store knows to hold it (else `where`). */
export function storedRef(
  store: Store,
  call: { readonly key: string; readonly step: string },
  hash: string,
  where: string,
  size = -1,
): ResultRef {
  const holding = store.jobs.systemsHolding(hash);
  const system = holding.includes(where) ? where : holding[0] ?? where;
  return new ResultRef({ ...call, system, hash, size });
}
