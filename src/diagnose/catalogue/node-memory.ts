/**
 * Nodes run out of memory: the kubelet reports MemoryPressure and evicts pods, the kernel's
 * OOM killer kills processes (SystemOOM, OOMKilling), and when the system's own reserve is
 * gone the kubelet itself is starved and stops posting status, so the node goes NotReady and
 * its pods are evicted onto the next node, which may fall the same way.
 *
 * Told apart from: node network trouble (no pressure, no OOM kills), a node image or kernel
 * regression (follows a version, not memory use), one workload that breaks each node it
 * lands on (the same consumer on every short node), and a single sick kubelet.
 */
import { apiSilentForUsToo, hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { count, said } from '../slots.ts';
import {
  evictingFor,
  pressureBlast,
  pressureCases,
  pressureSlots,
  shortOn,
  starvedNodesDown,
  troubleWithoutShortage,
} from './resource-exhaustion.ts';

export const nodeMemory = definePattern(pressureCases('memory'))({
  id: 'node-memory-exhaustion',
  family: 'node-resources',
  layer: 'node',
  title: 'Nodes run out of memory',
  summary:
    "Nodes run out of memory: the kubelet reports MemoryPressure and evicts pods, the kernel's OOM killer kills processes (SystemOOM, OOMKilling), and once the system reserve is gone the kubelet itself is starved and stops posting status, so the node goes NotReady and its pods land on the next node. Told apart from node network trouble (no pressure, no OOM kills), a node image or kernel regression (it follows a version, not memory use), one workload that breaks every node it lands on (the same consumer on each short node), and one sick kubelet.",
  clusterLevel: true,
  base: 0.4,
  requires: [shortOn('memory')],
  supports: [
    {
      id: 'kernel-oom-killer',
      weight: 0.15,
      reason: "the kernel's OOM killer ran on {oomNodes} of them",
      reads: ['node-pressure'],
      test: (c) => {
        const s = c.signals.filter((x) => x.facts.systemOoms > 0 || x.facts.oomKills > 0);
        return s.length ? { signals: s, slots: { oomNodes: count(s.length, s)! } } : undefined;
      },
    },
    evictingFor('memory', 0.1, ['memory']),
    starvedNodesDown(0.15),
    {
      id: 'usage-at-allocatable',
      weight: 0.1,
      reason: 'their memory use is at 90 % of what they offer pods or more',
      reads: ['node-resource-usage'],
      test: (c) => hitOn(c.highUsage),
    },
  ],
  against: [
    apiSilentForUsToo(-0.4),
    troubleWithoutShortage(-0.2),
    {
      id: 'one-container-holds-most',
      weight: -0.2,
      reason:
        'one container, {consumer}, held most of the memory of {node}: it, not the node, is short of room',
      reads: ['node-pressure'],
      test: (c) => {
        const d = c.signals.find((s) => s.facts.largestConsumerShare >= 0.5);
        return d
          ? {
              signals: [d],
              slots: {
                consumer: said(d.facts.largestConsumer, d)!,
                node: said(d.subject.replace(/^node\//, ''), d)!,
              },
            }
          : undefined;
      },
    },
  ],
  severity: (c) => (c.down.length || c.nodes.length >= 2 ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: pressureBlast,
  evidence: (c) => [...c.signals.slice(0, 4), ...c.downSignals.slice(0, 2)],
  slots: {
    ...pressureSlots,
    ooms: (c) => {
      const n = c.signals.reduce((a, x) => a + x.facts.systemOoms + x.facts.oomKills, 0);
      return n ? count(n, c.signals) : undefined;
    },
  },
  statement:
    '{nodeCount} node(s) ({nodes}) ran short of memory since {onset}[: the kernel OOM killer ran {ooms} time(s)][; {evictions}][; {down}].',
  nextSteps: [
    {
      say: 'Read the pressure condition, evictions and OOM kills on {firstNode}',
      command: 'kubectl describe node {firstNode}',
    },
    {
      say: 'Find what uses the memory[ (the kubelet named {consumers})]',
      command: 'kubectl top pods -A --sort-by=memory',
    },
    {
      say: 'Give the heaviest workloads memory requests and limits, so the scheduler and the OOM killer act on them rather than on the node',
    },
    {
      say: 'Reboot the nodes whose kubelet stopped reporting',
      command: 'kubetriage remediate restart-nodes --nodes {downCsv} --dry-run',
    },
    {
      say: 'Reserve memory for the kubelet and the system (system-reserved, kube-reserved) so they outlive the pods',
    },
  ],
  runbooks: { 'restart-nodes': (c) => (c.down.length ? { nodes: c.down } : undefined) },
  lookAlikes: ['node-network', 'node-image-regression', 'workload-exhausts-node', 'kubelet-failure'],
  public: {
    components: ['Nodes'],
    title: 'Nodes degraded',
    cause: 'some servers ran out of memory',
    outage: 'partial',
  },
  prevention: [
    'Set memory requests and limits on every workload (a LimitRange gives defaults)',
    'Reserve memory for the kubelet and system daemons on every node pool',
    'Alert on MemoryPressure and SystemOOM events before nodes go NotReady',
  ],
});
