/**
 * One workload exhausts every node it lands on: the same process is the top consumer (the
 * eviction manager names it, or the kernel's OOM killer picks it) on each node that runs
 * short, and as its pods are evicted or rescheduled the trouble moves with it. Replacing or
 * rebooting the nodes does not help; limiting or moving the workload does.
 *
 * Told apart from: nodes short of memory, disk or PIDs for many reasons (no one consumer in
 * common), a disk filled outside the pods (the pods the kubelet evicts hold next to none of
 * it, so the one it names first is only the largest of little), node network trouble.
 */
import type { SignalOf } from '../../detect/signal.ts';
import { apiSilentForUsToo, hitOn } from '../evidence/clauses.ts';
import { nodeName, nodeTrouble } from '../evidence/node-trouble.ts';
import { consumerName, diskHeldOutsidePods, type PressureResource, shortOf } from '../evidence/pressure.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

const resources: PressureResource[] = ['memory', 'disk', 'pid'];

type Pressure = SignalOf<'node-pressure'>;

/**
 * The containers a node's evictions name as top consumers, unless the node was short of disk
 * alone and the largest of them held a negligible share of it: the kubelet had to evict
 * someone, but what filled the disk is outside the pods, and no workload exhausted it.
 */
function namedConsumers(s: Pressure): string[] {
  const onlyDisk = !shortOf(s, 'memory') && !shortOf(s, 'pid');
  return onlyDisk && diskHeldOutsidePods(s) ? [] : s.facts.topConsumers.map(consumerName);
}

export const workloadExhaustsNode = definePattern((q) => {
  const pressured = q.of('node-pressure').filter((s) => resources.some((r) => shortOf(s, r)));
  const named = new Map<string, typeof pressured>();
  for (const s of pressured)
    for (const c of new Set([...namedConsumers(s), ...s.facts.oomVictims])) {
      if (!c) continue;
      named.set(c, [...(named.get(c) ?? []), s]);
    }
  const t = nodeTrouble(q);
  // Every named consumer is a case; the requirement keeps those on two or more short nodes.
  return [...named].map(([consumer, signals]) => {
    const nodes = signals.map((s) => nodeName(s.subject)).sort();
    const downSignals = [...t.notReady, ...t.silent, ...t.flapping].filter((s) =>
      nodes.includes(nodeName(s.subject)),
    );
    // One container holding most of a node's memory when the kubelet evicted it: that node
    // ran short because of it, even when its next pod lands on the same node.
    const dominant = signals.filter(
      (s) => s.facts.largestConsumer === consumer && s.facts.largestConsumerShare >= 0.5,
    );
    return {
      consumer,
      signals,
      dominant,
      nodes,
      downSignals,
      without: pressured.filter((s) => !signals.includes(s)),
      short: resources.filter((r) => signals.some((s) => shortOf(s, r))),
      onset: Math.min(...signals.map((s) => s.sinceMs)),
    };
  });
})({
  id: 'workload-exhausts-node',
  family: 'node-resources',
  layer: 'workload',
  title: 'One workload exhausts every node it runs on',
  summary:
    'One workload exhausts every node it lands on: the same process is the top consumer (named by the eviction manager, or chosen by the kernel OOM killer) on each node that runs short, and as its pods are evicted or rescheduled the trouble moves with it. Rebooting or replacing the nodes does not help; limiting or moving the workload does. Told apart from nodes short of a resource for many reasons (no consumer in common) and node network trouble.',
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'same-consumer-on-short-nodes',
      weight: 0,
      reason:
        'one process topping the consumers on two or more nodes that ran short, or holding most of the memory of one',
      reads: ['node-pressure'],
      test: (c) => (c.signals.length >= 2 || c.dominant.length ? { signals: c.signals } : undefined),
    },
  ],
  supports: [
    {
      id: 'holds-most-of-its-node',
      weight: 0.15,
      reason: '{consumer} held {share} of the memory of {node} when the kubelet evicted it',
      reads: ['node-pressure'],
      test: (c) => {
        const d = c.dominant[0];
        return d
          ? {
              signals: c.dominant,
              slots: {
                consumer: said(c.consumer, d)!,
                share: said(`${Math.round(d.facts.largestConsumerShare * 100)} %`, d)!,
                node: said(nodeName(d.subject), d)!,
              },
            }
          : undefined;
      },
    },
    {
      id: 'its-nodes-go-down',
      weight: 0.15,
      reason: '{downCount} of its nodes stopped reporting or went NotReady',
      reads: ['node-not-ready', 'node-heartbeat-lag', 'node-flapping'],
      test: (c) =>
        c.downSignals.length
          ? { signals: c.downSignals, slots: { downCount: count(c.downSignals.length, c.downSignals)! } }
          : undefined,
    },
    {
      id: 'oom-killer-picks-it',
      weight: 0.1,
      reason: 'the kernel OOM killer chose it as the victim',
      reads: ['node-pressure'],
      test: (c) => hitOn(c.signals.filter((s) => s.facts.oomVictims.includes(c.consumer))),
    },
  ],
  against: [
    apiSilentForUsToo(-0.4),
    {
      id: 'short-nodes-without-it',
      weight: -0.2,
      reason: '{withoutCount} other node(s) ran short with other consumers',
      reads: ['node-pressure'],
      test: (c) =>
        c.without.length >= c.signals.length
          ? { signals: c.without, slots: { withoutCount: count(c.without.length, c.without)! } }
          : undefined,
    },
  ],
  severity: (c) => (c.downSignals.length ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => ({ nodes: c.nodes }),
  evidence: (c) => [...c.signals.slice(0, 4), ...c.downSignals.slice(0, 2)],
  slots: {
    consumer: (c) => said(c.consumer, c.signals),
    nodeCount: (c) => count(c.nodes.length, c.signals),
    nodes: (c) => names(c.nodes, c.signals),
    resources: (c) => said(c.short.map((r) => (r === 'pid' ? 'process IDs' : r)).join(' and '), c.signals),
    onset: (c) => at(c.onset, c.signals),
    down: (c) =>
      c.downSignals.length
        ? said(`${c.downSignals.length} of them stopped reporting`, c.downSignals)
        : undefined,
  },
  statement:
    '{consumer} exhausts the nodes it runs on: {nodeCount} node(s) ({nodes}) ran short of {resources} with it as the top consumer since {onset}[; {down}].',
  nextSteps: [
    {
      say: 'Find the pods that run {consumer} and where they are',
      command: 'kubectl get pods -A -o wide | grep {consumer}',
    },
    {
      say: 'Limit it (memory, ephemeral-storage or PID limits) or scale it down; rebooting or replacing its nodes does not help while it runs unbounded',
    },
    {
      say: 'Until it is fixed, keep it on nodes of its own (a taint and toleration) so it cannot take others down',
    },
  ],
  lookAlikes: ['node-memory-exhaustion', 'node-disk-exhaustion', 'node-pid-exhaustion'],
  public: {
    components: ['Nodes', 'Workloads'],
    title: 'Nodes degraded',
    cause: 'one workload is exhausting the servers it runs on',
    outage: 'partial',
  },
  prevention: [
    'Give every workload resource limits, enforced by a LimitRange',
    'Canary new agents and DaemonSets on a few nodes and watch node memory before rolling on',
  ],
});
