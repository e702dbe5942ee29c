/**
 * Collecting a scheduler's listing into jobs keyed by name (private to lib/scheduler).
 *
 * @module
 */
import type { ElementStatus, JobStatus } from "./driver.ts";

/** One job being collected, with a sort key saying which of two same-named jobs is newer. */
export interface JobEntry {
  /** The job name. */
  readonly name: string;
  /** The job id. */
  readonly id: string;
  /** Larger is newer. */
  readonly order: number;
  /** Its elements so far. */
  readonly elements: Map<number, ElementStatus>;
}

/** Gathers elements into jobs; a job of the same name with a smaller order is dropped. */
export class JobCollector {
  #byId = new Map<string, JobEntry>();

  /**
   * Adds an element to its job, creating the job on first sight.
   *
   * @param job The job's name, id and order.
   * @param element The element.
   */
  add(job: Omit<JobEntry, "elements">, element: ElementStatus): void {
    let entry = this.#byId.get(job.id);
    if (!entry) {
      entry = { ...job, elements: new Map() };
      this.#byId.set(job.id, entry);
    }
    entry.elements.set(element.index, element);
  }

  /** @returns The jobs by name, the newest of each name. */
  byName(): Map<string, JobStatus> {
    const chosen = new Map<string, JobEntry>();
    for (const entry of this.#byId.values()) {
      const other = chosen.get(entry.name);
      if (!other || entry.order > other.order) chosen.set(entry.name, entry);
    }
    const out = new Map<string, JobStatus>();
    for (const [name, e] of chosen) {
      const elements = new Map([...e.elements].sort(([a], [b]) => a - b));
      out.set(name, { name, id: e.id, elements });
    }
    return out;
  }
}
