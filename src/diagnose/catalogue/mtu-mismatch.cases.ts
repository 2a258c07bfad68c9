/** mtu-mismatch: fires when peers' full-size answers stall while connections open; loses to pod routing and the nodes' own network. */
import type { PatternTable } from '../cases.ts';
import { agent, change, flapping, hour, notReady, serviceErrors, t0 } from '../fixtures.ts';

const stalling = (nodes: string[], stalled = nodes, unreachable: string[] = []) =>
  agent('PodNetworkPeersUnreachable', nodes, {
    reasons: [unreachable.length ? 'PeersUnreachable' : 'LargePacketsDropped'],
    stalled,
    unreachable,
  });
const everyNode = ['n1', 'n2', 'n3', 'n4'];
const gatewayTimeouts = serviceErrors('apps/api', {
  requests: 2000,
  errors: 400,
  errorRatio: 0.2,
  statuses: ['200=1600', '504=400'],
});
const cniUpgraded = change(
  'daemonset-image',
  {
    component: 'cni',
    systemComponent: true,
    from: 'cilium:v1.18.6',
    to: 'cilium:v1.19.4',
    workload: 'cilium',
  },
  { sinceMs: t0 - hour },
);

export const mtuMismatchCases: PatternTable = {
  pattern: 'mtu-mismatch',
  cases: [
    // 0.6 + 0.15 gateway timeouts + 0.15 change
    {
      name: 'full-size answers stall between every node pair an hour after a CNI upgrade, the ingress answering 504',
      signals: [stalling(everyNode), gatewayTimeouts, cniUpgraded],
      expect: { fires: true, identified: true },
    },
    // 0.6 + 0.15
    {
      name: 'full-size answers stall between every node pair an hour after a CNI upgrade',
      signals: [stalling(everyNode), cniUpgraded],
      expect: { fires: true, identified: true },
    },
    // 0.6 + 0.15
    {
      name: 'full-size answers stall on one link between two nodes and the ingress answers one service 504',
      signals: [stalling(['n1', 'n2']), gatewayTimeouts],
      expect: { fires: true, identified: true },
    },
    // 0.6
    {
      name: 'full-size answers stall on one link between two nodes, nothing else seen',
      signals: [stalling(['n1', 'n2'])],
      expect: { fires: true, identified: false },
    },
    {
      name: 'the ingress answers one service 504, every peer path carries full-size answers',
      signals: [gatewayTimeouts, agent('PodNetworkPeersUnreachable', [])],
      expect: { quiet: true },
    },
    {
      name: 'connections to the pods on other nodes fail outright',
      signals: [stalling(everyNode, [], everyNode)],
      expect: { quiet: true },
    },
    // 0.6 + 0.15 + 0.15 - 0.25 against pod-network-broken: most peers refuse connections, a few stall
    {
      name: 'connections to pods on three nodes fail and answers from a fourth stall, after a CNI upgrade',
      signals: [stalling(everyNode, ['n4'], ['n1', 'n2', 'n3']), gatewayTimeouts, cniUpgraded],
      expect: { losesTo: 'pod-network-broken' },
    },
    // 0.6 + 0.15 - 0.25 against node-network: the nodes lose the API server too
    {
      name: 'two nodes flap NotReady while answers between them stall',
      signals: [notReady('n1'), flapping('n1'), flapping('n2'), stalling(['n1', 'n2']), gatewayTimeouts],
      expect: { losesTo: 'node-network' },
    },
  ],
};
