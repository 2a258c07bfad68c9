/**
 * Cluster DNS itself is broken: its pods are down or unready for their own reasons (not
 * because they cannot reach the API), or lookups through it fail from most nodes while the
 * nodes' own resolvers work.
 *
 * One cause it names: CoreDNS's loop plugin halting every replica at start-up. The plugin
 * sends a random HINFO probe to itself and exits when it sees it more than twice
 * (`plugin/loop: Loop (127.0.0.1:… -> :53) detected for zone "."`, in 1.2.x `Seen "HINFO IN
 * …" more than twice, loop detected`). In a cluster the usual cause is a loopback nameserver
 * (systemd-resolved's 127.0.0.53) in the resolv.conf the kubelet hands the CoreDNS pods, so
 * `forward . /etc/resolv.conf` sends queries back to CoreDNS; the fix is the kubelet's
 * resolvConf pointing at the real upstream list (/run/systemd/resolve/resolv.conf) or a real
 * upstream in the Corefile (https://coredns.io/plugins/loop/#troubleshooting-loops-in-kubernetes-clusters,
 * plugin/loop/README.md in coredns/coredns).
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
  const loop = !!pods?.facts.logHints.includes('loop-detected');
  return [
    { pods, lookups, clusterNodes, podsDownOnlyWithNodes, loop, since: earliest([pods, lookups], q.nowMs) },
  ];
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
      id: 'loop-plugin-halts-coredns',
      weight: 0.1,
      reason: "the DNS pods' last lines are CoreDNS's loop plugin halting the server: it forwards to itself",
      reads: ['dns-pods-unhealthy'],
      test: (c) => (c.loop && c.pods ? { signals: [c.pods] } : undefined),
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
      reason:
        'the DNS pods log that they cannot reach the API server, or wait on it while the control plane itself fails: they fail because of it',
      reads: [
        'dns-pods-unhealthy',
        'in-cluster-api-unreachable',
        'api-unreachable',
        'api-degraded',
        'control-plane-restarts',
        'writes-stalled',
      ],
      test: (c, q) => {
        if (c.pods?.facts.logHints.includes('api-unreachable')) return { signals: [c.pods] };
        // CoreDNS's ready plugin waiting on "kubernetes": its informers have not synced. With
        // the control plane failing meanwhile, that is why; on its own it can be RBAC.
        const controlPlane = [
          q.first('api-unreachable'),
          q.first('api-degraded'),
          q.first('writes-stalled'),
          ...q.of('control-plane-restarts').filter((s) => s.severity === 'critical'),
        ].filter((s) => s !== undefined);
        if (c.pods?.facts.logHints.includes('waiting-for-kubernetes') && controlPlane.length)
          return { signals: [c.pods, ...controlPlane] };
        return hitOn([q.first('in-cluster-api-unreachable')]);
      },
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
    ready: (c) => {
      if (!c.pods) return undefined;
      const { ready, total, desired } = c.pods.facts;
      // A rollout's surge pod is not one more that should serve.
      return desired !== undefined && ready < desired
        ? said(`${ready} of ${desired} DNS replicas Ready`, c.pods)
        : said(`${ready} of ${total} DNS pods Ready`, c.pods);
    },
    loop: (c) =>
      c.loop
        ? said(
            "CoreDNS's loop plugin halts its pods at start-up: they forward queries to themselves, through a loopback nameserver the kubelet passes on from the node",
            c.pods,
          )
        : undefined,
    loopPod: (c) =>
      c.loop && c.pods?.facts.pods[0]
        ? said(c.pods.facts.pods[0].replace(/^kube-system\//, ''), c.pods)
        : undefined,
    loopNode: (c) => (c.loop && c.pods?.facts.nodes[0] ? said(c.pods.facts.nodes[0], c.pods) : undefined),
    lookups: (c) =>
      c.clusterNodes.length
        ? said(`lookups fail from ${c.clusterNodes.length} node(s)`, c.lookups)
        : undefined,
  },
  statement: 'Cluster DNS is failing since {since}[: {ready}][; {lookups}][; {loop}].',
  nextSteps: [
    {
      say: 'Read what {loopPod} wrote before it last exited',
      command: 'kubectl -n kube-system logs {loopPod} --previous --tail=5',
    },
    {
      say: 'On {loopNode}, compare the nameservers kubelets give pods with the upstream list: a loopback address such as 127.0.0.53 is CoreDNS asking itself',
      command:
        "kubectl debug node/{loopNode} -it --image=busybox -- chroot /host sh -c 'cat /etc/resolv.conf /run/systemd/resolve/resolv.conf; grep -i resolv /var/lib/kubelet/config.yaml'",
    },
    {
      say: "Point every kubelet's resolvConf at the file naming the real upstream servers, or forward CoreDNS to a real upstream in its Corefile; then delete {loopPod} and the other DNS pods",
      command: 'kubectl -n kube-system delete pods -l k8s-app=kube-dns',
    },
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
