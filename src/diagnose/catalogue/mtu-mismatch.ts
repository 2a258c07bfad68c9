/**
 * Full-size packets between nodes are dropped while small ones pass: the pod interfaces'
 * MTU plus the encapsulation's overhead (VXLAN 50 bytes, IPIP 20, WireGuard 60–80) is more
 * than the path between the nodes carries, and the ICMP "fragmentation needed" that would
 * let TCP shrink its segments is lost or never sent inside the tunnel. Connections open,
 * health checks, DNS and small requests work; large responses hang until the client or the
 * ingress gives up (504). It follows a CNI upgrade or setting change that moved the MTU, a
 * new tunnel (encryption) or a node network whose MTU changed, on every path or on one link.
 *
 * Evidence: the node agents' peer check (PodNetworkPeersUnreachable, reason
 * LargePacketsDropped): a connection to the peer pod on another node opens and its 64 KiB
 * answer stalls.
 *
 * Told apart from: pod networking broken (connections to those peers fail outright), node
 * network trouble (the nodes lose the API server too), an application that is slow (its own
 * pods only, no path between nodes involved).
 */
import { changeAtMs } from '../evidence/changes.ts';
import { changedBefore, hitOn, nodesLoseTheApi } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

const changeWindowMs = 6 * 3_600_000;

export const mtuMismatch = definePattern((q) => {
  const peers = q.agent('PodNetworkPeersUnreachable');
  const stalled = peers?.facts.stalled ?? [];
  const unreachable = peers?.facts.unreachable ?? [];
  const onset = peers?.sinceMs ?? q.nowMs;
  const timeouts = q
    .of('service-errors')
    // Statuses come most first; the commonest failure being 504 is the upstream timing out.
    .filter((s) => s.facts.statuses.find((st) => st.startsWith('5'))?.startsWith('504='))
    .sort((a, b) => b.facts.errors - a.facts.errors);
  const changes = q
    .of('change')
    .filter(
      (c) =>
        (c.facts.component === 'cni' || c.facts.what === 'node-kernel' || c.facts.what === 'node-os') &&
        changeAtMs(c) <= onset + 60_000 &&
        changeAtMs(c) >= onset - changeWindowMs,
    );
  return [{ peers, stalled, unreachable, onset, timeouts, changes }];
})({
  id: 'mtu-mismatch',
  family: 'pod-network',
  layer: 'pod-network',
  title: 'Full-size packets between nodes are dropped (MTU mismatch)',
  summary:
    "Full-size packets between nodes are dropped while small ones pass: the pod interfaces' MTU plus the encapsulation's overhead is more than the path between the nodes carries, and the ICMP message that would let TCP shrink its segments is lost. Connections open, health checks, DNS and small requests work; large responses hang until the client or the ingress gives up (504). It follows a CNI upgrade or setting change, a new encrypted tunnel, or a node network whose MTU changed. Told apart from pod networking broken (connections fail outright), node network trouble (the nodes lose the API server too) and a slow application (its own pods only).",
  clusterLevel: true,
  base: 0.6,
  requires: [
    {
      id: 'large-responses-stall',
      weight: 0,
      reason: "the node agents' connections to pods on other nodes open but their full-size answers stall",
      reads: ['agent-condition'],
      test: (c) => (c.peers && c.stalled.length ? hitOn([c.peers]) : undefined),
    },
  ],
  supports: [
    {
      id: 'gateway-timeouts',
      weight: 0.15,
      reason: 'the ingress answers {service} mostly with 504, upstream timeouts',
      reads: ['service-errors'],
      test: (c) =>
        c.timeouts.length
          ? { signals: c.timeouts, slots: { service: said(c.timeouts[0].facts.service, c.timeouts[0])! } }
          : undefined,
    },
    changedBefore(0.15, 'the network or the nodes changed just before: {change}'),
  ],
  against: [
    {
      id: 'connections-fail-too',
      weight: -0.25,
      reason: 'connections to pods on {unreachable} fail outright, which is pod routing, not packet size',
      reads: ['agent-condition'],
      test: (c) =>
        c.peers && c.unreachable.length >= c.stalled.length
          ? { signals: [c.peers], slots: { unreachable: names(c.unreachable, c.peers)! } }
          : undefined,
    },
    nodesLoseTheApi(-0.25),
  ],
  severity: (c) => (c.timeouts.some((s) => s.severity === 'critical') ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => ({
    nodes: [...new Set([...(c.peers?.facts.nodes ?? []), ...c.stalled])].sort(),
    services: c.timeouts.map((s) => `${s.facts.namespace}/${s.facts.service}`),
  }),
  evidence: (c) =>
    [c.peers, ...c.timeouts.slice(0, 3), ...c.changes.slice(0, 2)].filter((x) => x !== undefined),
  slots: {
    since: (c) => at(c.onset, c.peers),
    nodes: (c) => names(c.peers?.facts.nodes ?? [], c.peers),
    nodeCount: (c) => count(c.peers?.facts.nodes.length ?? 0, c.peers),
    stalled: (c) => names(c.stalled, c.peers),
    firstNode: (c) => said(c.peers?.facts.nodes[0], c.peers),
    peerNode: (c) => said(c.stalled.find((n) => n !== c.peers?.facts.nodes[0]) ?? c.stalled[0], c.peers),
    change: (c) => said(c.changes[0]?.summary.split(';')[0], c.changes[0]),
  },
  statement:
    'Full-size packets between nodes are dropped since {since}: from {nodeCount} node(s) ({nodes}), connections to pods on {stalled} open but large answers stall[, after {change}].',
  nextSteps: [
    {
      say: "Read the agent's peer check on {firstNode}",
      command: 'kubectl describe node {firstNode} | grep -A2 PodNetworkPeersUnreachable',
    },
    {
      say: 'Confirm with a do-not-fragment ping of full size from a pod on {firstNode} to a pod on {peerNode}, then lower the size until it passes: that is the path MTU',
      command: 'kubectl exec POD_ON_FIRST_NODE -- ping -M do -s 1400 -c 3 POD_IP_ON_PEER_NODE',
    },
    {
      say: "Compare the pods' interface MTU with the nodes' interface MTU minus the encapsulation overhead (VXLAN 50, IPIP 20, WireGuard 60 to 80)",
      command: 'kubectl debug node/{firstNode} -it --image=busybox -- ip link',
    },
    {
      say: "Set the CNI's MTU explicitly to the path MTU minus its overhead and restart its agents so new pod interfaces get it; undo the network change if one came just before",
    },
  ],
  lookAlikes: ['pod-network-broken', 'node-network', 'app-bug'],
  public: {
    components: ['Pod networking'],
    title: 'Some requests hang or time out',
    cause: 'large network packets between servers inside the cluster are being dropped',
    outage: 'partial',
  },
  prevention: [
    "Set the CNI's MTU explicitly from the underlay MTU and the encapsulation overhead; never rely on auto-detection across an upgrade",
    'Probe full-size transfers between nodes after every CNI or node-network change',
  ],
});
