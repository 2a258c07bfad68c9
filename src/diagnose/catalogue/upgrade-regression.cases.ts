/** upgrade-regression: fires on a workload failing only on the nodes a rolling node upgrade reached; loses to broken nodes and to a broken pod network. */
import type { PatternTable } from '../cases.ts';
import { agent, change, cniLivenessKills, crashLoop, min, notReady, t0 } from '../fixtures.ts';

/** A node-version change that has reached `nodes` of six so far, 40 minutes ago. */
const upgrade = (nodes: string[], clusterNodes = 6) =>
  change(
    'node-version',
    { nodes, count: nodes.length, clusterNodes, from: 'v1.19.6', to: 'v1.20.4' },
    { sinceMs: t0 - 40 * min },
  );
/** The CNI agent's liveness probe killing it on `nodes`, since 30 minutes ago. */
const agentKilled = (nodes: string[]) => cniLivenessKills(nodes, 6, { sinceMs: t0 - 30 * min });

export const upgradeRegressionCases: PatternTable = {
  pattern: 'upgrade-regression',
  cases: [
    // 0.55 + 0.15 four nodes left behind
    {
      name: 'a DaemonSet killed by its liveness probe on the two nodes the upgrade reached, fine on the four left',
      signals: [upgrade(['n1', 'n2']), agentKilled(['n1', 'n2'])],
      expect: { fires: true, identified: true },
    },
    // 0.55: every node took it, nothing left to compare with
    {
      name: 'an app crash-looping on all six nodes after every node took the new version',
      signals: [
        upgrade(['n1', 'n2', 'n3', 'n4', 'n5', 'n6']),
        crashLoop('shop', 'cart', ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'], {}, { sinceMs: t0 - 20 * min }),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'a pod killed by its probe on the one node upgraded so far, where it landed',
      signals: [upgrade(['n1']), agentKilled(['n1'])],
      expect: { quiet: true },
    },
    {
      name: 'the same kills on a node the upgrade has not reached',
      signals: [upgrade(['n1', 'n2']), agentKilled(['n2', 'n3'])],
      expect: { quiet: true },
    },
    {
      name: 'kills that began before the upgrade reached the nodes',
      signals: [
        change(
          'node-version',
          { nodes: ['n1', 'n2'], count: 2, clusterNodes: 6, from: 'v1.19.6', to: 'v1.20.4' },
          { sinceMs: t0 - 10 * min },
        ),
        agentKilled(['n1', 'n2']),
      ],
      expect: { quiet: true },
    },
    // 0.55 + 0.15 - 0.3 = 0.4, below the nodes' own version story
    {
      name: 'the upgraded nodes themselves went NotReady, their pods failing with them',
      signals: [upgrade(['n1', 'n2']), agentKilled(['n1', 'n2']), notReady('n1'), notReady('n2')],
      expect: { losesTo: 'node-image-regression' },
    },
    {
      name: 'the node agents cannot connect to pods across nodes while the CNI agent fails on the upgraded nodes',
      signals: [
        upgrade(['n1', 'n2']),
        agentKilled(['n1', 'n2']),
        agent('PodNetworkPeersUnreachable', ['n1', 'n2', 'n3', 'n4'], {
          reasons: ['PeersUnreachable'],
          unreachable: ['n1', 'n2', 'n3', 'n4'],
        }),
      ],
      expect: { losesTo: 'pod-network-broken' },
    },
  ],
};
