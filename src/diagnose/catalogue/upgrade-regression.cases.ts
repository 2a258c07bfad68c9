/**
 * upgrade-regression: fires on a workload failing only on the nodes a rolling node upgrade reached (loses to broken
 * nodes and to a broken pod network), and on an ingress controller that stopped routing right after its own image change.
 */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  change,
  cniLivenessKills,
  crashLoop,
  edgeProbe,
  ingressUnrouted,
  min,
  notReady,
  t0,
} from '../fixtures.ts';

/** A node-version change that has reached `nodes` of six so far, 40 minutes ago. */
const upgrade = (nodes: string[], clusterNodes = 6) =>
  change(
    'node-version',
    { nodes, count: nodes.length, clusterNodes, from: 'v1.19.6', to: 'v1.20.4' },
    { sinceMs: t0 - 40 * min },
  );
/** The CNI agent's liveness probe killing it on `nodes`, since 30 minutes ago. */
const agentKilled = (nodes: string[]) => cniLivenessKills(nodes, 6, { sinceMs: t0 - 30 * min });

/** The ingress controller's Deployment rolled to `to`, `ago` before t0. */
const controllerRollout = (ago: number, facts: Partial<Parameters<typeof change>[1]> = {}) =>
  change(
    'rollout',
    {
      namespace: 'ingress-nginx',
      workload: 'ingress-nginx/Deployment/ingress-nginx-controller',
      from: 'controller=registry.k8s.io/ingress-nginx/controller:v0.51.0',
      to: 'controller=registry.k8s.io/ingress-nginx/controller:v1.9.0',
      count: 2,
      ...facts,
    },
    { sinceMs: t0 - ago },
  );
const unrouted = (facts: Parameters<typeof ingressUnrouted>[1] = {}, since = t0 - 8 * min) =>
  ingressUnrouted('ingress-nginx', facts, { sinceMs: since });

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
    // 0.55 - 0.05 one node + 0.15 the DaemonSet runs fine on the five left
    {
      name: 'a DaemonSet killed by its probe on the one node upgraded so far, fine on the five left',
      signals: [upgrade(['n1']), agentKilled(['n1'])],
      expect: { fires: true, identified: false },
    },
    // 0.55 - 0.05 one node, its spec unchanged: the node under it changed, nothing else did
    {
      name: 'a one-replica app crash-looping on the one upgraded node it was drained onto',
      signals: [
        upgrade(['n1', 'n2']),
        crashLoop('jobs', 'scheduler', ['n1'], {}, { sinceMs: t0 - 20 * min }),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'a one-replica app crash-looping on one upgraded node, as it did on its old node before the upgrade',
      signals: [
        upgrade(['n1', 'n2']),
        crashLoop(
          'jobs',
          'scheduler',
          ['n1'],
          { firstRestartMs: t0 - 3 * 60 * min },
          { sinceMs: t0 - 20 * min },
        ),
      ],
      expect: { quiet: true },
    },
    {
      name: 'a one-replica app crash-looping on one upgraded node, with no history from before the upgrade',
      signals: [
        upgrade(['n1', 'n2']),
        crashLoop('jobs', 'scheduler', ['n1'], { historySinceMs: t0 - 30 * min }, { sinceMs: t0 - 20 * min }),
      ],
      expect: { quiet: true },
    },
    {
      name: 'a one-replica app crash-looping on one upgraded node after its own rollout',
      signals: [
        upgrade(['n1', 'n2']),
        change(
          'rollout',
          { namespace: 'jobs', workload: 'jobs/Deployment/scheduler' },
          { sinceMs: t0 - 25 * min },
        ),
        crashLoop('jobs', 'scheduler', ['n1'], {}, { sinceMs: t0 - 20 * min }),
      ],
      expect: { quiet: true },
    },
    // 0.55 + 0.15: the OS image is a node version as much as the kubelet's
    {
      name: 'an app crash-looping on the two nodes that took a new OS image, fine on the four left',
      signals: [
        change(
          'node-os',
          {
            nodes: ['n1', 'n2'],
            count: 2,
            clusterNodes: 6,
            from: 'Ubuntu 18.04.6 LTS',
            to: 'Ubuntu 22.04.3 LTS',
          },
          { sinceMs: t0 - 40 * min },
        ),
        crashLoop('shop', 'cart', ['n1', 'n2'], {}, { sinceMs: t0 - 20 * min }),
      ],
      expect: { fires: true, identified: true },
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
    // 0.55 + 0.1 pods Ready + 0.1 stopped with the change
    {
      name: 'an ingress controller that routes nothing since two minutes after its image changed, its pods Ready',
      signals: [controllerRollout(10 * min), unrouted()],
      expect: { fires: true, identified: true },
    },
    // 0.55 + 0.1: the stop came 20 minutes after the change
    {
      name: 'routing that stopped twenty minutes after the controller image changed',
      signals: [controllerRollout(28 * min), unrouted()],
      expect: { fires: true, identified: false },
    },
    // 0.55 + 0.1: one of its two new pods is not Ready
    {
      name: 'a controller routing nothing after its image change with one of its pods not Ready',
      signals: [controllerRollout(10 * min), unrouted({ podsReady: 1 })],
      expect: { fires: true, identified: false },
    },
    // 0.55 + 0.2 - 0.3 = 0.45 against the edge's 0.75
    {
      name: 'the public address times out from outside while the upgraded controller routes nothing',
      signals: [
        controllerRollout(10 * min),
        unrouted(),
        edgeProbe('https://shop.example.com/', {
          statuses: [],
          errorKinds: ['timeout'],
          lastError: 'no answer within 5 s',
          lastStatus: undefined,
        }),
      ],
      expect: { losesTo: 'edge-traffic-path' },
    },
    {
      name: 'a controller routing nothing with no change to it',
      signals: [unrouted()],
      expect: { quiet: true },
    },
    {
      name: "an app's rollout in its own namespace before the controller stopped routing",
      signals: [
        change(
          'rollout',
          { namespace: 'shop', workload: 'shop/Deployment/web', to: 'web=shop/web:2.4.0' },
          { sinceMs: t0 - 10 * min },
        ),
        unrouted(),
      ],
      expect: { quiet: true },
    },
    {
      name: 'a rollout of the controller to an image it no longer runs',
      signals: [
        controllerRollout(10 * min, { to: 'controller=registry.k8s.io/ingress-nginx/controller:v1.8.0' }),
        unrouted(),
      ],
      expect: { quiet: true },
    },
    {
      name: 'the controller image changed two hours before it stopped routing',
      signals: [controllerRollout(128 * min), unrouted()],
      expect: { quiet: true },
    },
  ],
};
