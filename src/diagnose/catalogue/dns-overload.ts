/**
 * Cluster DNS overwhelmed: every CoreDNS or kube-dns replica OOMKilled or overloaded under the
 * query load (ndots:5 turning each lookup into several, retry storms, more clients), so
 * lookups time out cluster-wide and restarts make it worse as caches start cold.
 *
 * Told apart from: CoreDNS failing because it cannot reach the API (Error, not OOMKilled),
 * conntrack races or a full conntrack table (DNS pods healthy, the node agent sees the table
 * full), the API server overloaded (DNS answers go stale, then fail).
 */
import { apiSilentForUsToo, hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import {
  allReplicasOomKilled,
  componentCases,
  componentSlots,
  keepsRestarting,
  nodesShortOfMemory,
  serviceDown,
} from './component-at-limits.ts';

// The DNS Service left without a ready pod is what the OOMs do to its clients: the same trouble.
export const dnsOverload = definePattern((q) =>
  componentCases(q).map((c) => ({ ...c, dnsPods: q.first('dns-pods-unhealthy') })),
)({
  id: 'dns-overload',
  family: 'system-components',
  layer: 'dns',
  title: 'Cluster DNS is overwhelmed',
  summary:
    'Cluster DNS overwhelmed: every CoreDNS or kube-dns replica is OOMKilled or overloaded under the query load (ndots:5 turning each lookup into several, retry storms, more clients), so lookups time out everywhere and restarts make it worse with cold caches. Told apart from CoreDNS failing when the API is out of its reach (Error, not OOMKilled), a full conntrack table (DNS pods healthy, the node agent sees the table full) and an overloaded API server (answers go stale, then fail).',
  clusterLevel: true,
  base: 0.5,
  requires: [allReplicasOomKilled(true)],
  supports: [
    keepsRestarting,
    serviceDown,
    {
      id: 'lookups-failing',
      weight: 0.1,
      reason: 'lookups through cluster DNS fail from the nodes',
      reads: ['dns-lookups-failing', 'agent-condition'],
      test: (_c, q) => hitOn([q.first('dns-lookups-failing'), q.agent('ClusterDNSUnhealthy')]),
    },
  ],
  against: [apiSilentForUsToo(-0.4), nodesShortOfMemory],
  severity: (c) => (c.oom.facts.together ? 'critical' : 'warning'),
  onset: (c) => c.oom.sinceMs,
  blastRadius: (c) => ({
    namespaces: [c.oom.facts.namespace],
    nodes: c.oom.facts.nodes,
    services: ['kube-system/kube-dns'],
  }),
  evidence: (c) => [c.oom, ...(c.short ? [c.short] : []), ...(c.dnsPods ? [c.dnsPods] : [])],
  slots: componentSlots,
  statement: 'Cluster DNS is overwhelmed: {replicas} replicas of {component} OOMKilled since {since}.',
  nextSteps: [
    {
      say: 'See the DNS pods restart and why',
      command: 'kubectl -n kube-system describe pods -l k8s-app=kube-dns',
    },
    {
      say: 'Compare their memory use with the limit',
      command: 'kubectl -n kube-system top pods -l k8s-app=kube-dns',
    },
    {
      say: 'Raise the memory limit and the replica count (or autoscale them); cut query load: a DNS cache on every node, and ndots:2 for chatty workloads',
    },
  ],
  lookAlikes: ['cluster-dns', 'system-component-at-limits', 'conntrack-exhaustion'],
  public: {
    components: ['DNS'],
    title: 'DNS resolution failing',
    cause: 'the service that resolves names inside the cluster is overloaded',
    outage: 'partial',
  },
  prevention: [
    'Autoscale cluster DNS with the cluster and run a node-local DNS cache',
    'Alert on DNS pods restarting OOMKilled',
  ],
});
