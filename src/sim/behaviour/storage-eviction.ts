/**
 * The kubelet's eviction manager and image garbage collector for disk and process IDs
 * (pkg/kubelet/eviction/eviction_manager.go synchronize; pkg/kubelet/images/
 * image_gc_manager.go GarbageCollect), beside the memory one (eviction-manager.ts).
 *
 * Disk: every 5 min (ImageGCPeriod) image GC looks at the image filesystem; at 85 % used
 * (imageGCHighThresholdPercent) it deletes unused images down to 80 %
 * (imageGCLowThresholdPercent) and, when too few are unused, records `FreeDiskSpaceFailed`
 * (`Failed to garbage collect required amount of images. Attempted to free N bytes, but
 * only found M bytes eligible to free.`), and `ImageGCFailed` with the same text when it
 * failed the time before too (kubelet.go StartGarbageCollection). Every 10 s the eviction
 * manager compares nodefs.available and imagefs.available with their hard thresholds; when
 * one is met it reports DiskPressure, records `EvictionThresholdMet` (`Attempting to
 * reclaim ephemeral-storage`), first reclaims at node level (dead containers, every unused
 * image) and, only if the threshold is still met, evicts one pod ranked as
 * rankDiskPressureFunc does: pods using more than they request, then lower priority, then
 * the largest use. The message is helpers.go evictionMessage's, e.g. `The node was low on
 * resource: ephemeral-storage. Threshold quantity: 16106128000, available: 15721664Ki.
 * Container api was using 20971568Ki, request is 0, has larger consumption of
 * ephemeral-storage. `
 *
 * PIDs: with a pid.available threshold configured, the same for PIDPressure (`Attempting
 * to reclaim pids`; rankPIDPressure: lower priority first, then the most processes; the
 * message names no container). Without one (the kubelet's default) nothing warns: when the
 * kernel has no PID left to give (pid_max), or no task (threads-max, sized from memory),
 * the runtime and the kubelet's own relisting cannot
 * fork, and after 3 min the kubelet reports Ready=False with `PLEG is not healthy`
 * (pkg/kubelet/pleg/generic.go Healthy, relistThreshold 3m), until PIDs are free again.
 *
 * A condition stays True for evictionPressureTransitionPeriod (5 min) after its threshold
 * was last met.
 */
import type { Clock } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { ContainerRuntime, RunningPod } from './container-runtime.ts';
import { recordEvent } from './events.ts';
import { evictionPressureTransitionPeriodMs } from './eviction-manager.ts';
import type { KubeletHealth } from './kubelet.ts';
import { formatBytes } from './memory.ts';
import {
  blocks,
  containerSteadyPids,
  type EvictionHard,
  grown,
  nodeSystemPids,
  type StorageGrowth,
  thresholdQuantity,
} from './node-storage.ts';

const podType = resourceForKind('Pod')!;

/** ImageGCPeriod. */
export const imageGcPeriodMs = 5 * 60_000;
const imageGcHighPercent = 85;
const imageGcLowPercent = 80;
/** pleg relistThreshold: the kubelet is unhealthy once relisting has not succeeded for this long. */
export const plegRelistThresholdMs = 3 * 60_000;
/** A container's writable layer and log before anything makes it write more. */
const containerSteadyDiskBytes = 48 * 1024;

export interface PodStorageUsage {
  pod: RunningPod;
  /** rootfs + logs of each container, as evictionMessage counts it. */
  containers: { name: string; diskBytes: number; pids: number }[];
  /** Containers plus the pod's emptyDir volumes: what ranking counts. */
  diskBytes: number;
  pids: number;
}

export interface StorageOptions {
  node: string;
  store: ObjectStore;
  clock: Clock;
  runtime: ContainerRuntime;
  health: KubeletHealth;
  /** Whether the kubelet can write to the API server now. */
  canReport: () => boolean;
  capacityBytes: number;
  /** Disk used outside pods that nothing reclaims (OS, runtime, images in use). */
  systemBytes: number;
  /** Images on disk that no container uses: image GC and node-level reclaim delete them. */
  unusedImageBytes: number;
  /**
   * What host processes outside any pod have written by `nowMs` (a system log, a daemon's
   * files): on the same filesystem, so it counts against nodefs and imagefs, but neither
   * image GC nor evicting pods reclaims it (the kubelet's eviction manager only knows
   * images, dead containers and pods).
   */
  hostWrittenBytes?: (nowMs: number) => number;
  pidMax: number;
  /** kernel.threads-max: the kernel refuses a new task past it as past pid_max (kernel/fork.c copy_process). */
  threadsMax?: number;
  thresholds: EvictionHard;
  /** What a pod's container writes and forks now (faults change it). */
  growthOf: (pod: KubeObject, container: string) => readonly StorageGrowth[];
  /** Whether anything grows anywhere now; a quiet cluster skips the observation. */
  active: () => boolean;
}

export class StorageEvictionManager {
  private readonly o: StorageOptions;
  private unusedImages: number;
  private lastDiskMetMs = Number.NEGATIVE_INFINITY;
  private lastPidMetMs = Number.NEGATIVE_INFINITY;
  private lastImageGcMs: number;
  private imageGcFailedBefore = false;
  private pidsExhaustedSinceMs: number | undefined;
  private plegReason: string | undefined;
  private readonly podObjects = new Map<string, KubeObject | null>();

  constructor(o: StorageOptions) {
    this.o = o;
    this.unusedImages = o.unusedImageBytes;
    this.lastImageGcMs = o.clock.now();
  }

  diskPressure(): boolean {
    return this.o.clock.now() - this.lastDiskMetMs < evictionPressureTransitionPeriodMs;
  }

  pidPressure(): boolean {
    return this.o.clock.now() - this.lastPidMetMs < evictionPressureTransitionPeriodMs;
  }

  /** What each running pod uses now. */
  usage(nowMs = this.o.clock.now()): PodStorageUsage[] {
    const out: PodStorageUsage[] = [];
    const seen = new Set<string>();
    for (const pod of this.o.runtime.runningPods()) {
      seen.add(pod.key);
      const object = this.podObject(pod);
      let emptyDir = 0;
      const containers = pod.containers.map((c) => {
        const growth = object ? this.o.growthOf(object, c.name) : [];
        // Logs and emptyDir outlive a container's restart; the writable layer and the processes do not.
        const logs = grown(growth, 'logs', pod.startedAtMs, nowMs);
        emptyDir += grown(growth, 'emptyDir', pod.startedAtMs, nowMs);
        const running = c.runningSinceMs !== undefined;
        const rootfs = running ? grown(growth, 'rootfs', c.runningSinceMs!, nowMs) : 0;
        const pids = running
          ? containerSteadyPids + Math.floor(grown(growth, 'pids', c.runningSinceMs!, nowMs))
          : 0;
        return { name: c.name, diskBytes: blocks(containerSteadyDiskBytes + rootfs) + blocks(logs), pids };
      });
      const diskBytes = containers.reduce((s, c) => s + c.diskBytes, 0) + blocks(emptyDir);
      out.push({ pod, containers, diskBytes, pids: containers.reduce((s, c) => s + c.pids, 0) });
    }
    for (const key of this.podObjects.keys()) if (!seen.has(key)) this.podObjects.delete(key);
    return out;
  }

  /** nodefs.available (= imagefs.available on one filesystem), in bytes. */
  diskAvailable(usage: PodStorageUsage[]): number {
    const host = this.o.hostWrittenBytes?.(this.o.clock.now()) ?? 0;
    const used = this.o.systemBytes + host + this.unusedImages + usage.reduce((s, p) => s + p.diskBytes, 0);
    return Math.max(0, this.o.capacityBytes - used);
  }

  /** kernel.pid_max on this machine. */
  get pidMax(): number {
    return this.o.pidMax;
  }

  /** Whether anything grows now (a quiet cluster's PID use does not move but with its pods). */
  growing(): boolean {
    return this.o.active();
  }

  /** kernel.threads-max on this machine. */
  get threadsMax(): number | undefined {
    return this.o.threadsMax;
  }

  /** The processes and threads on the machine now, as /proc/loadavg counts them (at most the smaller limit). */
  pidsInUse(nowMs = this.o.clock.now()): number {
    return Math.min(
      this.o.threadsMax ?? Number.POSITIVE_INFINITY,
      nodeSystemPids + this.usage(nowMs).reduce((s, p) => s + p.pids, 0),
      this.o.pidMax,
    );
  }

  /** pid.available: pid_max less every process and thread (the kernel refuses more). */
  pidsAvailable(usage: PodStorageUsage[]): number {
    return Math.max(0, this.o.pidMax - nodeSystemPids - usage.reduce((s, p) => s + p.pids, 0));
  }

  /** One pass of synchronize for disk and PIDs; true when it evicted a pod. */
  synchronize(): boolean {
    const now = this.o.clock.now();
    const quiet = !this.o.active() && !this.diskPressure() && !this.pidPressure();
    if (quiet && this.pidsExhaustedSinceMs === undefined) {
      this.lastImageGcMs = Math.max(this.lastImageGcMs, now - imageGcPeriodMs);
      return false;
    }
    const usage = this.usage(now);
    let available = this.diskAvailable(usage);
    if (now - this.lastImageGcMs >= imageGcPeriodMs) {
      this.lastImageGcMs = now;
      available += this.collectImages(available);
    }
    this.watchPleg(now, usage);

    const cap = this.o.capacityBytes;
    const diskThreshold = [this.o.thresholds.imagefsAvailable, this.o.thresholds.nodefsAvailable]
      .map((t) => thresholdQuantity(t, cap))
      .find((q) => available < q);
    if (diskThreshold !== undefined) {
      this.lastDiskMetMs = now;
      this.thresholdMet('ephemeral-storage');
      // reclaimNodeLevelResources: dead containers and every unused image go first.
      available += this.unusedImages;
      this.unusedImages = 0;
      if (available >= diskThreshold) return false;
      const victim = rankDiskPressure(usage.filter((p) => !p.pod.critical))[0];
      if (!victim) return false;
      this.o.runtime.evict(victim.pod.key, diskEvictionMessage(victim, diskThreshold, available));
      return true;
    }

    const pidThreshold = this.o.thresholds.pidAvailable;
    if (!pidThreshold) return false;
    const pidQuantity = thresholdQuantity(pidThreshold, this.o.pidMax);
    const pidsAvailable = this.pidsAvailable(usage);
    if (pidsAvailable >= pidQuantity) return false;
    this.lastPidMetMs = now;
    this.thresholdMet('pids');
    const victim = rankPidPressure(usage.filter((p) => !p.pod.critical))[0];
    if (!victim) return false;
    this.o.runtime.evict(
      victim.pod.key,
      `The node was low on resource: pids. Threshold quantity: ${formatBytes(pidQuantity)}, available: ${formatDecimal(pidsAvailable)}. `,
    );
    return true;
  }

  private podObject(pod: RunningPod): KubeObject | undefined {
    let object = this.podObjects.get(pod.key);
    if (object === undefined) {
      object = this.o.store.find(podType, pod.namespace, pod.name) ?? null;
      this.podObjects.set(pod.key, object);
    }
    return object ?? undefined;
  }

  /** realImageGCManager.GarbageCollect; returns the bytes freed. */
  private collectImages(available: number): number {
    const cap = this.o.capacityBytes;
    const usagePercent = 100 - Math.floor((available * 100) / cap);
    if (usagePercent < imageGcHighPercent) {
      this.imageGcFailedBefore = false;
      return 0;
    }
    const amountToFree = Math.floor((cap * (100 - imageGcLowPercent)) / 100) - available;
    const freed = Math.min(this.unusedImages, amountToFree);
    this.unusedImages -= freed;
    if (freed >= amountToFree) {
      this.imageGcFailedBefore = false;
      return freed;
    }
    const message = `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`;
    this.nodeEvent('FreeDiskSpaceFailed', message);
    // Only repeated failures become ImageGCFailed (kubelet.go StartGarbageCollection).
    if (this.imageGcFailedBefore) this.nodeEvent('ImageGCFailed', message);
    this.imageGcFailedBefore = true;
    return freed;
  }

  /** No PID or task left: relisting cannot fork, PLEG goes unhealthy after its threshold, and back. */
  private watchPleg(now: number, usage: PodStorageUsage[]): void {
    const reasons = this.o.health.notReadyReasons;
    const tasks = nodeSystemPids + usage.reduce((s, p) => s + p.pids, 0);
    if (this.pidsAvailable(usage) > 0 && tasks < (this.o.threadsMax ?? Number.POSITIVE_INFINITY)) {
      this.pidsExhaustedSinceMs = undefined;
      if (this.plegReason) reasons.splice(reasons.indexOf(this.plegReason), 1);
      this.plegReason = undefined;
      return;
    }
    this.pidsExhaustedSinceMs ??= now;
    const stale = now - this.pidsExhaustedSinceMs;
    if (this.plegReason || stale < plegRelistThresholdMs) return;
    this.plegReason = `PLEG is not healthy: pleg was last seen active ${goDuration(stale)} ago; threshold is 3m0s`;
    reasons.push(this.plegReason);
  }

  private thresholdMet(resource: string): void {
    this.nodeEvent('EvictionThresholdMet', `Attempting to reclaim ${resource}`);
  }

  private nodeEvent(reason: string, message: string): void {
    if (!this.o.canReport()) return;
    recordEvent(this.o.store, this.o.clock, {
      involved: { kind: 'Node', name: this.o.node, uid: this.o.node, apiVersion: 'v1' },
      type: 'Warning',
      reason,
      message,
      source: { component: 'kubelet', host: this.o.node },
    });
  }
}

/** orderedBy(exceedDiskRequests, priority, disk): no ephemeral-storage requests here, so use above 0. */
export function rankDiskPressure(pods: PodStorageUsage[]): PodStorageUsage[] {
  return [...pods].sort(
    (a, b) =>
      Number(b.diskBytes > 0) - Number(a.diskBytes > 0) ||
      a.pod.priority - b.pod.priority ||
      b.diskBytes - a.diskBytes ||
      a.pod.key.localeCompare(b.pod.key),
  );
}

/** orderedBy(priority, process): lower priority first, then the most processes. */
export function rankPidPressure(pods: PodStorageUsage[]): PodStorageUsage[] {
  return [...pods].sort(
    (a, b) => a.pod.priority - b.pod.priority || b.pids - a.pids || a.pod.key.localeCompare(b.pod.key),
  );
}

/** helpers.go evictionMessage for ephemeral-storage: each container's rootfs + logs above its request (0). */
export function diskEvictionMessage(
  p: PodStorageUsage,
  thresholdBytes: number,
  availableBytes: number,
): string {
  let message = 'The node was low on resource: ephemeral-storage. ';
  message += `Threshold quantity: ${formatBytes(thresholdBytes)}, available: ${formatBytes(availableBytes)}. `;
  for (const c of p.containers)
    if (c.diskBytes > 0)
      message += `Container ${c.name} was using ${formatBytes(c.diskBytes)}, request is 0, has larger consumption of ephemeral-storage. `;
  return message;
}

/** A duration as Go's time.Duration prints it: `3m0.5s`, `3m10s`. */
function goDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const seconds = Number(((ms - minutes * 60_000) / 1000).toFixed(3));
  return `${minutes}m${seconds}s`;
}

/** A count as resource.NewQuantity(n, resource.DecimalSI).String() prints it: `3k`, `2500`, `1M`. */
export function formatDecimal(n: number): string {
  const v = Math.round(n);
  if (v === 0) return '0';
  for (const [suffix, unit] of [
    ['E', 1e18],
    ['P', 1e15],
    ['T', 1e12],
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ] as const)
    if (v % unit === 0) return `${v / unit}${suffix}`;
  return String(v);
}
