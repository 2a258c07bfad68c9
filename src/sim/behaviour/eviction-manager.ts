/**
 * The kubelet's eviction manager, for memory (pkg/kubelet/eviction/eviction_manager.go).
 * Every 10 s (evictionMonitoringPeriod) it observes memory.available = capacity - the
 * node's working set (the pods' plus the system's own). Below the hard threshold
 * (memory.available<100Mi) it reports MemoryPressure, records `EvictionThresholdMet`
 * (`Attempting to reclaim memory`) on the node, and evicts one pod per pass, ranked as
 * rankMemoryPressure does: pods using more than they request first, then lower priority,
 * then the largest use above request. The condition stays True for
 * evictionPressureTransitionPeriod (5 min) after the threshold was last met
 * (W:docs/concepts/scheduling-eviction/node-pressure-eviction.md).
 *
 * The message is the kubelet's, fragments verbatim with their trailing spaces
 * (pkg/kubelet/eviction/helpers.go: nodeLowMessageFmt, thresholdMetMessageFmt,
 * containerMessageFmt), e.g. `The node was low on resource: memory. Threshold quantity:
 * 100Mi, available: 94208Ki. Container leaky was using 7340032Ki, request is 0, has larger
 * consumption of memory. `
 */
import type { Clock } from '../../time/clock.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { ContainerRuntime, PodMemoryUsage } from './container-runtime.ts';
import { recordEvent } from './events.ts';
import { evictionHardMemoryBytes, formatBytes, nodeWorkingSetBytes } from './memory.ts';

export const evictionPressureTransitionPeriodMs = 5 * 60_000;

export class MemoryEvictionManager {
  private readonly o: {
    node: string;
    store: ObjectStore;
    clock: Clock;
    runtime: ContainerRuntime;
    capacityBytes: number;
    /** Whether the kubelet can write to the API server now. */
    canReport: () => boolean;
  };
  private lastMetMs = Number.NEGATIVE_INFINITY;

  constructor(o: MemoryEvictionManager['o']) {
    this.o = o;
  }

  /** MemoryPressure as the kubelet reports it now. */
  underPressure(): boolean {
    return this.o.clock.now() - this.lastMetMs < evictionPressureTransitionPeriodMs;
  }

  /** memory.available on the node now, in bytes. */
  available(usage = this.o.runtime.memoryUsage(this.o.clock.now())): number {
    return this.o.capacityBytes - nodeWorkingSetBytes(usage);
  }

  /** One pass of synchronize(): observe, and when the threshold is met, reclaim by evicting one pod; true when it did. */
  synchronize(): boolean {
    const now = this.o.clock.now();
    const usage = this.o.runtime.memoryUsage(now);
    const available = this.available(usage);
    if (available >= evictionHardMemoryBytes) return false;
    this.lastMetMs = now;
    if (this.o.canReport())
      recordEvent(this.o.store, this.o.clock, {
        involved: { kind: 'Node', name: this.o.node, uid: this.o.node, apiVersion: 'v1' },
        type: 'Warning',
        reason: 'EvictionThresholdMet',
        message: 'Attempting to reclaim memory',
        source: { component: 'kubelet', host: this.o.node },
      });
    const victim = rankMemoryPressure(usage.filter((p) => !p.critical))[0];
    if (!victim) return false;
    this.o.runtime.evict(victim.key, evictionMessage(victim, available));
    return true;
  }
}

const overRequest = (p: PodMemoryUsage) =>
  p.containers.reduce((s, c) => s + c.workingSetBytes - c.requestBytes, 0);
const exceedsRequests = (p: PodMemoryUsage) => p.containers.some((c) => c.workingSetBytes > c.requestBytes);

/** orderedBy(exceedMemoryRequests, priority, memory): the first is evicted first. */
export function rankMemoryPressure(pods: PodMemoryUsage[]): PodMemoryUsage[] {
  return [...pods].sort(
    (a, b) =>
      Number(exceedsRequests(b)) - Number(exceedsRequests(a)) ||
      a.priority - b.priority ||
      overRequest(b) - overRequest(a) ||
      a.key.localeCompare(b.key),
  );
}

/** helpers.go evictionMessage: the node's shortage, then each container above its request. */
export function evictionMessage(pod: PodMemoryUsage, availableBytes: number): string {
  let message = 'The node was low on resource: memory. ';
  message += `Threshold quantity: ${formatBytes(evictionHardMemoryBytes)}, available: ${formatBytes(Math.floor(availableBytes / 1024) * 1024)}. `;
  for (const c of pod.containers)
    if (c.workingSetBytes > c.requestBytes)
      message += `Container ${c.name} was using ${formatBytes(c.workingSetBytes)}, request is ${formatBytes(c.requestBytes)}, has larger consumption of memory. `;
  return message;
}
