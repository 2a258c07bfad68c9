/** service-routing: fires when pods on Ready nodes cannot reach the kubernetes Service VIP; loses to its look-alikes. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  apiUnreachable,
  change,
  crashLoop,
  dnsLookups,
  dnsPods,
  flapping,
  min,
  notReady,
  spread,
  t0,
  vipUnreachable,
} from '../fixtures.ts';

const three = ['n1', 'n2', 'n3'];
/** The DNS Service address refuses the connection (a REJECT rule), as the agent sees it. */
const dnsRejected = (nodes: string[]) =>
  agent('ClusterDNSUnhealthy', nodes, {
    reasons: ['ClusterDNSRefused'],
    servers: ['100.64.0.10:53'],
    errors: ['read udp 10.0.1.5:41234->100.64.0.10:53: read: connection refused'],
  });
/** A DNS server answering REFUSED: the server said no, routing delivered the query. */
const dnsAnswersRefused = (nodes: string[]) =>
  agent('ClusterDNSUnhealthy', nodes, { reasons: ['ClusterDNSRefused'], rcodes: ['REFUSED'] });
const proxyImage = change(
  'daemonset-image',
  {
    workload: 'kube-system/DaemonSet/kube-proxy',
    namespace: 'kube-system',
    component: 'service-proxy',
    systemComponent: true,
    from: 'v1.29.4',
    to: 'v1.29.5',
  },
  { sinceMs: t0 - 30 * min },
);
/** CoreDNS lists Services through the VIP: it crash-loops saying it cannot reach the API server. */
const dnsCannotList = dnsPods({ logHints: ['api-unreachable'], nodes: ['n5', 'n6'] });
/** The API server was down for minutes and answers again: kubetriage's probes failed in the window. */
const apiJustBack = vipUnreachable(three, { externalApiHealthy: false });
const wave = [
  notReady('n1'),
  flapping('n2'),
  flapping('n3'),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 }),
];
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];

export const serviceRoutingCases: PatternTable = {
  pattern: 'service-routing',
  cases: [
    // 0.45 + 0.2 rejected while pods serve + 0.1 several nodes = 0.75
    {
      name: 'the cluster DNS Service address refuses connections on three nodes while every DNS pod is Ready',
      signals: [dnsRejected(three)],
      expect: { fires: true, identified: true },
    },
    {
      name: 'the DNS Service address refuses on one node only',
      signals: [dnsRejected(['n1'])],
      expect: { quiet: true },
    },
    {
      name: 'the DNS servers answer REFUSED: the queries reached them',
      signals: [dnsAnswersRefused(three)],
      expect: { quiet: true },
    },
    {
      name: 'the DNS Service address refuses while the DNS pods themselves are unhealthy',
      signals: [dnsRejected(three), dnsPods()],
      expect: { losesTo: 'cluster-dns' },
    },
    {
      name: 'pods reach the VIP and refuse the certificate the API server presents (x509), kubetriage gets answers',
      signals: [vipUnreachable(['n1', 'n2', 'n3'], { errorKinds: ['tls'] })],
      expect: { losesTo: 'certificate-expiry' },
    },
    {
      name: "the node agents' GET /livez through the VIP gets no answer in time on every node: connections and handshakes work",
      signals: [vipUnreachable(['n1', 'n2', 'n3'], { errorKinds: ['http-timeout'] })],
      expect: { quiet: true },
    },
    // 0.45 + 0.15 outside + 0.1 endpoint + 0.1 DNS + 0.1 several + 0.1 change
    {
      name: 'after a kube-proxy image change, pods on three Ready nodes lose the kubernetes Service; kubetriage and the nodes reach the API server, CoreDNS crashes on it',
      signals: [vipUnreachable(three, { endpointReachableFromNodes: true }), dnsCannotList, proxyImage],
      expect: { fires: true, identified: true },
    },
    // 0.45 + 0.15 + 0.1 = 0.7
    {
      name: 'pods on three Ready nodes time out dialling the VIP while the API answers kubetriage',
      signals: [vipUnreachable(three)],
      expect: { fires: true, identified: true },
    },
    // 0.45 + 0.15 + 0.1: one node, but its agent reaches the API server at its own address
    {
      name: 'the VIP fails from one node only, whose agent reaches the API server directly',
      signals: [
        vipUnreachable(['n4'], { endpointReachableFromNodes: true }, { severity: 'warning' }),
        agent('KubernetesServiceVIPUnreachable', ['n4']),
      ],
      expect: { fires: true, identified: true },
    },
    {
      name: 'the VIP fails from one node only',
      signals: [vipUnreachable(['n4'], {}, { severity: 'warning' })],
      expect: { quiet: true },
    },
    // 0.45 + 0.1 - 0.4 = 0.15: not shown; the pods' failures are the outage's echo
    {
      name: 'the API server just came back; pods still log VIP timeouts from the outage',
      signals: [apiJustBack],
      expect: { losesTo: 'cause-not-identified' },
    },
    // each corroboration lifts it to 0.25: shown, far from naming
    {
      name: 'the API server just came back and the nodes reach it directly; pods still log VIP timeouts',
      signals: [vipUnreachable(three, { externalApiHealthy: false, endpointReachableFromNodes: true })],
      expect: { losesTo: 'cause-not-identified' },
    },
    {
      name: 'the API server just came back; CoreDNS still crash-loops from the outage',
      signals: [apiJustBack, dnsCannotList],
      expect: { losesTo: 'cause-not-identified' },
    },
    {
      name: 'the API server came back two hours after the control plane upgrade; pods still log VIP timeouts',
      signals: [
        apiJustBack,
        change('control-plane-version', { from: 'v1.28.9', to: 'v1.29.4' }, { sinceMs: t0 - 2 * 60 * min }),
      ],
      expect: { losesTo: 'cause-not-identified' },
    },
    // 0.45 + 0.15 + 0.1 - 0.4: answering again now, but the pods' failures began with the outage
    {
      name: 'the API server answers again after a five-minute stall; pods on three nodes still log VIP timeouts that began in it',
      signals: [vipUnreachable(three, { externalDownAtOnset: true })],
      expect: { losesTo: 'cause-not-identified' },
    },
    // 0.45 + 0.15 + 0.1 - 0.35, against conntrack at 0.5 + 0.1 drops + 0.1 VIP there
    {
      name: 'pods on three nodes time out on the VIP, and the conntrack table is full and dropping on those three',
      signals: [
        vipUnreachable(three),
        agent('ConntrackTableFull', three, { fullestPercent: 100, drops: 5400 }),
      ],
      expect: { losesTo: 'conntrack-exhaustion' },
    },
    {
      name: 'the API server is down: kubetriage and the pods alike cannot reach it',
      signals: [apiUnreachable(), vipUnreachable(three, { externalApiHealthy: false }), dnsCannotList],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    {
      name: 'pods on flapping nodes lose the VIP along with everything else',
      signals: [...wave, ...appsOnThem, vipUnreachable(three)],
      expect: { losesTo: 'node-network' },
    },
    {
      name: 'CoreDNS is OOM-killed on every replica and lookups fail, while the VIP answers',
      signals: [dnsPods({ reasons: ['OOMKilled'], nodes: ['n5', 'n6'] }), dnsLookups()],
      expect: { losesTo: 'cluster-dns' },
    },
  ],
};
