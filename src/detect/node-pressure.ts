/**
 * Nodes short of memory, disk or PIDs, from everything the kubelet and the kernel say about
 * it: the pressure conditions and their taints, the eviction manager's `EvictionThresholdMet`
 * and `Evicted` Events (which resource, which containers used most), image and container GC
 * failures, `SystemOOM` and node-problem-detector's `OOMKilling`, containers on the node
 * ended OOMKilled, and image pulls failing with `no space left on device`.
 *
 * The kubelet's default hard eviction thresholds are memory.available<100Mi,
 * nodefs.available<10%, imagefs.available<15%, nodefs.inodesFree<5%, and a condition stays
 * True for `evictionPressureTransitionPeriod` (5 min) after the signal clears
 * (W:docs/concepts/scheduling-eviction/node-pressure-eviction.md); Events are read over
 * 30 min so one episode is seen whole.
 *
 * Emits `node-pressure` per node with any of these (subject `node/<n>`). Critical when the
 * kubelet is evicting pods or the kernel's OOM killer ran (SystemOOM); warning otherwise.
 * Facts: see NodePressureFacts.
 */
import type { EventRecord } from '../observe/event-ledger.ts';
import { parseQuantity } from '../observe/quantity.ts';
import { parseEvictionMessage, parseImagePullMessage, parseNodePressureEvent } from './event-messages.ts';
import { bump, countsText, eventEvidence, nodeOf, recentEvents } from './event-records.ts';
import { conditionOf, type NodeObject } from './node-attributes.ts';
import { podIndex } from './pod-index.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

export const pressureWindowMs = 30 * 60_000;
const pressureTypes = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];
const pressureTaint = /^node\.kubernetes\.io\/(memory|disk|pid)-pressure$/;

interface NodePressure {
  node: string;
  conditions: { type: string; reason: string; sinceMs?: number }[];
  taints: string[];
  thresholds: Set<string>;
  evicted: EventRecord[];
  gcImage: number;
  gcContainer: number;
  systemOoms: number;
  oomKills: number;
  victims: Set<string>;
  containerOom: number;
  noSpace: number;
  records: EventRecord[];
  firstMs: number;
}

export const nodePressure: Detector = (view, nowMs) => {
  const byNode = new Map<string, NodePressure>();
  const at = (node: string): NodePressure => {
    let p = byNode.get(node);
    if (!p) {
      p = {
        node,
        conditions: [],
        taints: [],
        thresholds: new Set(),
        evicted: [],
        gcImage: 0,
        gcContainer: 0,
        systemOoms: 0,
        oomKills: 0,
        victims: new Set(),
        containerOom: 0,
        noSpace: 0,
        records: [],
        firstMs: nowMs,
      };
      byNode.set(node, p);
    }
    return p;
  };
  for (const n of view.list('nodes') as NodeObject[]) {
    const name = n.metadata.name;
    const conditions = pressureTypes
      .map((type) => conditionOf(n, type))
      .filter((c) => c?.status === 'True')
      .map((c) => ({ type: c!.type, reason: c!.reason ?? '', sinceMs: timeMs(c!.lastTransitionTime) }));
    const taints = (n.spec?.taints ?? []).map((t) => t.key).filter((k) => pressureTaint.test(k));
    if (conditions.length === 0 && taints.length === 0) continue;
    const p = at(name);
    p.conditions = conditions;
    p.taints = taints;
    for (const c of conditions) if (c.sinceMs !== undefined) p.firstMs = Math.min(p.firstMs, c.sinceMs);
  }
  for (const r of recentEvents(view, 'node-pressure', nowMs, pressureWindowMs)) {
    const node = nodeOf(view, r);
    if (!node) continue;
    const p = at(node);
    const m = parseNodePressureEvent(r.reason, r.message);
    if (m.cause === 'threshold-met' && m.resource) p.thresholds.add(m.resource);
    if (m.cause === 'image-gc-failed') p.gcImage += r.count;
    if (m.cause === 'container-gc-failed') p.gcContainer += r.count;
    if (m.cause === 'system-oom') p.systemOoms += r.count;
    if (m.cause === 'oom-kill') p.oomKills += r.count;
    if ((m.cause === 'system-oom' || m.cause === 'oom-kill') && m.process) p.victims.add(m.process);
    p.records.push(r);
    p.firstMs = Math.min(p.firstMs, r.firstMs);
  }
  for (const r of recentEvents(view, 'eviction', nowMs, pressureWindowMs)) {
    if (r.reason !== 'Evicted' || parseEvictionMessage(r.message).cause !== 'node-pressure') continue;
    const node = nodeOf(view, r);
    if (!node) continue;
    const p = at(node);
    p.evicted.push(r);
    p.firstMs = Math.min(p.firstMs, r.firstMs);
  }
  for (const r of recentEvents(view, 'image', nowMs, pressureWindowMs)) {
    if (parseImagePullMessage(r.message).cause !== 'no-space') continue;
    const node = nodeOf(view, r);
    if (!node) continue;
    const p = at(node);
    p.noSpace += r.count;
    p.records.push(r);
    p.firstMs = Math.min(p.firstMs, r.firstMs);
  }
  // OOMKilled containers count only where the node shows pressure already: one container at
  // its own limit is its workload's business (container-terminations), not the node's.
  for (const { pod } of podIndex(view).ended) {
    const p = byNode.get(pod.spec?.nodeName ?? '');
    if (!p) continue;
    for (const c of pod.status?.containerStatuses ?? []) {
      const t = c.lastState?.terminated ?? c.state?.terminated;
      const ended = timeMs(t?.finishedAt);
      if (t?.reason === 'OOMKilled' && ended !== undefined && ended >= nowMs - pressureWindowMs)
        p.containerOom++;
    }
  }
  const all = [...byNode.values()].sort((a, b) => a.node.localeCompare(b.node));
  return all.map((p) => {
    const node = view.get('nodes', p.node) as
      | (NodeObject & { status?: { allocatable?: { memory?: string; 'ephemeral-storage'?: string } } })
      | undefined;
    const allocatable = node?.status?.allocatable;
    return signalOf(p, all.length, nowMs, {
      memory: parseQuantity(allocatable?.memory),
      disk: parseQuantity(allocatable?.['ephemeral-storage']),
    });
  });
};

const diskResources = ['ephemeral-storage', 'nodefs', 'imagefs', 'nodefs.available', 'imagefs.available'];

/**
 * The container the evictions for one resource name with the largest usage, and those bytes:
 * the eviction manager ranks pods by usage (rankMemoryPressure, rankDiskPressureFunc), so the
 * largest named is the node's largest pod consumer of that resource.
 */
function largestConsumerOf(
  parsed: ReturnType<typeof parseEvictionMessage>[],
  resources: readonly string[],
): { name: string; bytes: number } {
  let best = { name: '', bytes: 0 };
  for (const m of parsed) {
    if (!resources.includes(m.resource)) continue;
    for (const c of m.consumers) {
      const i = c.lastIndexOf('=');
      const bytes = parseQuantity(c.slice(i + 1)) ?? 0;
      if (!best.name || bytes > best.bytes) best = { name: c.slice(0, i), bytes };
    }
  }
  return best;
}

/** The node's allocatable memory and ephemeral storage in bytes, when it reports them. */
interface NodeSize {
  memory?: number;
  disk?: number;
}

function signalOf(p: NodePressure, clusterNodes: number, nowMs: number, size: NodeSize): Signal {
  const evictions = p.evicted.reduce((s, r) => s + r.count, 0);
  const parsed = p.evicted.map((r) => parseEvictionMessage(r.message));
  // One container holding most of a node's memory is what exhausts it.
  const largest = largestConsumerOf(parsed, ['memory']);
  const largestDisk = largestConsumerOf(parsed, diskResources);
  const consumers = parsed.flatMap((m) => m.consumers);
  const consumerCounts = new Map<string, number>();
  for (const c of consumers) bump(consumerCounts, c);
  const conditionSince = p.conditions.reduce<number | undefined>(
    (m, c) => (c.sinceMs === undefined ? m : Math.min(m ?? c.sinceMs, c.sinceMs)),
    undefined,
  );
  const what = [
    ...p.conditions.map((c) => c.type),
    ...(evictions ? [`${evictions} eviction(s)`] : []),
    ...(p.systemOoms ? [`${p.systemOoms} system OOM(s)`] : []),
    ...(p.gcImage ? ['image GC failing'] : []),
    ...(p.noSpace ? ['pulls out of space'] : []),
    ...(p.thresholds.size ? [`threshold met: ${[...p.thresholds].join(', ')}`] : []),
  ];
  const evidence: Evidence[] = [
    ...p.conditions.map(
      (c): Evidence => ({
        source: 'object',
        ref: `node/${p.node}`,
        atMs: c.sinceMs,
        text: `${c.type}=True (${c.reason})${c.sinceMs ? ` since ${isoSeconds(c.sinceMs)}` : ''}`,
        raw: { kind: 'field', path: `status.conditions[${c.type}]`, value: `True/${c.reason}` },
      }),
    ),
    ...[...p.evicted, ...p.records]
      .sort((a, b) => b.lastMs - a.lastMs)
      .slice(0, 4)
      .map(eventEvidence),
  ];
  return {
    detector: 'node-pressure',
    kind: 'node-pressure',
    subject: `node/${p.node}`,
    severity: evictions > 0 || p.systemOoms > 0 ? 'critical' : 'warning',
    sinceMs: Math.min(p.firstMs, nowMs),
    summary: `node ${p.node} under resource pressure (${what.join(', ') || p.taints.join(', ')}); see kubectl describe node ${p.node}`,
    scope: {
      nodes: [p.node],
      namespaces: uniqueSorted(p.evicted.map((r) => r.namespace).filter(Boolean)),
    },
    facts: {
      conditions: p.conditions.map((c) => c.type).sort(),
      conditionReasons: uniqueSorted(p.conditions.map((c) => c.reason).filter(Boolean)),
      conditionSince: conditionSince === undefined ? '' : isoSeconds(conditionSince),
      pressureTaints: uniqueSorted(p.taints),
      thresholdsMet: [...p.thresholds].sort(),
      evictions,
      evictedResources: uniqueSorted(parsed.map((m) => m.resource).filter(Boolean)),
      evictedNamespaces: uniqueSorted(p.evicted.map((r) => r.namespace).filter(Boolean)),
      topConsumers: countsText(consumerCounts, 5).map((c) => c.slice(0, c.lastIndexOf('='))),
      largestConsumer: largest.name,
      largestConsumerShare:
        largest.name && size.memory ? Math.round((largest.bytes / size.memory) * 100) / 100 : 0,
      largestDiskConsumer: largestDisk.name,
      largestDiskConsumerShare:
        largestDisk.name && size.disk ? Math.round((largestDisk.bytes / size.disk) * 10_000) / 10_000 : -1,
      imageGcFailures: p.gcImage,
      containerGcFailures: p.gcContainer,
      systemOoms: p.systemOoms,
      oomKills: p.oomKills,
      oomVictims: [...p.victims].sort(),
      containerOomKilled: p.containerOom,
      imagePullNoSpace: p.noSpace,
      clusterNodesUnderPressure: clusterNodes,
      windowMinutes: pressureWindowMs / 60_000,
    },
    evidence,
  };
}
