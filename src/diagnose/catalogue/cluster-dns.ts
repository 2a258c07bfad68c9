/**
 * Cluster DNS itself is broken: its pods are down or unready for their own reasons (not
 * because they cannot reach the API), or lookups through it fail from most nodes while the
 * nodes' own resolvers work.
 *
 * Told apart from: service routing (the DNS pods log that they cannot reach the API: a
 * consequence), and node trouble (DNS pods down only on nodes that are down themselves).
 */
import { hitOn, podsCutOffAcrossNodes } from '../evidence/clauses.ts';
import { earliest, nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, said } from '../slots.ts';

export const clusterDns = definePattern((q) => {
  const pods = q.first('dns-pods-unhealthy');
  const lookups = q.first('dns-lookups-failing');
  const troubled = nodeTrouble(q).affected;
  const podNodes = pods?.facts.nodes ?? [];
  const clusterNodes = (lookups?.facts.clusterDnsNodes ?? []).filter((n) => !troubled.has(n));
  // DNS pods that are down because their nodes are down are the nodes' story.
  const podsDownOnlyWithNodes = !!pods && podNodes.length > 0 && podNodes.every((n) => troubled.has(n));
  return [{ pods, lookups, clusterNodes, podsDownOnlyWithNodes, since: earliest([pods, lookups], q.nowMs) }];
})({
  id: 'cluster-dns',
  family: 'service-networking',
  layer: 'dns',
  title: 'Cluster DNS is failing',
  summary:
    "Cluster DNS itself is broken: its pods are down or unready for their own reasons (not because they cannot reach the API), or lookups through it fail from most nodes while the nodes' own resolvers work. Told apart from: service routing (the DNS pods log that they cannot reach the API: a consequence), and node trouble (DNS pods down only on nodes that are down themselves).",
  clusterLevel: true,
  base: 0.45,
  requires: [
    {
      id: 'dns-failing-beyond-sick-nodes',
      weight: 0,
      reason:
        'DNS pods unhealthy on healthy nodes, or lookups through cluster DNS failing from healthy nodes',
      reads: ['dns-pods-unhealthy', 'dns-lookups-failing'],
      test: (c) =>
        (c.pods && !c.podsDownOnlyWithNodes) || (!c.pods && c.clusterNodes.length)
          ? hitOn([c.pods, c.lookups])
          : undefined,
    },
  ],
  supports: [
    {
      id: 'no-dns-pod-ready',
      weight: 0.1,
      reason: 'no DNS pod is Ready, or its Service has no ready endpoint',
      reads: ['dns-pods-unhealthy'],
      test: (c) => (c.pods?.severity === 'critical' ? { signals: [c.pods] } : undefined),
    },
    {
      id: 'lookups-fail-from-several-nodes',
      weight: 0.1,
      reason: 'lookups through cluster DNS fail from {nodeCount} nodes',
      reads: ['dns-lookups-failing'],
      test: (c) =>
        c.lookups && c.clusterNodes.length > 1
          ? { signals: [c.lookups], slots: { nodeCount: count(c.clusterNodes.length, c.lookups)! } }
          : undefined,
    },
  ],
  against: [
    {
      id: 'dns-cannot-reach-api',
      weight: -0.3,
      reason: 'the DNS pods log that they cannot reach the API server: they fail because of it',
      reads: ['dns-pods-unhealthy', 'in-cluster-api-unreachable'],
      test: (c, q) =>
        c.pods?.facts.logHints.includes('api-unreachable')
          ? { signals: [c.pods] }
          : hitOn([q.first('in-cluster-api-unreachable')]),
    },
    podsCutOffAcrossNodes(-0.25),
    {
      id: 'address-refuses-while-pods-serve',
      weight: -0.25,
      reason:
        'the DNS Service address refuses lookups on {refusedCount} nodes while no DNS pod is unhealthy: a proxy rule rejects the address, the servers behind it are not asked',
      reads: ['agent-condition', 'dns-pods-unhealthy'],
      test: (c, q) => {
        const dns = q.agent('ClusterDNSUnhealthy');
        return !c.pods && dns?.facts.reasons.includes('ClusterDNSRefused') && dns.facts.nodes.length >= 2
          ? { signals: [dns], slots: { refusedCount: count(dns.facts.nodes.length, dns)! } }
          : undefined;
      },
    },
    {
      id: 'node-resolvers-fail-too',
      weight: -0.15,
      reason: "the nodes' own resolvers fail too, which cluster DNS does not explain",
      reads: ['dns-lookups-failing'],
      test: (c) => (c.lookups?.facts.nodeResolverNodes.length ? { signals: [c.lookups] } : undefined),
    },
  ],
  severity: (c) => (c.pods?.severity === 'critical' ? 'critical' : 'warning'),
  onset: (c) => c.since,
  blastRadius: (c) => ({ namespaces: ['kube-system'], nodes: c.clusterNodes }),
  evidence: (c) => [c.pods, c.lookups].filter((x) => x !== undefined),
  slots: {
    since: (c) => at(c.since, [c.pods, c.lookups]),
    ready: (c) =>
      c.pods ? said(`${c.pods.facts.ready} of ${c.pods.facts.total} DNS pods Ready`, c.pods) : undefined,
    lookups: (c) =>
      c.clusterNodes.length
        ? said(`lookups fail from ${c.clusterNodes.length} node(s)`, c.lookups)
        : undefined,
  },
  statement: 'Cluster DNS is failing since {since}[: {ready}][; {lookups}].',
  nextSteps: [
    {
      say: 'Read the DNS pods’ logs',
      command: 'kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50 --prefix',
    },
    {
      say: 'Check the DNS Service has endpoints',
      command: 'kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns',
    },
  ],
  lookAlikes: ['service-routing', 'service-proxy-sync-failure', 'node-network', 'pod-network-broken'],
  public: {
    components: ['DNS'],
    title: 'DNS resolution failing',
    cause: 'name resolution inside the cluster is failing',
    outage: 'partial',
  },
  prevention: ['Probe cluster DNS from every node and alert on failures'],
});
