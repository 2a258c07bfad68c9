/**
 * kubetriage cannot see the cluster because the API server refuses its credentials (401)
 * or its permissions (403). Nothing about the cluster's health can be said until access is
 * restored: the incident says exactly that, and the status page must not call the cluster
 * operational on data it could not read.
 *
 * Told apart from: the API server down (no answer at all) and an API server in trouble
 * (slow, 5xx): here it answers promptly, with a refusal.
 */
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

export const credentialsRejected = definePattern((q) => [{ denied: q.first('api-access-denied') }])({
  id: 'credentials-rejected',
  family: 'monitoring-access',
  layer: 'control-plane',
  title: "The API server refuses kubetriage's credentials",
  summary:
    "kubetriage cannot see the cluster because the API server refuses its credentials (401) or its permissions (403). Nothing about the cluster's health can be said until access is restored: the incident says so, and the status page does not call the cluster operational on data that could not be read. Told apart from: the API server down (no answer at all) and an API server in trouble (slow, 5xx): here it answers promptly, with a refusal.",
  clusterLevel: true,
  base: 0.6,
  requires: [
    {
      id: 'answers-with-refusal',
      weight: 0,
      reason: "the API server answering kubetriage's probes or watches with 401 or 403",
      reads: ['api-access-denied'],
      test: (c) => hitOn([c.denied]),
    },
  ],
  supports: [
    {
      id: 'watches-refused-too',
      weight: 0.15,
      reason: '{watchCount} watches are refused as well',
      reads: ['api-access-denied'],
      test: (c) =>
        c.denied?.facts.reflectorsDenied.length
          ? {
              signals: [c.denied],
              slots: { watchCount: said(c.denied.facts.reflectorsDenied.length, c.denied)! },
            }
          : undefined,
    },
  ],
  against: [],
  // Not an outage anyone has seen: what is known is that nothing can be known.
  severity: () => 'warning',
  onset: (c, q) => c.denied?.sinceMs ?? q.nowMs,
  blastRadius: () => ({}),
  evidence: (c) => (c.denied ? [c.denied] : []),
  slots: {
    status: (c) =>
      c.denied
        ? said(c.denied.facts.status === 403 ? '403 Forbidden' : '401 Unauthorized', c.denied)
        : undefined,
    since: (c) => at(c.denied?.sinceMs, c.denied),
    errors: (c) => (c.denied ? names(c.denied.facts.errors, c.denied, 2) : undefined),
  },
  statement:
    "The API server answers kubetriage with {status} since {since}[ ({errors})]: it refuses kubetriage's credentials, so nothing about the cluster's health can be read, and none is claimed.",
  nextSteps: [
    { say: 'See who the API server takes kubetriage for', command: 'kubectl auth whoami' },
    {
      say: 'Check that identity may read what kubetriage watches',
      command: 'kubectl auth can-i list nodes && kubectl auth can-i watch pods --all-namespaces',
    },
    {
      say: 'Renew the token or client certificate in the kubeconfig (or the service account token in the cluster), then restart kubetriage',
    },
  ],
  lookAlikes: ['control-plane-unreachable', 'control-plane-degraded'],
  public: {
    components: ['Control plane'],
    title: 'Cluster status unknown',
    cause: 'the monitoring cannot read the cluster',
    outage: 'partial',
  },
  prevention: [
    "Alert on kubetriage's own access (the api-access-denied signal) separately from cluster health",
    'Rotate monitoring credentials before they expire, and test the new ones before removing the old',
  ],
});
