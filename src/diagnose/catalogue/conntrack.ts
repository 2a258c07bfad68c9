/**
 * The connection-tracking table fills on nodes: the kernel drops new connections
 * (the kernel logs that its conntrack table is full), UDP DNS lookups fail first, then new TCP
 * connections time out at random, while pods, Services and DNS pods all look healthy.
 *
 * Told apart from: cluster DNS overloaded (its pods restart), service routing broken (the
 * VIP fails every time, not at random).
 */
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { count, names, said } from '../slots.ts';

export const conntrack = definePattern((q) => {
  const full = q.agent('ConntrackTableFull');
  return [
    {
      full,
      dns: [q.first('dns-lookups-failing'), q.agent('ClusterDNSUnhealthy')].filter((x) => x !== undefined),
    },
  ];
})({
  id: 'conntrack-exhaustion',
  family: 'pod-network',
  layer: 'node',
  title: 'The connection-tracking table is full on some nodes',
  summary:
    'The connection-tracking table fills on nodes: the kernel drops new connections (the kernel logs that its conntrack table is full), UDP DNS lookups fail first, then new TCP connections time out at random, while pods, Services and the DNS pods all look healthy. Told apart from cluster DNS overloaded (its pods restart) and service routing broken (the address fails every time, not at random).',
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'table-full',
      weight: 0,
      reason: "the node agent seeing the kernel's conntrack table full",
      reads: ['agent-condition'],
      test: (c) => hitOn([c.full]),
    },
  ],
  supports: [
    {
      id: 'lookups-fail',
      weight: 0.15,
      reason: 'DNS lookups fail from the nodes',
      reads: ['dns-lookups-failing', 'agent-condition'],
      test: (c) => hitOn(c.dns),
    },
    {
      id: 'vip-times-out-there',
      weight: 0.1,
      reason: 'pods on {vipCount} of those nodes time out on the kubernetes Service address',
      reads: ['in-cluster-api-unreachable', 'agent-condition'],
      test: (c, q) => {
        const vip = q.first('in-cluster-api-unreachable');
        const nodes = vip?.facts.nodes ?? [];
        const there = nodes.filter((n) => c.full?.facts.nodes.includes(n));
        return vip && there.length && there.length * 2 >= nodes.length
          ? { signals: [vip], slots: { vipCount: count(there.length, vip)! } }
          : undefined;
      },
    },
    {
      id: 'packets-dropped',
      weight: 0.1,
      reason: 'the kernel counts {drops} dropped packets',
      reads: ['agent-condition'],
      test: (c) =>
        (c.full?.facts.drops ?? 0) > 0
          ? { signals: [c.full!], slots: { drops: count(c.full!.facts.drops!, c.full)! } }
          : undefined,
    },
  ],
  against: [
    {
      id: 'dns-pods-restarting',
      weight: -0.2,
      reason: 'the DNS pods themselves are restarting',
      reads: ['system-component-oom', 'dns-pods-unhealthy'],
      test: (_c, q) =>
        hitOn([
          ...q.of('system-component-oom').filter((s) => s.facts.component === 'dns'),
          q.first('dns-pods-unhealthy'),
        ]),
    },
  ],
  severity: (c) => ((c.full?.facts.nodes.length ?? 0) >= 2 ? 'critical' : 'warning'),
  onset: (c, q) => c.full?.sinceMs ?? q.nowMs,
  blastRadius: (c) => ({ nodes: c.full?.facts.nodes ?? [] }),
  evidence: (c) => [c.full, ...c.dns].filter((x) => x !== undefined),
  slots: {
    nodes: (c) => names(c.full?.facts.nodes ?? [], c.full),
    nodeCount: (c) => count(c.full?.facts.nodes.length ?? 0, c.full),
    fullest: (c) =>
      said(c.full?.facts.fullestPercent ? `${c.full.facts.fullestPercent}%` : undefined, c.full),
    firstNode: (c) => said(c.full?.facts.nodes[0], c.full),
  },
  statement:
    'The conntrack table is full on {nodeCount} node(s) ({nodes})[, {fullest} at the fullest]: the kernel drops new connections.',
  nextSteps: [
    { say: "Read the agent's condition on {firstNode}", command: 'kubectl describe node {firstNode}' },
    {
      say: 'Raise the connection-tracking limit of the nodes (the kube-proxy conntrack maxPerCore and min settings) and find the workload opening connections without reuse',
    },
    { say: 'Move DNS to TCP or a node-local cache so lookups stop competing for entries' },
  ],
  lookAlikes: ['dns-overload', 'cluster-dns', 'service-routing'],
  public: {
    components: ['Pod networking'],
    title: 'Intermittent connection failures',
    cause: 'some servers are dropping new network connections',
    outage: 'partial',
  },
  prevention: [
    'Alert on conntrack use above 80 % per node',
    'Size conntrack for the connection rate of the node pool',
  ],
});
