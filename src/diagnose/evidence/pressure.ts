/**
 * Nodes short of one resource (memory, disk, PIDs), read off the `node-pressure` signals:
 * the kubelet's pressure condition, the eviction manager reclaiming that resource, the
 * kernel's OOM killer (memory), image and container GC failing and pulls out of space
 * (disk). Also which of those nodes are in trouble (NotReady, flapping, silent): a kubelet
 * starved of the resource stops reporting, which is how exhaustion turns into an outage.
 */
import type { SignalOf } from '../../detect/signal.ts';
import type { SignalQuery } from '../query.ts';
import { earliest, nodeName, nodeTrouble } from './node-trouble.ts';

export type PressureResource = 'memory' | 'disk' | 'pid';

type Pressure = SignalOf<'node-pressure'>;

const condition: Record<PressureResource, string> = {
  memory: 'MemoryPressure',
  disk: 'DiskPressure',
  pid: 'PIDPressure',
};

/** The eviction manager's names for the resource (`Attempting to reclaim …`, `low on resource: …`). */
const reclaimed: Record<PressureResource, readonly string[]> = {
  memory: ['memory'],
  disk: ['ephemeral-storage', 'nodefs', 'imagefs', 'nodefs.available', 'imagefs.available'],
  pid: ['pids', 'pid'],
};

/** Whether a node's pressure signal shows this resource short. */
export function shortOf(s: Pressure, resource: PressureResource): boolean {
  const f = s.facts;
  const names = reclaimed[resource];
  if (f.conditions.includes(condition[resource])) return true;
  if (f.thresholdsMet.some((r) => names.includes(r)) || f.evictedResources.some((r) => names.includes(r)))
    return true;
  if (resource === 'memory') return f.systemOoms > 0 || f.oomKills > 0;
  if (resource === 'disk')
    return f.imageGcFailures > 0 || f.containerGcFailures > 0 || f.imagePullNoSpace > 0;
  return false;
}

export interface PressureCase {
  resource: PressureResource;
  /** Node pressure signals showing this resource short. */
  signals: Pressure[];
  nodes: string[];
  /** Of those, nodes whose kubelet is NotReady, flapping or silent. */
  down: string[];
  downSignals: (SignalOf<'node-not-ready'> | SignalOf<'node-flapping'> | SignalOf<'node-heartbeat-lag'>)[];
  /** Nodes in trouble that show no shortage of this resource. */
  troubleElsewhere: string[];
  /** Resource-metrics samples of these nodes at 90 % of allocatable or more (memory only). */
  highUsage: SignalOf<'node-resource-usage'>[];
  /** `container=usage` the eviction messages name, across the nodes. */
  consumers: string[];
  onset: number;
}

export function pressureOn(q: SignalQuery, resource: PressureResource): PressureCase {
  return q.derive(`pressure-${resource}`, () => {
    const signals = q.of('node-pressure').filter((s) => shortOf(s, resource));
    const nodes = signals.map((s) => nodeName(s.subject)).sort();
    const short = new Set(nodes);
    const t = nodeTrouble(q);
    const downSignals = [...t.notReady, ...t.flapping, ...t.silent].filter((s) =>
      short.has(nodeName(s.subject)),
    );
    const down = [...new Set(downSignals.map((s) => nodeName(s.subject)))].sort();
    const troubleElsewhere = [...t.affected].filter((n) => !short.has(n)).sort();
    const highUsage =
      resource === 'memory'
        ? q.of('node-resource-usage').filter((s) => short.has(s.facts.node) && s.facts.memoryFraction >= 0.9)
        : [];
    const consumers = [...new Set(signals.flatMap((s) => s.facts.topConsumers))];
    return {
      resource,
      signals,
      nodes,
      down,
      downSignals,
      troubleElsewhere,
      highUsage,
      consumers,
      onset: earliest([...signals, ...downSignals], q.nowMs),
    };
  });
}

/**
 * Below this share of its node's allocatable ephemeral storage, the largest pod the kubelet
 * evicted for disk is not what fills the disk: it holds under half the margin the kubelet
 * keeps free by default (nodefs.available<10%), so evicting it cannot bring the node back
 * over the line, and neither can evicting the smaller ones ranked after it.
 */
export const negligibleDiskShare = 0.05;

/**
 * The node evicts pods for disk and the largest of them holds a negligible share of it: the
 * space is taken outside the pods (host logs, the runtime's files, leftovers), and the
 * containers the evictions name were only the largest of what little the pods hold.
 */
export function diskHeldOutsidePods(s: Pressure): boolean {
  const share = s.facts.largestDiskConsumerShare;
  return share >= 0 && share < negligibleDiskShare;
}

/** The container name of a `container=usage` consumer. */
export function consumerName(c: string): string {
  return c.split('=')[0];
}
