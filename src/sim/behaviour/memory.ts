/**
 * Memory as the kubelet and the kernel count it: quantities in bytes, a node's capacity and
 * allocatable, and what a container's working set is at a moment (a steady amount plus any
 * leak, which starts again from the steady amount when the process restarts).
 *
 * Allocatable follows the kubelet's formula (W:docs/tasks/administer-cluster/
 * reserve-compute-resources.md, "Node Allocatable"):
 *   allocatable = capacity - kube-reserved - system-reserved - eviction-hard.
 * kube-reserved and system-reserved are unset by default and the default hard threshold is
 * memory.available<100Mi (W:docs/concepts/scheduling-eviction/node-pressure-eviction.md).
 */

const Ki = 1024;
export const Mi = Ki * Ki;
export const Gi = Mi * Ki;

/** The kubelet's default hard eviction threshold: memory.available<100Mi. */
export const evictionHardMemoryBytes = 100 * Mi;
/** What a node reports when its pool declares nothing (a 16 GiB machine, kubernetes.md §3). */
export const defaultMemoryCapacityBytes = 16_374_532 * Ki;
/** The OS, containerd and the kubelet's own working set, outside any pod. */
export const nodeSystemUsageBytes = 512 * Mi;
/** A container that declares neither a usage nor a request works with this much. */
export const defaultContainerUsageBytes = 20 * Mi;

const binary: Record<string, number> = { Ki, Mi, Gi, Ti: Gi * Ki, Pi: Gi * Mi, Ei: Gi * Gi };
const decimal: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };

/** Bytes in a Kubernetes quantity (`512Mi`, `1.5Gi`, `1G`, `128974848`); undefined if not one. */
export function parseBytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^(\d+(?:\.\d+)?)([KMGTPE]i|[kMGTPEm])?$/.exec(q.trim());
  if (!m) return undefined;
  const unit = m[2] ? (binary[m[2]] ?? decimal[m[2]]) : 1;
  return Math.round(Number(m[1]) * unit);
}

/**
 * A byte count as `resource.NewQuantity(n, resource.BinarySI).String()` prints it: the
 * largest binary suffix that divides it exactly, plain digits otherwise (and below 1024).
 */
export function formatBytes(bytes: number): string {
  const n = Math.round(bytes);
  if (Math.abs(n) < Ki) return String(n);
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const unit = binary[suffix];
    if (n % unit === 0) return `${n / unit}${suffix}`;
  }
  return String(n);
}

/** Working sets are counted in pages, as the kernel charges them. */
export function pages(bytes: number): number {
  return Math.floor(bytes / 4096) * 4096;
}

/** A rate such as `20Mi/min`, `5Mi/s` or `1Gi/h`, in bytes per millisecond. */
export function parseRate(rate: string): number | undefined {
  const m = /^(.+)\/(s|min|h)$/.exec(rate.trim());
  const bytes = m ? parseBytes(m[1]) : undefined;
  if (!m || bytes === undefined) return undefined;
  return bytes / { s: 1_000, min: 60_000, h: 3_600_000 }[m[2] as 's' | 'min' | 'h'];
}

/** One source of growth: a leak that runs from `fromMs` (until `untilMs`, when it stopped). */
export interface MemoryGrowth {
  bytesPerMs: number;
  fromMs: number;
  untilMs?: number;
}

/** What a container asks for, may use, and uses: the runtime asks `growth()` afresh each time. */
export interface ContainerMemory {
  requestBytes?: number;
  limitBytes?: number;
  steadyBytes: number;
  growth: () => readonly MemoryGrowth[];
}

/** The working set of a process started at `startedAtMs`, at `nowMs`. */
export function workingSet(m: ContainerMemory, startedAtMs: number, nowMs: number): number {
  let bytes = m.steadyBytes;
  for (const g of m.growth()) {
    const from = Math.max(g.fromMs, startedAtMs);
    const until = Math.min(g.untilMs ?? nowMs, nowMs);
    if (until > from) bytes += g.bytesPerMs * (until - from);
  }
  return pages(bytes);
}

/**
 * When a process started at `startedAtMs` reaches its memory limit, if it will while the
 * growth stays as it is now: the cgroup's OOM killer ends it there.
 */
export function limitReachedAt(m: ContainerMemory, startedAtMs: number, nowMs: number): number | undefined {
  if (m.limitBytes === undefined) return undefined;
  const used = workingSet(m, startedAtMs, nowMs);
  if (used >= m.limitBytes) return nowMs;
  const rate = m
    .growth()
    .filter((g) => g.untilMs === undefined)
    .reduce((s, g) => s + g.bytesPerMs, 0);
  if (rate <= 0) return undefined;
  const growingFrom = Math.min(
    ...m
      .growth()
      .filter((g) => g.untilMs === undefined)
      .map((g) => Math.max(g.fromMs, startedAtMs)),
  );
  return Math.max(nowMs, growingFrom) + Math.ceil((m.limitBytes - used) / rate);
}

/**
 * The node's working set as the kubelet's summary reports it (the root cgroup): its
 * containers' plus the system's own. memory.available is capacity minus this.
 */
export function nodeWorkingSetBytes(
  pods: readonly { containers: readonly { workingSetBytes?: number }[] }[],
): number {
  let used = nodeSystemUsageBytes;
  for (const p of pods) for (const c of p.containers) used += c.workingSetBytes ?? 0;
  return used;
}

/** A node's memory capacity and allocatable, as its kubelet reports them. */
export function nodeMemory(capacity: string | undefined): {
  capacityBytes: number;
  allocatableBytes: number;
} {
  const capacityBytes = parseBytes(capacity) ?? defaultMemoryCapacityBytes;
  return { capacityBytes, allocatableBytes: capacityBytes - evictionHardMemoryBytes };
}
