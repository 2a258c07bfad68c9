/**
 * A node's root filesystem and process IDs as the kubelet's eviction manager observes them
 * (pkg/kubelet/eviction/helpers.go makeSignalObservations): nodefs.available and
 * imagefs.available from the filesystem's capacity and free bytes, pid.available from
 * `kernel.pid_max` less the processes and threads that exist.
 *
 * One filesystem holds everything here (the common layout: images, containers' writable
 * layers, logs and emptyDir volumes under /var/lib), so nodefs and imagefs are the same
 * device and both thresholds are measured on it; pressure on either reclaims
 * `ephemeral-storage` (helpers.go signalToResource).
 *
 * The kubelet's default hard thresholds on Linux are nodefs.available<10%,
 * imagefs.available<15% and nodefs.inodesFree<5% (pkg/kubelet/eviction/defaults_linux.go
 * DefaultEvictionHard); there is no default for pid.available, so a node reports
 * PIDPressure only when its kubelet is configured with one. Inodes are not modelled.
 */
import { Gi, Mi, parseBytes } from './memory.ts';

/** What a node reports when its pool declares nothing (kubernetes.md §3: 102350Mi). */
export const defaultDiskCapacityBytes = 102_350 * Mi;
/** The OS, the runtime, the kubelet's state and the images of running containers. */
export const defaultSystemDiskBytes = 12 * Gi;
/** Images pulled before and no longer used by any container: what image GC can delete. */
export const defaultUnusedImageBytes = 2 * Gi;
/** kernel.pid_max as systemd (243 and later) sets it on 64-bit machines. */
export const defaultPidMax = 4_194_304;
/** Processes and threads of the OS, the runtime and the kubelet, outside any pod. */
export const nodeSystemPids = 400;
/** A container's processes and threads when nothing makes it fork more. */
export const containerSteadyPids = 8;

/**
 * kernel.threads-max as the kernel sizes it at boot (kernel/fork.c set_max_threads): an eighth
 * of memory in thread stacks, 16 KiB each on x86_64, between 20 and FUTEX_TID_MASK.
 */
export function defaultThreadsMax(memoryBytes: number): number {
  return Math.min(0x3fff_ffff, Math.max(20, Math.floor(memoryBytes / (8 * 16 * 1024))));
}

/** A threshold as the kubelet parses it: a percentage of capacity or a quantity. */
export type Threshold = { percentage: number } | { quantity: number };

/** `10%`, `2Gi`, `1000`: a threshold value (helpers.go parseThresholdStatement); undefined if not one. */
export function parseThreshold(value: string | number): Threshold | undefined {
  if (typeof value === 'number') return value > 0 ? { quantity: value } : undefined;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  // Percentages are float32 in the kubelet (parsePercentage).
  if (m) return Number(m[1]) > 0 ? { percentage: Math.fround(Number(m[1]) / 100) } : undefined;
  const q = parseBytes(value);
  return q !== undefined && q > 0 ? { quantity: q } : undefined;
}

/** evictionapi.GetThresholdQuantity: a percentage is truncated to a whole number of capacity units. */
export function thresholdQuantity(t: Threshold, capacity: number): number {
  return 'quantity' in t ? t.quantity : Math.trunc(capacity * t.percentage);
}

/** The hard thresholds a node's kubelet runs with (pid.available only when configured). */
export interface EvictionHard {
  nodefsAvailable: Threshold;
  imagefsAvailable: Threshold;
  pidAvailable?: Threshold;
}

export function evictionHard(
  o: Partial<Record<'nodefs.available' | 'imagefs.available' | 'pid.available', string>> = {},
): EvictionHard {
  return {
    nodefsAvailable: parseThreshold(o['nodefs.available'] ?? '10%') ?? { percentage: Math.fround(0.1) },
    imagefsAvailable: parseThreshold(o['imagefs.available'] ?? '15%') ?? { percentage: Math.fround(0.15) },
    pidAvailable: o['pid.available'] ? parseThreshold(o['pid.available']) : undefined,
  };
}

/**
 * One source of growth in a container: bytes written to its writable layer (`rootfs`), to
 * its stdout/stderr (`logs`), to the pod's emptyDir volumes (`emptyDir`), or processes and
 * threads it makes and never reaps (`pids`), per millisecond from `fromMs` (until `untilMs`).
 */
export interface StorageGrowth {
  into: 'rootfs' | 'logs' | 'emptyDir' | 'pids';
  perMs: number;
  fromMs: number;
  untilMs?: number;
}

/** How much growth of one kind a container (or pod) accumulated since `sinceMs`. */
export function grown(
  growth: readonly StorageGrowth[],
  into: StorageGrowth['into'],
  sinceMs: number,
  nowMs: number,
): number {
  let total = 0;
  for (const g of growth) {
    if (g.into !== into) continue;
    const from = Math.max(g.fromMs, sinceMs);
    const until = Math.min(g.untilMs ?? nowMs, nowMs);
    if (until > from) total += g.perMs * (until - from);
  }
  return total;
}

/** Disk is counted in filesystem blocks of 4 KiB, as statfs and du report it. */
export function blocks(bytes: number): number {
  return Math.ceil(bytes / 4096) * 4096;
}

/** A rate of processes such as `100/min`, `2/s` or `3000/h`, per millisecond. */
export function parseCountRate(rate: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\/(s|min|h)$/.exec(rate.trim());
  if (!m) return undefined;
  return Number(m[1]) / { s: 1_000, min: 60_000, h: 3_600_000 }[m[2] as 's' | 'min' | 'h'];
}
