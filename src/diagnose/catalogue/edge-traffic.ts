/**
 * The traffic path outside the cluster fails while everything inside the cluster stays healthy: users get
 * 503s or timeouts from the load balancer (its targets were deregistered or fail health
 * checks), a DNS record or an edge certificate is wrong, and nothing inside the cluster
 * explains it: nodes are Ready, the API answers, the ingress controller sees no errors.
 *
 * Told apart from: the ingress controller failing (it counts 5xx itself), the cluster down.
 */
import { hitOn, quietSource } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

export const edgeTraffic = definePattern((q) => {
  const failing = q.of('edge-probe-failing');
  // One case per failing URL; with none, one empty case the requirement turns down.
  return (failing.length ? failing : [undefined]).map((p) => ({ p, ingress5xx: q.of('service-errors') }));
})({
  id: 'edge-traffic-path',
  family: 'edge',
  layer: 'edge',
  title: 'Traffic from outside fails while the cluster is healthy',
  summary:
    'The traffic path outside the cluster fails while everything inside the cluster stays healthy: users get 503s or timeouts from the load balancer (its targets were deregistered or fail health checks), a DNS record or an edge certificate is wrong, and nothing inside explains it: nodes are Ready, the API answers, the ingress controller sees no errors. Told apart from the ingress controller failing (it counts 5xx itself) and the cluster being down.',
  clusterLevel: true,
  base: 0.45,
  requires: [
    {
      id: 'outside-probe-fails',
      weight: 0,
      reason: 'a public endpoint failing when probed from outside',
      reads: ['edge-probe-failing'],
      test: (c) => hitOn([c.p]),
    },
  ],
  supports: [
    {
      id: 'cluster-healthy-meanwhile',
      weight: 0.2,
      reason: 'meanwhile the API answers and {ready} of {total} nodes are Ready',
      reads: ['edge-probe-failing'],
      test: (c) =>
        c.p?.facts.inClusterHealthy
          ? {
              signals: [c.p],
              slots: {
                ready: said(String(c.p.facts.nodesReady), c.p)!,
                total: said(String(c.p.facts.nodesTotal), c.p)!,
              },
            }
          : undefined,
    },
    {
      id: 'ingress-sees-no-errors',
      weight: 0.1,
      reason: 'the ingress controller counts no 5xx of its own',
      reads: ['service-errors'],
      test: (c, q) => quietSource(q, 'metrics/ingress', c.ingress5xx.length === 0),
    },
  ],
  against: [
    {
      id: 'ingress-failing-inside',
      weight: -0.3,
      reason: 'the ingress controller itself answers with 5xx',
      reads: ['service-errors'],
      test: (c) => hitOn(c.ingress5xx),
    },
  ],
  severity: (c) => ((c.p?.facts.failureRatio ?? 0) >= 0.5 ? 'critical' : 'warning'),
  onset: (c, q) => (c.p ? Date.parse(c.p.facts.firstFailure) || c.p.sinceMs : q.nowMs),
  blastRadius: () => ({}),
  evidence: (c) => (c.p ? [c.p] : []),
  slots: {
    url: (c) => said(c.p?.facts.url, c.p),
    since: (c) => at(c.p ? Date.parse(c.p.facts.firstFailure) || c.p.sinceMs : undefined, c.p),
    errors: (c) => names(c.p ? [...c.p.facts.statuses, ...c.p.facts.errorKinds] : [], c.p, 4),
    share: (c) => said(c.p ? `${Math.round(c.p.facts.failureRatio * 100)}%` : undefined, c.p),
  },
  statement:
    '{url} fails from outside since {since} ({share} of probes: {errors}) while the cluster looks healthy.',
  nextSteps: [
    {
      say: "Check the load balancer's targets and their health (registered nodes, health check path and port)",
    },
    { say: 'Check the DNS record and the edge certificate for {url}' },
    {
      say: 'Look for a change outside the cluster at the onset (infrastructure code, provider events, an autoscaling group)',
    },
  ],
  lookAlikes: ['change-induced-regression'],
  public: {
    components: ['Ingress'],
    title: 'Website and API unreachable',
    cause: 'the path from the internet to our services is failing',
    outage: 'major',
  },
  prevention: [
    'Probe public endpoints from outside and alert on failures even when the cluster is healthy',
    'Manage load balancer target registration in one place',
  ],
});
