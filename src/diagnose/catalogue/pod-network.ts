/**
 * Pod networking between nodes breaks while service routing and the nodes themselves are
 * fine: the CNI's routes are gone (BGP peerings lost after a label or configuration change,
 * tunnels dropped, cloud routes missing) or its agent is unhealthy, so pods reach pods on
 * their own node but not on others. Readiness probes of pods whose backends live elsewhere
 * fail, DNS fails from nodes without a local DNS pod, and webhook calls from the control
 * plane to pods time out.
 *
 * Told apart from: service routing (the VIP fails while pod IPs work), node network trouble
 * (the kubelets lose the API server too), an admission webhook down by itself.
 */

import { changeAtMs } from '../evidence/changes.ts';
import { changedBefore, hitOn, nodesLoseTheApi, unreachablePeers } from '../evidence/clauses.ts';
import { earliest } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

const changeWindowMs = 6 * 3_600_000;

export const podNetwork = definePattern((q) => {
  const agents = q.of('probe-failing').filter((s) => s.facts.component === 'cni');
  const unavailable = q.of('node-problem').filter((s) => s.facts.type === 'NetworkUnavailable');
  const cniSandbox = q
    .of('sandbox-create-failing')
    .filter((s) => s.facts.cause === 'cni-not-ready' || s.facts.cause === 'cni-error');
  const appProbes = q
    .of('probe-failing')
    .filter((s) => !s.facts.systemComponent && s.facts.probes.includes('readiness'));
  const namespaces = new Set(appProbes.map((s) => s.facts.namespace));
  const { check, unreachable } = unreachablePeers(q);
  const peers = check ? [check] : [];
  const cni = [...agents, ...unavailable, ...cniSandbox];
  const evidence = [...cni, ...peers];
  const onset = earliest([...evidence, ...appProbes], q.nowMs);
  // What users see of it through the ingress: requests whose upstream never answered (504,
  // the controller's timeout on a pod it cannot reach). Evidence of the impact, no weight:
  // it keeps those errors with this incident as they drain from the ingress's window.
  // `statuses` holds one `status=count` per status.
  const upstreamTimeouts = q
    .of('service-errors')
    .filter(
      (s) => Number(s.facts.statuses.find((x) => x.startsWith('504='))?.slice(4) ?? 0) * 2 >= s.facts.errors,
    );
  const changes = q
    .of('change')
    .filter(
      (c) =>
        (c.facts.component === 'cni' ||
          c.facts.what === 'node-labels' ||
          c.facts.what === 'node-kernel' ||
          c.facts.what === 'node-os' ||
          c.facts.what === 'control-plane-version') &&
        changeAtMs(c) <= onset + 60_000 &&
        changeAtMs(c) >= onset - changeWindowMs,
    );
  // The agent failing on just the nodes a rolling node-version change has reached, while the
  // nodes it has not reached run the same agent fine: the failures follow the node's new
  // kubelet (how it runs or probes the agent), not a network between nodes.
  // Once every node has the version there is nothing left to compare with; then only an
  // agent that says nothing of the network (a probe that timed out, no output) still points
  // at the kubelet rather than at routes or peerings.
  const agentNodes = new Set(agents.flatMap((a) => a.facts.nodes));
  const saysNothingOfNetwork = agents.every((a) =>
    /probe failed:\s*(?:$|.*(?:timed out|timeout|deadline exceeded))/i.test(a.facts.message),
  );
  const followsUpgrade = q
    .of('change')
    .find(
      (c) =>
        c.facts.what === 'node-version' &&
        (c.facts.count < c.facts.clusterNodes || saysNothingOfNetwork) &&
        agentNodes.size > 0 &&
        [...agentNodes].every((n) => c.facts.nodes.includes(n)) &&
        agents.every((a) => a.sinceMs >= changeAtMs(c)),
    );
  return [
    {
      followsUpgrade: peers.length === 0 ? followsUpgrade : undefined,
      agents,
      unavailable,
      cni,
      peers,
      unreachable,
      appProbes,
      namespaces,
      evidence,
      upstreamTimeouts,
      changes,
      onset,
    },
  ];
})({
  id: 'pod-network-broken',
  family: 'pod-network',
  layer: 'pod-network',
  title: 'Pod networking between nodes is broken',
  summary:
    "Pod networking between nodes breaks while service routing and the nodes themselves are fine: the CNI's routes are gone (BGP peerings lost after a label or configuration change, tunnels dropped, cloud routes missing) or its agent is unhealthy, so pods reach pods on their own node but not on others. Readiness probes of pods whose backends live elsewhere fail, DNS fails from nodes without a local DNS pod, and webhook calls from the control plane to pods time out. Told apart from service routing (the Service address fails while pod addresses work), node network trouble (the kubelets lose the API server too) and an admission webhook that is down by itself.",
  clusterLevel: true,
  base: 0.4,
  requires: [
    {
      id: 'cni-or-cross-node-failures',
      weight: 0,
      reason:
        'the CNI agent unhealthy, a node saying its network is unavailable, the node agents unable to connect to pods on other nodes, or readiness failing across namespaces',
      reads: ['probe-failing', 'node-problem', 'sandbox-create-failing', 'agent-condition'],
      test: (c) =>
        c.evidence.length || c.namespaces.size >= 3 ? hitOn([...c.evidence, ...c.appProbes]) : undefined,
    },
  ],
  supports: [
    {
      id: 'pods-unreachable-across-nodes',
      weight: 0.25,
      reason:
        'the node agents on {fromCount} node(s) cannot open a connection to the pods on {unreachable}, which are up',
      reads: ['agent-condition'],
      test: (c) =>
        c.peers.length
          ? {
              signals: c.peers,
              slots: {
                fromCount: count(c.peers[0].facts.nodes.length, c.peers)!,
                unreachable: names(c.unreachable, c.peers)!,
              },
            }
          : undefined,
    },
    {
      id: 'cni-agent-unhealthy',
      weight: 0.2,
      reason: 'the CNI agent fails its own checks on {agentNodes} node(s)',
      reads: ['probe-failing', 'node-problem', 'sandbox-create-failing'],
      test: (c) =>
        c.cni.length
          ? {
              signals: c.cni,
              slots: {
                agentNodes: count(
                  new Set(c.agents.flatMap((a) => a.facts.nodes)).size || c.cni.length,
                  c.cni,
                )!,
              },
            }
          : undefined,
    },
    {
      id: 'apps-unready-everywhere',
      weight: 0.1,
      reason: 'readiness fails for workloads in {nsCount} namespaces at once',
      reads: ['probe-failing'],
      test: (c) =>
        c.namespaces.size >= 3
          ? { signals: c.appProbes, slots: { nsCount: count(c.namespaces.size, c.appProbes)! } }
          : undefined,
    },
    changedBefore(0.15, 'the network configuration changed just before: {change}'),
  ],
  against: [
    nodesLoseTheApi(-0.25),
    {
      id: 'agent-fails-where-nodes-upgraded',
      weight: -0.3,
      reason:
        'the CNI agent fails only on the {upgradedCount} node(s) that took {nodeVersion}, since they took it, and runs fine on nodes still on {oldVersion}; no cross-node connection is seen failing: it follows the new kubelet',
      reads: ['change', 'probe-failing'],
      test: (c) =>
        c.followsUpgrade
          ? {
              signals: [c.followsUpgrade, ...c.agents],
              slots: {
                upgradedCount: count(c.followsUpgrade.facts.count, c.followsUpgrade)!,
                nodeVersion: said(c.followsUpgrade.facts.to, c.followsUpgrade)!,
                oldVersion: said(c.followsUpgrade.facts.from, c.followsUpgrade)!,
              },
            }
          : undefined,
    },
    {
      id: 'service-vip-fails',
      weight: -0.2,
      reason: 'pods time out on the kubernetes Service address, which is service routing',
      reads: ['in-cluster-api-unreachable'],
      test: (_c, q) => hitOn([q.first('in-cluster-api-unreachable')]),
    },
  ],
  severity: () => 'critical',
  onset: (c) => c.onset,
  blastRadius: (c) => ({
    nodes: [
      ...new Set([
        ...c.agents.flatMap((a) => a.facts.nodes),
        ...c.unavailable.flatMap((u) => u.facts.nodes),
        ...c.peers.flatMap((p) => p.facts.nodes),
        ...c.unreachable,
      ]),
    ].sort(),
    namespaces: [...new Set([...c.namespaces, ...c.upstreamTimeouts.map((s) => s.facts.namespace)])].sort(),
    services: c.upstreamTimeouts.map((s) => `${s.facts.namespace}/${s.facts.service}`).sort(),
  }),
  evidence: (c) => [
    ...c.evidence.slice(0, 4),
    ...c.appProbes.slice(0, 3),
    ...c.changes.slice(0, 2),
    ...c.upstreamTimeouts.slice(0, 3),
  ],
  slots: {
    since: (c) => at(c.onset, [...c.evidence, ...c.appProbes]),
    agent: (c) =>
      said(
        c.agents[0]
          ? `${c.agents[0].facts.workloadKind} ${c.agents[0].facts.namespace}/${c.agents[0].facts.workloadName}`
          : undefined,
        c.agents[0],
      ),
    nsCount: (c) => (c.namespaces.size ? count(c.namespaces.size, c.appProbes) : undefined),
    unreachable: (c) => (c.peers.length ? names(c.unreachable, c.peers) : undefined),
    change: (c) => said(c.changes[0]?.summary.split(';')[0], c.changes[0]),
    agentNs: (c) => said(c.agents[0]?.facts.namespace, c.agents[0]),
  },
  statement:
    'Pod networking between nodes is broken since {since}[: the node agents cannot connect to pods on {unreachable}][: {agent} fails its checks][; readiness fails in {nsCount} namespaces][; after {change}].',
  nextSteps: [
    {
      say: 'Check the CNI agent pods and their readiness messages[ ({agent})]',
      command: 'kubectl get pods -A -o wide | grep -Ei "calico|cilium|flannel|aws-node|weave|antrea"',
    },
    {
      say: 'Test pod to pod across nodes and on the same node (kubectl exec into a pod, curl another pod IP)',
    },
    {
      say: 'For BGP-routed CNIs, check the peerings and what selects the peers (node labels, BGPPeer objects)',
      command: 'kubectl get bgppeers,bgpconfigurations -A -o yaml',
    },
    { say: 'Undo the network change if one came just before' },
  ],
  lookAlikes: ['service-routing', 'node-network', 'admission-webhook-failure'],
  public: {
    components: ['Pod networking'],
    title: 'Services failing to reach each other',
    cause: 'the network between servers inside the cluster is broken',
    outage: 'major',
  },
  prevention: [
    'Probe pod-to-pod reachability across nodes from every node',
    'Upgrade one node pool first and verify cross-node traffic before rolling on',
  ],
});
