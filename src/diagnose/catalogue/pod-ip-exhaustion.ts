/**
 * Pod IP addresses run out: the CNI plugin's IPAM cannot give a new sandbox an address (the
 * node's share of the pod range, the subnet, the IP pool), so new pods stay in
 * ContainerCreating with `FailedCreatePodSandBox` carrying the plugin's own error, often
 * right after a mass reschedule (a drain, a node pool roll, a scale-up).
 *
 * Told apart from: the CNI agent not running or not configured (cni config uninitialized),
 * node disk or image pulls (pods stuck for other reasons).
 */
import { hitOn } from '../evidence/clauses.ts';
import { earliest } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

export const podIpExhaustion = definePattern((q) => {
  const failing = q.of('sandbox-create-failing');
  const ip = failing.filter((s) => s.facts.cause === 'ip-exhausted');
  const cniDown = failing.filter(
    (s) => s.facts.cause === 'cni-not-ready' || s.facts.cause === 'cni-plugin-missing',
  );
  const nodes = ip.map((s) => s.facts.node).sort();
  return [{ ip, cniDown, nodes, onset: earliest(ip, q.nowMs) }];
})({
  id: 'pod-ip-exhaustion',
  family: 'pod-network',
  layer: 'pod-network',
  title: 'Pod IP addresses run out',
  summary:
    "Pod IP addresses run out: the CNI plugin's IPAM cannot give a new sandbox an address (the node's share of the pod range, the subnet, the IP pool), so new pods stay in ContainerCreating with FailedCreatePodSandBox carrying the plugin's own error, often right after a mass reschedule. Told apart from a CNI agent that is not running or not configured, and from pods stuck for disk or image reasons.",
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'sandboxes-get-no-address',
      weight: 0,
      reason: 'pod sandboxes failing because the CNI plugin has no address to give',
      reads: ['sandbox-create-failing'],
      test: (c) => hitOn(c.ip),
    },
  ],
  supports: [
    {
      id: 'on-several-nodes',
      weight: 0.15,
      reason: 'it happens on {nodeCount} nodes',
      reads: ['sandbox-create-failing'],
      test: (c) =>
        c.nodes.length >= 2
          ? { signals: c.ip, slots: { nodeCount: count(c.nodes.length, c.ip)! } }
          : undefined,
    },
    {
      id: 'pods-waiting',
      weight: 0.1,
      reason: '{pods} pods wait in ContainerCreating',
      reads: ['sandbox-create-failing'],
      test: (c) => {
        const n = c.ip.reduce((a, s) => a + s.facts.podsStuckCreating, 0);
        return n >= 3 ? { signals: c.ip, slots: { pods: count(n, c.ip)! } } : undefined;
      },
    },
  ],
  against: [
    {
      id: 'cni-agent-down',
      weight: -0.2,
      reason: 'the CNI agent itself is not ready on some nodes',
      reads: ['sandbox-create-failing'],
      test: (c) => hitOn(c.cniDown),
    },
  ],
  severity: (c) => (c.nodes.length >= 2 ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => ({
    nodes: c.nodes,
    namespaces: [...new Set(c.ip.flatMap((s) => s.facts.namespaces))].sort(),
  }),
  evidence: (c) => c.ip.slice(0, 5),
  slots: {
    nodeCount: (c) => count(c.nodes.length, c.ip),
    nodes: (c) => names(c.nodes, c.ip),
    onset: (c) => at(c.onset, c.ip),
    plugins: (c) => names([...new Set(c.ip.flatMap((s) => s.facts.plugins))], c.ip),
    message: (c) => said(c.ip[0]?.facts.message.slice(0, 160), c.ip[0]),
    firstNode: (c) => said(c.nodes[0], c.ip),
  },
  statement:
    'New pods get no IP address on {nodeCount} node(s) ({nodes}) since {onset}[ ({plugins})][: "{message}"].',
  nextSteps: [
    {
      say: 'See the sandbox errors on {firstNode}',
      command:
        "kubectl get events -A --field-selector reason=FailedCreatePodSandBox,source=kubelet | grep -i 'ip'",
    },
    {
      say: 'Check the address pool: the subnet or IP pool the CNI allocates from, and how many addresses each node holds',
    },
    {
      say: 'Free or add addresses (a larger subnet or pool, prefix delegation, fewer pods per node), then let the stuck pods retry',
    },
  ],
  lookAlikes: ['pod-network-broken', 'node-disk-exhaustion'],
  public: {
    components: ['Pod networking'],
    title: 'New workloads failing to start',
    cause: 'the cluster ran out of network addresses for new workloads',
    outage: 'partial',
  },
  prevention: ['Alert on free pod addresses per subnet or pool, well before a mass reschedule needs them'],
});
