/**
 * Nodes using nearly all they offer pods, from the resource metrics API (metrics-server's
 * working set and CPU, `metrics.k8s.io`) against the node's `status.allocatable`, which is
 * capacity less the kube and system reservations and the hard eviction threshold
 * (W:docs/tasks/administer-cluster/reserve-compute-resources.md): a working set at
 * allocatable means the kubelet is about to evict. Samples older than 5 min are not read
 * (metrics-server scrapes every 15 s by default; the tool every 30 s).
 *
 * Emits `node-resource-usage` per node at 90 % of allocatable memory or more (critical at
 * 100 %), or 95 % of allocatable CPU or more (warning: CPU is throttled, not evicted).
 * Facts: see NodeResourceUsageFacts.
 */
import { parseQuantity } from '../observe/quantity.ts';
import type { NodeObject } from './node-attributes.ts';
import type { Detector, Signal } from './signal.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

const freshMs = 5 * 60_000;
const memoryWarn = 0.9;
const memoryCritical = 1;
const cpuWarn = 0.95;

interface Allocatable {
  cpu?: string;
  memory?: string;
}

export const nodeUsage: Detector = (view, nowMs) => {
  const high: Signal[] = [];
  for (const [name, sample] of view.nodeUsage) {
    if (sample.atMs < nowMs - freshMs || sample.atMs > nowMs + 60_000) continue;
    const node = view.get('nodes', name) as
      | (NodeObject & { status?: { allocatable?: Allocatable } })
      | undefined;
    const alloc = node?.status?.allocatable;
    const memory = parseQuantity(sample.memory);
    const cpu = parseQuantity(sample.cpu);
    const memoryAlloc = parseQuantity(alloc?.memory);
    const cpuAlloc = parseQuantity(alloc?.cpu);
    if (memory === undefined || cpu === undefined || !memoryAlloc || !cpuAlloc) continue;
    const memoryFraction = memory / memoryAlloc;
    const cpuFraction = cpu / cpuAlloc;
    if (memoryFraction < memoryWarn && cpuFraction < cpuWarn) continue;
    const round = (x: number) => Math.round(x * 1000) / 1000;
    high.push({
      detector: 'node-usage',
      kind: 'node-resource-usage',
      subject: `node/${name}`,
      severity: memoryFraction >= memoryCritical ? 'critical' : 'warning',
      sinceMs: sample.atMs,
      summary: `node ${name} uses ${Math.round(memoryFraction * 100)}% of its allocatable memory and ${Math.round(cpuFraction * 100)}% of its CPU; see kubectl top pods -A --sort-by=memory --field-selector spec.nodeName=${name}`,
      scope: { nodes: [name] },
      facts: {
        node: name,
        memoryBytes: memory,
        memoryAllocatableBytes: memoryAlloc,
        memoryFraction: round(memoryFraction),
        cpuCores: round(cpu),
        cpuAllocatableCores: round(cpuAlloc),
        cpuFraction: round(cpuFraction),
        sampledAt: isoSeconds(timeMs(sample.timestamp) ?? sample.atMs),
        clusterNodesHigh: 0,
      },
      evidence: [
        {
          source: 'metric',
          ref: `node/${name}`,
          atMs: sample.atMs,
          text: `metrics.k8s.io usage cpu=${sample.cpu} memory=${sample.memory} (window ${sample.window}) against allocatable cpu=${alloc?.cpu} memory=${alloc?.memory}`,
          raw: { kind: 'metric', name: 'metrics.k8s.io/NodeMetrics.usage.memory', value: memory },
        },
      ],
    });
  }
  const highMemory = high.filter(
    (s) => s.kind === 'node-resource-usage' && s.facts.memoryFraction >= memoryWarn,
  ).length;
  for (const s of high) if (s.kind === 'node-resource-usage') s.facts.clusterNodesHigh = highMemory;
  return high.sort((a, b) => a.subject.localeCompare(b.subject));
};
