/** pod-network-broken: fires when the CNI fails between healthy nodes; loses to the nodes' own network, service routing, a webhook. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  change,
  cniLivenessKills,
  flapping,
  hour,
  notReady,
  podCreation,
  probes,
  t0,
  vipUnreachable,
  webhookFailing,
} from '../fixtures.ts';

const cniAgent = probes('kube-system', 'calico-node', {
  workloadKind: 'DaemonSet',
  component: 'cni',
  systemComponent: true,
  message:
    'Readiness probe failed: calico/node is not ready: BIRD is not ready: BGP not established with 10.0.1.12',
  results: ['command-failed=30'],
  pods: 6,
  nodes: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'],
});
const appsUnready = [probes('shop', 'cart'), probes('search', 'indexer'), probes('billing', 'invoices')];
const labelsChanged = (hoursBefore: number) =>
  change(
    'node-labels',
    { from: 'rack=a', to: 'rack=b', nodes: ['n1', 'n2'], count: 2 },
    { sinceMs: t0 - hoursBefore * hour },
  );

export const podNetworkCases: PatternTable = {
  pattern: 'pod-network-broken',
  cases: [
    // 0.4 + 0.2 agent + 0.1 apps everywhere + 0.15 change
    {
      name: 'BGP peerings lost after a node label change: calico-node unready everywhere, readiness failing in three namespaces',
      signals: [cniAgent, ...appsUnready, labelsChanged(1)],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.2 + 0.15
    {
      name: 'calico-node unready on six nodes an hour after a node label change',
      signals: [cniAgent, labelsChanged(1)],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.2 + 0.1
    {
      name: 'calico-node unready on six nodes and readiness failing in three namespaces, no change seen',
      signals: [cniAgent, ...appsUnready],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.2 + 0.15 (the control plane's version) - 0.3 = 0.45: the failures follow the upgrade
    {
      name: 'calico-node killed by its liveness probe on the two nodes a kubelet upgrade reached so far, after the control plane went first',
      signals: [
        cniLivenessKills(['n1', 'n2'], 4),
        change('control-plane-version', {}, { sinceMs: t0 - 2 * hour }),
        change(
          'node-version',
          { nodes: ['n1', 'n2'], count: 2, clusterNodes: 6 },
          { sinceMs: t0 - 30 * 60_000 },
        ),
      ],
      expect: { losesTo: 'upgrade-regression' },
    },
    // 0.4 + 0.2 - 0.3: every node has the version, and the agent's probe says nothing of the network
    {
      name: 'calico-node killed by a liveness probe with no output on all six nodes, each after it took a new node version',
      signals: [
        cniLivenessKills(['n1', 'n2', 'n3', 'n4', 'n5', 'n6'], 12),
        change(
          'node-version',
          { nodes: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'], count: 6, clusterNodes: 6 },
          { sinceMs: t0 - hour },
        ),
      ],
      expect: { losesTo: 'upgrade-regression' },
    },
    // 0.4 + 0.2 + 0.15: every node took the new version, so there is no node to compare with
    {
      name: 'calico-node unready on every node after all of them took a new node version',
      signals: [
        cniAgent,
        change(
          'node-version',
          { nodes: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'], count: 6, clusterNodes: 6 },
          { sinceMs: t0 - 2 * hour },
        ),
        change('control-plane-version', {}, { sinceMs: t0 - 3 * hour }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.2
    {
      name: 'calico-node unready on six nodes, nothing else yet',
      signals: [cniAgent],
      expect: { fires: true, identified: false },
    },
    // 0.4 + 0.25 peers + 0.1 apps everywhere
    {
      name: 'the node agents cannot connect to pods on three other nodes and readiness fails in three namespaces',
      signals: [
        agent('PodNetworkPeersUnreachable', ['n1', 'n2', 'n3', 'n4'], {
          reasons: ['PeersUnreachable'],
          unreachable: ['n2', 'n3', 'n4'],
        }),
        ...appsUnready,
      ],
      expect: { fires: true, identified: true },
    },
    {
      name: 'the node agents cannot connect to pods on a node that is itself NotReady',
      signals: [
        notReady('n4'),
        agent('PodNetworkPeersUnreachable', ['n1', 'n2', 'n3'], {
          reasons: ['PeersUnreachable'],
          unreachable: ['n4'],
        }),
      ],
      expect: { quiet: true },
    },
    {
      name: 'the only node that reported a peer unreachable has since gone down, its report stale',
      signals: [
        notReady('n1'),
        agent('PodNetworkPeersUnreachable', ['n1'], {
          reasons: ['PeersUnreachable'],
          unreachable: ['n2'],
          staleNodes: ['n1'],
        }),
      ],
      expect: { quiet: true },
    },
    {
      name: 'one app fails readiness in its own namespace',
      signals: [probes('shop', 'cart')],
      expect: { quiet: true },
    },
    // 0.4 + 0.2 + 0.1 - 0.25 against node-network at 0.35 + 0.15 + 0.05: the nodes lose the API server too
    {
      name: 'two nodes flap; calico-node is unready on them and readiness fails in three namespaces',
      signals: [notReady('n1'), flapping('n1'), flapping('n2'), cniAgent, ...appsUnready],
      expect: { losesTo: 'node-network' },
    },
    // 0.4 + 0.2 + 0.1 + 0.15 - 0.2 against service-routing at 0.45 + 0.15 + 0.1 + 0.1
    {
      name: 'pods time out on the kubernetes Service VIP from three nodes, while calico-node is unready and apps fail readiness',
      signals: [
        vipUnreachable(['n1', 'n2', 'n3'], { endpointReachableFromNodes: true }),
        cniAgent,
        ...appsUnready,
        labelsChanged(3),
      ],
      expect: { losesTo: 'service-routing' },
    },
    {
      name: 'a policy webhook with no ready pods fails closed; controllers cannot create pods',
      signals: [
        webhookFailing('validate.policy.example.com', { errorKinds: ['no-endpoints'], kubeSystem: true }),
        podCreation('shop', 'cart-7d9f', { webhooks: ['validate.policy.example.com'] }),
      ],
      expect: { losesTo: 'admission-webhook-failure' },
    },
  ],
};
