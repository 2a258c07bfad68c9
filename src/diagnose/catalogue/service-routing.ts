/**
 * In-cluster service routing is broken: what programs Service addresses on each node
 * (kube-proxy, kube-router, …) no longer delivers to the pods behind them. Two ways show:
 * - pods time out dialling the `kubernetes` Service VIP while the API server answers
 *   kubetriage from outside and the nodes reach it at its own address; whatever lists
 *   through that VIP (CoreDNS among them) fails as a consequence;
 * - the cluster DNS Service address refuses connections (ICMP port unreachable: the REJECT
 *   rule kube-proxy installs for a Service it believes has no endpoints, pkg/proxy/iptables
 *   "has no endpoints") on several nodes while every DNS pod is Ready and serving.
 * Often right after an upgrade, or when the proxy missed endpoint updates.
 *
 * Told apart from: the API server down (kubetriage cannot reach it either), cluster DNS
 * (DNS pods unhealthy, or logging that they cannot reach the API), and node trouble (the
 * nodes stay Ready).
 */

import { changeAtMs } from '../evidence/changes.ts';
import { apiSilentForUsToo, hitOn } from '../evidence/clauses.ts';
import { earliest, nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

const changeWindowMs = 2 * 3_600_000;

export const serviceRouting = definePattern((q) => {
  const vip = q.first('in-cluster-api-unreachable');
  const agentVip = q.agent('KubernetesServiceVIPUnreachable');
  // Nodes that are NotReady or flapping lose the VIP with everything else: that is the
  // node pattern's evidence. Routing is broken where the node itself is fine.
  const troubled = nodeTrouble(q).affected;
  const nodes = [...new Set([...(vip?.facts.nodes ?? []), ...(agentVip?.facts.nodes ?? [])])]
    .filter((n) => !troubled.has(n))
    .sort();
  const dns = q.first('dns-pods-unhealthy');
  // The DNS Service address refusing connections (not a REFUSED answer from a server) while
  // no DNS pod is unhealthy: a proxy rule rejects the address before any server is asked.
  const dnsAgent = q.agent('ClusterDNSUnhealthy');
  const dnsRejected =
    !dns &&
    dnsAgent?.facts.reasons.includes('ClusterDNSRefused') &&
    dnsAgent.facts.errors?.some((e) => /refused/i.test(e))
      ? dnsAgent
      : undefined;
  const rejectedNodes = (dnsRejected?.facts.nodes ?? []).filter((n) => !troubled.has(n)).sort();
  const apiVariant = nodes.length > 0;
  const onset = apiVariant || !dnsRejected ? earliest([vip, agentVip], q.nowMs) : dnsRejected.sinceMs;
  const changes = q
    .of('change')
    .filter(
      (c) =>
        c.facts.what !== 'rollout' &&
        changeAtMs(c) <= onset + 60_000 &&
        changeAtMs(c) >= onset - changeWindowMs,
    );
  // A refused certificate or a request that got no answer in time went through the VIP:
  // the connection was made, so routing delivered it.
  const handshakesOnly = Boolean(
    vip?.facts.errorKinds.length && vip.facts.errorKinds.every((k) => k === 'tls' || k === 'http-timeout'),
  );
  return [
    {
      vip,
      agentVip,
      nodes,
      dns,
      onset,
      changes,
      handshakesOnly,
      agentNodes: agentVip?.facts.nodes.length ?? 0,
      dnsRejected: rejectedNodes.length >= 2 ? dnsRejected : undefined,
      rejectedNodes,
      // The DNS address is what the case is about only when no pod loses the API VIP.
      dnsCase: nodes.length === 0 && rejectedNodes.length >= 2,
    },
  ];
})({
  id: 'service-routing',
  family: 'service-networking',
  layer: 'service-network',
  title: 'Pods cannot reach a Service through its address on the nodes',
  summary:
    'In-cluster service routing is broken: what programs Service addresses on each node (kube-proxy, kube-router, …) no longer delivers to the pods behind them. Pods time out dialling the `kubernetes` Service VIP while the API server answers kubetriage from outside and the nodes reach it at its own address, and whatever lists through it (CoreDNS among them) fails as a consequence; or the cluster DNS Service address refuses connections on several nodes (the REJECT rule a proxy writes for a Service it believes has no endpoints) while every DNS pod is Ready. Often right after an upgrade, or when the proxy missed endpoint updates. Told apart from: the API server down (kubetriage cannot reach it either), cluster DNS (DNS pods unhealthy or cut off from the API), and node trouble (the nodes stay Ready).',
  clusterLevel: true,
  base: 0.45,
  requires: [
    {
      id: 'vip-fails-from-healthy-nodes',
      weight: 0,
      reason:
        'pods on Ready nodes failing to connect to the kubernetes Service VIP (not only refusing its certificate or waiting on an answer), on two or more nodes or on one whose agent reaches the API server directly',
      reads: ['in-cluster-api-unreachable', 'agent-condition'],
      // A handshake that fails on the certificate got through the VIP: routing delivered.
      test: (c) =>
        hitOn([c.dnsRejected]) ??
        ((c.nodes.length >= 2 ||
          (c.nodes.length >= 1 && c.agentNodes >= 2) ||
          // One node, whose agent reaches the API server at its own address: that node's
          // service proxy, not its network.
          (c.nodes.length === 1 && c.agentNodes === 1 && c.vip?.facts.endpointReachableFromNodes === true)) &&
        !c.handshakesOnly
          ? hitOn([c.vip, c.agentVip])
          : undefined),
    },
  ],
  supports: [
    {
      id: 'api-answers-from-outside',
      weight: 0.15,
      reason: 'the API server answers kubetriage from outside meanwhile',
      reads: ['in-cluster-api-unreachable'],
      test: (c) => (c.vip && c.vip.facts.externalApiHealthy !== false ? { signals: [c.vip] } : undefined),
    },
    {
      id: 'endpoint-answers-directly',
      weight: 0.1,
      reason: 'at its own address the API server answers every node',
      reads: ['in-cluster-api-unreachable', 'agent-condition'],
      test: (c, q) =>
        c.vip?.facts.endpointReachableFromNodes === true
          ? { signals: [c.vip] }
          : !q.agent('APIEndpointUnreachable') && c.agentVip
            ? { signals: [c.agentVip] }
            : undefined,
    },
    {
      id: 'address-rejected-while-pods-serve',
      weight: 0.2,
      reason:
        'the cluster DNS Service address refuses connections on {rejectedCount} nodes while no DNS pod is unhealthy: a proxy rule rejects it before any server is asked',
      reads: ['agent-condition', 'dns-pods-unhealthy'],
      test: (c) =>
        c.dnsRejected
          ? {
              signals: [c.dnsRejected],
              slots: { rejectedCount: count(c.rejectedNodes.length, c.dnsRejected)! },
            }
          : undefined,
    },
    {
      id: 'dns-fails-as-consequence',
      weight: 0.1,
      reason: 'the DNS pods log that they cannot reach the API server',
      reads: ['dns-pods-unhealthy'],
      test: (c) => (c.dns?.facts.logHints.includes('api-unreachable') ? { signals: [c.dns] } : undefined),
    },
    {
      id: 'several-nodes',
      // As strong as each corroboration: one node losing the VIP may be that node.
      weight: 0.1,
      reason: 'it fails from {nodeCount} nodes alike',
      reads: ['in-cluster-api-unreachable', 'agent-condition'],
      test: (c) =>
        c.nodes.length >= 2
          ? {
              signals: [c.vip, c.agentVip].filter((x) => x !== undefined),
              slots: { nodeCount: count(c.nodes.length, [c.vip, c.agentVip])! },
            }
          : c.dnsRejected
            ? {
                signals: [c.dnsRejected],
                slots: { nodeCount: count(c.rejectedNodes.length, c.dnsRejected)! },
              }
            : undefined,
    },
    {
      id: 'changed-just-before',
      weight: 0.1,
      reason: 'the cluster changed shortly before: {change}',
      reads: ['change'],
      test: (c) =>
        c.changes.length
          ? { signals: c.changes, slots: { change: said(c.changes[0].summary, c.changes[0])! } }
          : undefined,
    },
  ],
  against: [
    apiSilentForUsToo(-0.4),

    {
      id: 'began-while-api-down',
      weight: -0.4,
      reason:
        "the pods' failures began while kubetriage could not reach the API server either: the server was out then, not the routing",
      reads: ['in-cluster-api-unreachable'],
      test: (c) => (c.vip?.facts.externalDownAtOnset ? { signals: [c.vip] } : undefined),
    },
    {
      id: 'conntrack-full-there',
      weight: -0.35,
      reason:
        'the connection-tracking table is full on {fullCount} of the nodes that time out: the kernel drops their new connections',
      reads: ['agent-condition'],
      test: (c, q) => {
        const full = q.agent('ConntrackTableFull');
        const there = c.nodes.filter((n) => full?.facts.nodes.includes(n));
        return full && there.length * 2 >= c.nodes.length && there.length
          ? { signals: [full], slots: { fullCount: count(there.length, full)! } }
          : undefined;
      },
    },
    {
      id: 'api-silent-in-window',
      weight: -0.4,
      reason: 'kubetriage could not reach the API server either in the same window',
      reads: ['in-cluster-api-unreachable'],
      test: (c) => (c.vip?.facts.externalApiHealthy === false ? { signals: [c.vip] } : undefined),
    },
  ],
  severity: () => 'critical',
  onset: (c) => c.onset,
  blastRadius: (c) => ({
    nodes: c.nodes.length ? c.nodes : c.rejectedNodes,
    services: !c.dnsCase ? ['default/kubernetes'] : ['kube-system/kube-dns'],
    namespaces: c.vip?.scope.namespaces ?? [],
    workloads: c.vip?.scope.workloads ?? [],
  }),
  evidence: (c) => [c.vip, c.agentVip, c.dnsRejected].filter((x) => x !== undefined),
  slots: {
    what: (c) =>
      !c.dnsCase
        ? said('the API server through the kubernetes Service VIP', [c.vip, c.agentVip])
        : said('cluster DNS through its Service address', c.dnsRejected),
    vip: (c) =>
      !c.dnsCase
        ? said(c.vip?.facts.vip ?? c.agentVip?.facts.targets?.[0], [c.vip, c.agentVip])
        : said(c.dnsRejected?.facts.servers?.[0], c.dnsRejected),
    errors: (c) =>
      !c.dnsCase
        ? c.vip?.facts.errorKinds.length
          ? names(c.vip.facts.errorKinds, c.vip)
          : undefined
        : said('connection refused', c.dnsRejected),
    meanwhile: (c) =>
      !c.dnsCase
        ? said('it answers from outside', [c.vip, c.agentVip])
        : said('no DNS pod is unhealthy', c.dnsRejected),
    nodeCount: (c) =>
      !c.dnsCase ? count(c.nodes.length, [c.vip, c.agentVip]) : count(c.rejectedNodes.length, c.dnsRejected),
    since: (c) => at(c.onset, [c.vip, c.agentVip, c.dnsRejected]),
    apiVip: (c) => (c.nodes.length ? said('the kubernetes Service VIP', [c.vip, c.agentVip]) : undefined),
    dnsAddress: (c) => (c.dnsCase ? said('the cluster DNS Service', c.dnsRejected) : undefined),
    dnsConsequence: (c) =>
      c.dns?.facts.logHints.includes('api-unreachable')
        ? said('the DNS pods fail because of it, not the other way round', c.dns)
        : undefined,
    deployment: (c) => said(c.vip?.facts.workloads[0]?.replace('/Deployment/', '/'), c.vip),
  },
  statement:
    'Pods on {nodeCount} node(s) cannot reach {what} {vip}[ ({errors})] since {since}, while {meanwhile}: service routing on the nodes is broken[; {dnsConsequence}].',
  nextSteps: [
    {
      say: 'Compare the endpoints of {dnsAddress} with the rules the service proxy wrote for it: a REJECT rule while its pods are Ready means the proxy missed the endpoints',
      command:
        "kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns -o wide && sudo iptables-save -t filter | grep -i 'kube-dns'",
    },
    {
      say: 'Restart kube-proxy (or whatever programs Service addresses there) where {dnsAddress} refuses, so it lists the endpoints again',
      command: 'kubectl -n kube-system rollout restart daemonset kube-proxy',
    },
    {
      say: 'Find the API server endpoint behind {apiVip}',
      command: 'kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes -o wide',
    },
    {
      say: 'Point critical workloads straight at that endpoint (KUBERNETES_SERVICE_HOST/PORT) while routing is broken',
      command: 'kubetriage remediate bypass-service-host --deployment {deployment} --dry-run',
    },
    {
      // Whichever programs Service addresses here: kube-proxy, kube-router, Cilium, Antrea, Calico's eBPF mode.
      say: "Check the nodes' service proxy pods (kube-proxy, or the CNI that replaces it) and their logs",
      command:
        "kubectl -n kube-system get pods -o wide | grep -E 'kube-proxy|kube-router|cilium|antrea|calico-node'",
    },
    { say: 'If routing is not back within a time box, rebuild the cluster' },
  ],
  runbooks: {
    'bypass-service-host': (c) => {
      const deployments = (c.vip?.facts.workloads ?? []).flatMap((w) => {
        const [ns, kind, n] = w.split('/');
        return kind === 'Deployment' && n ? [`${ns}/${n}`] : [];
      });
      return deployments.length ? { deployments } : undefined;
    },
  },
  lookAlikes: ['cluster-dns', 'control-plane-unreachable', 'certificate-expiry', 'node-network'],
  public: {
    components: ['Service networking'],
    title: 'Service networking degraded',
    cause: 'routing to services inside the cluster is broken',
    outage: 'partial',
  },
  prevention: [
    'Probe the kubernetes Service VIP from every node (the kubetriage agent) and alert on failure',
    'Upgrade one node first and verify in-cluster API access before rolling on',
  ],
});
