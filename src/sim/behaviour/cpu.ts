/**
 * CPU as the simulator counts it: no scheduler of its own, only a steady rate per process.
 * A container burns its CPU request (the way a memory working set defaults to the memory
 * request), or a sliver when it asks for none; the node's own daemons (kubelet, container
 * runtime, systemd, journald) burn a fixed amount on top. Cumulative core-seconds are what
 * cAdvisor and the CRI report (`usageCoreNanoSeconds` in the summary API).
 */

/** A container that requests no CPU: an idle server process wakes a few times a second. */
export const defaultContainerCpuCores = 0.002;
/** The kubelet, containerd, systemd and the kernel's own threads on an otherwise idle node. */
export const nodeSystemCpuCores = 0.1;

/** Cores in a Kubernetes CPU quantity (`250m`, `0.5`, `2`); undefined if not one. */
export function parseCpuCores(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) / (m[2] ? 1000 : 1);
}

/** What a container with this CPU request burns, in cores. */
export function containerCpuCores(request: string | number | undefined): number {
  return parseCpuCores(request) ?? defaultContainerCpuCores;
}
