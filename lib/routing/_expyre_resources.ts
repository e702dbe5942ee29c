/**
 * Private to lib/routing: translating a wfl `RemoteInfo`'s resources and
 * `num_inputs_per_queued_job` (see expyre_info.ts for the table).
 *
 * @module
 */
import {
  EXPYRE_MEMORY_FORMS,
  EXPYRE_TIME_FORMS,
  expyreKibibytes,
  expyreSeconds,
  sizeText,
  walltimeText,
} from "./_expyre_units.ts";
import type { ExpyreRoute, Translation } from "./_expyre_schema.ts";

/** resources -> resources. */
export function translateResources(r: ExpyreRoute, t: Translation): void {
  const res = r.resources;
  const seconds = expyreSeconds(res.max_time);
  if (seconds === undefined) {
    t.refuse(
      ["resources", "max_time"],
      EXPYRE_TIME_FORMS,
      `must be ${EXPYRE_TIME_FORMS} (got ${JSON.stringify(res.max_time)})`,
    );
  }
  if (seconds === null) {
    t.note("resources.max_time", `"_none_" -> no time (the partition's limit)`);
  } else {
    t.resources.time = walltimeText(seconds);
    t.note(
      "resources.max_time",
      `${JSON.stringify(res.max_time)}${
        typeof res.max_time === "number" ? " (seconds)" : ""
      } -> time "${walltimeText(seconds)}"`,
    );
  }
  if ((res.num_nodes === undefined) === (res.num_cores === undefined)) {
    t.refuse(
      ["resources"],
      "exactly one of num_nodes and num_cores",
      "must give exactly one of num_nodes and num_cores (as ExPyRe requires)",
    );
  }
  if (res.num_nodes !== undefined) {
    t.resources.nodes = res.num_nodes;
    if (res.cores !== undefined) t.resources.cores = res.cores;
    t.note(
      "resources.num_nodes",
      `${res.num_nodes} -> nodes ${res.num_nodes}${
        res.cores === undefined
          ? " (ExPyRe takes whole nodes; drover asks for 1 core on each unless this route's resources give cores per node)"
          : ` with cores ${res.cores} per node`
      }`,
    );
  } else {
    if (res.cores !== undefined) {
      t.refuse(["resources", "cores"], "no cores beside num_cores", "repeats num_cores: give one");
    }
    t.resources.cores = res.num_cores;
    t.note("resources.num_cores", `${res.num_cores} -> cores ${res.num_cores} (on one node)`);
  }
  if (res.gpus !== undefined) t.resources.gpus = res.gpus;
  translateMemory(r, t);
  const partitions = res.partitions ?? res.queues;
  const field = res.partitions !== undefined ? "partitions" : "queues";
  if (res.partitions !== undefined && res.queues !== undefined) {
    t.refuse(
      ["resources", "queues"],
      "one of partitions and queues",
      "repeats partitions: give one",
    );
  }
  if (partitions !== undefined) {
    const list = typeof partitions === "string" ? [partitions] : partitions;
    if (list.length !== 1 || !/^[A-Za-z0-9][A-Za-z0-9_@-]*$/.test(list[0])) {
      t.refuse(
        ["resources", field],
        "one partition name",
        `must be one partition name for drover (got ${
          JSON.stringify(partitions)
        }); ExPyRe's regexps and lists cannot be honoured: name one, or leave it out and drover takes the first partition of the system that fits`,
      );
    }
    t.resources.partition = list[0];
    t.note(`resources.${field}`, `${JSON.stringify(partitions)} -> partition "${list[0]}"`);
  }
  t.route.resources = t.resources;
}

function translateMemory(r: ExpyreRoute, t: Translation): void {
  const res = r.resources;
  if (res.max_mem_tot !== undefined && res.max_mem_per_core !== undefined) {
    t.refuse(
      ["resources", "max_mem_per_core"],
      "one of max_mem_tot and max_mem_per_core",
      "repeats max_mem_tot: give one (as ExPyRe requires)",
    );
  }
  const field = res.max_mem_tot !== undefined ? "max_mem_tot" : "max_mem_per_core";
  const given = res.max_mem_tot ?? res.max_mem_per_core;
  if (given === undefined) return;
  const kib = expyreKibibytes(given);
  if (kib === undefined) {
    t.refuse(
      ["resources", field],
      EXPYRE_MEMORY_FORMS,
      `must be ${EXPYRE_MEMORY_FORMS} (got ${JSON.stringify(given)})`,
    );
  }
  let perNode: number;
  let how: string;
  if (field === "max_mem_tot") {
    const nodes = res.num_nodes ?? 1;
    perNode = Math.ceil(kib / nodes);
    how = nodes === 1 ? "" : ` (the total over ${nodes} nodes)`;
  } else {
    const cores = res.num_cores ?? res.cores;
    if (cores === undefined) {
      t.refuse(
        ["resources", field],
        "max_mem_tot, or cores per node",
        "cannot be honoured: drover asks for memory per node and does not know the cores of a whole node; give max_mem_tot, or cores per node",
      );
    }
    perNode = kib * cores;
    how = ` (× ${cores} cores)`;
  }
  t.resources.memory = sizeText(perNode);
  t.note(
    `resources.${field}`,
    `${JSON.stringify(given)} -> memory "${sizeText(perNode)}" per node${how}`,
  );
}

/** num_inputs_per_queued_job -> inputsPerJob. */
export function translateInputsPerJob(r: ExpyreRoute, t: Translation): void {
  const n = r.num_inputs_per_queued_job;
  if (n === undefined) {
    t.route.inputsPerJob = 100;
    t.note("num_inputs_per_queued_job", "absent -> inputsPerJob 100 (wfl's default of -100)");
  } else if (n > 0) {
    t.route.inputsPerJob = n;
    t.note("num_inputs_per_queued_job", `${n} -> inputsPerJob ${n}`);
  } else {
    t.route.inputsPerJob = -n;
    t.note(
      "num_inputs_per_queued_job",
      `${n} -> inputsPerJob ${-n} (wfl packs ${-n} × num_inputs_per_python_subprocess, 1 by default; drover has no such setting)`,
    );
  }
}
