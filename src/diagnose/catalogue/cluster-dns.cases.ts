/** cluster-dns: fires when cluster DNS fails for its own reasons; loses to what it is downstream of. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  controlPlaneRestarts,
  crashLoop,
  dnsLookups,
  dnsPods,
  flapping,
  notReady,
  proxySync,
  silent,
  spread,
  versionSkew,
  vipUnreachable,
} from '../fixtures.ts';

const three = ['n1', 'n2', 'n3'];
const healthyNodes = ['n5', 'n6'];
const wave = [
  notReady('n1'),
  flapping('n2'),
  flapping('n3'),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 }),
];
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];
const dnsCannotList = dnsPods({ logHints: ['api-unreachable'], nodes: healthyNodes });

export const clusterDnsCases: PatternTable = {
  pattern: 'cluster-dns',
  cases: [
    // 0.45 + 0.1 + 0.1 - 0.3 against the loop's 0.55 + 0.15
    {
      name: 'CoreDNS waits on its kubernetes plugin in a crash loop while etcd itself restarts again and again',
      signals: [
        dnsPods({ logHints: ['waiting-for-kubernetes'], nodes: healthyNodes }),
        dnsLookups(),
        controlPlaneRestarts('etcd', [170, 130, 90, 50, 10]),
      ],
      expect: { losesTo: 'control-plane-component-loop' },
    },
    // 0.45 + 0.1 + 0.1: waiting on the API with the control plane fine (its RBAC, say)
    {
      name: 'CoreDNS waits on its kubernetes plugin while the control plane is fine',
      signals: [dnsPods({ logHints: ['waiting-for-kubernetes'], nodes: healthyNodes }), dnsLookups()],
      expect: { fires: true, identified: false },
    },
    // 0.45 + 0.1 none Ready + 0.1 lookups from several nodes
    {
      name: 'CoreDNS OOM-killed on every replica on healthy nodes, lookups fail from every node',
      signals: [dnsPods({ reasons: ['OOMKilled'], nodes: healthyNodes }), dnsLookups()],
      expect: { fires: true, identified: false },
    },
    // 0.45 + 0.1 none Ready + 0.1 lookups + 0.1 the loop plugin halts every replica
    {
      name: 'every CoreDNS replica exits with Error seconds after it starts, its last line the loop plugin detecting a loop; lookups fail from every node',
      signals: [
        dnsPods({
          reasons: ['CrashLoopBackOff', 'last:Error'],
          logHints: ['loop-detected'],
          nodes: healthyNodes,
        }),
        dnsLookups(),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.45 + 0.1: just over the honest unknown
    {
      name: 'no CoreDNS pod Ready, crash-looping on healthy nodes; no node agent',
      signals: [dnsPods({ nodes: healthyNodes })],
      expect: { fires: true, identified: false },
    },
    {
      name: 'lookups through cluster DNS time out from every node while the CoreDNS pods look Ready',
      signals: [dnsLookups()],
      expect: { fires: true, identified: false },
    },
    {
      name: 'one CoreDNS replica crash-loops while the other serves',
      signals: [
        dnsPods(
          { ready: 1, crashLooping: 1, pods: ['coredns-b'], nodes: ['n5'], readyEndpoints: 1 },
          { severity: 'warning' },
        ),
      ],
      expect: { fires: true, identified: false },
    },
    // 0.45 + 0.1 + 0.1 - 0.25 against pod-network-broken at 0.4 + 0.25: the DNS pods are on nodes pods cannot reach
    {
      name: 'no CoreDNS pod Ready and lookups fail from every node, while the node agents cannot connect to pods on the other nodes',
      signals: [
        dnsPods({ nodes: healthyNodes }),
        dnsLookups(),
        agent('PodNetworkPeersUnreachable', ['n1', 'n2', 'n3', 'n4'], {
          reasons: ['PeersUnreachable'],
          unreachable: ['n1', 'n2', 'n3', 'n4'],
        }),
      ],
      expect: { losesTo: 'pod-network-broken' },
    },
    // 0.45 + 0.1 - 0.25, under the naming floor: the address refuses while the DNS pods are fine
    {
      name: 'the cluster DNS address refuses lookups from four nodes while every CoreDNS pod is Ready',
      signals: [
        dnsLookups(),
        agent('ClusterDNSUnhealthy', ['n1', 'n2', 'n3', 'n4'], { reasons: ['ClusterDNSRefused'] }),
      ],
      expect: { losesTo: 'cause-not-identified' },
    },
    {
      name: 'the cluster DNS address refuses lookups from four nodes whose kube-proxy rules are stale, CoreDNS pods Ready',
      signals: [
        dnsLookups(),
        agent('ClusterDNSUnhealthy', ['n1', 'n2', 'n3', 'n4'], { reasons: ['ClusterDNSRefused'] }),
        proxySync({ staleNodes: ['n1'] }),
      ],
      expect: { losesTo: 'service-proxy-sync-failure' },
    },
    // 0.45 + 0.1 - 0.15: the nodes' own resolvers fail too, so something upstream of both
    {
      name: "lookups fail from every node through cluster DNS and through the nodes' own resolvers",
      signals: [
        dnsLookups({ nodeResolverNodes: three, reasons: ['ClusterDNSTimeout', 'NodeResolverTimeout'] }),
      ],
      expect: { losesTo: 'cause-not-identified' },
    },
    {
      name: 'both DNS replicas sat on the one node that went silent',
      signals: [notReady('n4'), silent('n4', 300), dnsPods({ nodes: ['n4'] })],
      expect: { quiet: true },
    },
    {
      name: 'CoreDNS crash-loops because pods cannot reach the API server through the VIP',
      signals: [vipUnreachable(three, { endpointReachableFromNodes: true }), dnsCannotList, dnsLookups()],
      expect: { losesTo: 'service-routing' },
    },
    // 0.45 + 0.1 - 0.3
    {
      name: 'the API server just came back; CoreDNS still crash-loops from the outage',
      signals: [vipUnreachable(three, { externalApiHealthy: false }), dnsCannotList],
      expect: { losesTo: 'cause-not-identified' },
    },
    {
      name: "lookups fail from nodes whose kube-proxy rules are stale, kube-proxy outside the skew policy, CoreDNS's pods fine",
      signals: [dnsLookups(), proxySync({ staleNodes: three }), versionSkew()],
      expect: { losesTo: 'service-proxy-sync-failure' },
    },
    {
      name: 'the CoreDNS pods are down only because their nodes are',
      signals: [...wave, ...appsOnThem, dnsPods({ nodes: ['n2', 'n3'] })],
      expect: { losesTo: 'node-network' },
    },
  ],
};
