/**
 * In-cluster service routing to the API server is broken: pods time out dialling the
 * `kubernetes` Service VIP while the API server answers kubetriage from outside and the
 * nodes reach it at its own address. Whatever lists through that VIP (CoreDNS among them)
 * fails as a consequence. The service proxy on the nodes (kube-proxy, kube-router, …) is
 * where to look, often right after an upgrade.
 *
 * Told apart from: the API server down (kubetriage cannot reach it either), cluster DNS
 * (DNS pods log that they cannot reach the API), and node trouble (the nodes stay Ready).
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
  const onset = earliest([vip, agentVip], q.nowMs);
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
    },
  ];
})({
  id: 'service-routing',
  family: 'service-networking',
  layer: 'service-network',
  title: 'Pods cannot reach the API server through its Service VIP',
  summary:
    'Pods inside the cluster lose the API server through its Service address: they time out dialling the `kubernetes` Service VIP while the API server answers kubetriage from outside and the nodes reach it at its own address. Whatever lists through that VIP (CoreDNS among them) fails as a consequence. Whatever programs Service addresses on each node (kube-proxy, kube-router, …) is where to look, often right after an upgrade. Told apart from: the API server down (kubetriage cannot reach it either), cluster DNS (DNS pods log that they cannot reach the API), and node trouble (the nodes stay Ready).',
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
        (c.nodes.length >= 2 ||
          (c.nodes.length >= 1 && c.agentNodes >= 2) ||
          // One node, whose agent reaches the API server at its own address: that node's
          // service proxy, not its network.
          (c.nodes.length === 1 && c.agentNodes === 1 && c.vip?.facts.endpointReachableFromNodes === true)) &&
        !c.handshakesOnly
          ? hitOn([c.vip, c.agentVip])
          : undefined,
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
    nodes: c.nodes,
    services: ['default/kubernetes'],
    namespaces: c.vip?.scope.namespaces ?? [],
    workloads: c.vip?.scope.workloads ?? [],
  }),
  evidence: (c) => [c.vip, c.agentVip].filter((x) => x !== undefined),
  slots: {
    vip: (c) => said(c.vip?.facts.vip ?? c.agentVip?.facts.targets?.[0], [c.vip, c.agentVip]),
    errors: (c) => (c.vip?.facts.errorKinds.length ? names(c.vip.facts.errorKinds, c.vip) : undefined),
    nodeCount: (c) => count(c.nodes.length, [c.vip, c.agentVip]),
    since: (c) => at(c.onset, [c.vip, c.agentVip]),
    dnsConsequence: (c) =>
      c.dns?.facts.logHints.includes('api-unreachable')
        ? said('the DNS pods fail because of it, not the other way round', c.dns)
        : undefined,
    deployment: (c) => said(c.vip?.facts.workloads[0]?.replace('/Deployment/', '/'), c.vip),
  },
  statement:
    'Pods on {nodeCount} node(s) cannot reach the API server through the kubernetes Service VIP {vip}[ ({errors})] since {since}, while it answers from outside: service routing on the nodes is broken[; {dnsConsequence}].',
  nextSteps: [
    {
      say: 'Find the API server endpoint behind the VIP',
      command: 'kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes -o wide',
    },
    {
      say: 'Point critical workloads straight at that endpoint (KUBERNETES_SERVICE_HOST/PORT) while routing is broken',
      command: 'kubetriage remediate bypass-service-host --deployment {deployment} --dry-run',
    },
    {
      say: "Check the nodes' service proxy pods and their logs",
      command: 'kubectl -n kube-system get pods -o wide -l k8s-app=kube-proxy',
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
