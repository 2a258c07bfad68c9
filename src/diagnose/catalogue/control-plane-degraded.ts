/**
 * The API server answers, but slowly or with errors: a saturated or failing control plane.
 *
 * Told apart from: an API server that does not answer at all. api-health reports that as
 * `api-unreachable` instead, never beside `api-degraded` in one round; what a degraded
 * signal can show of it is most probes of the last minute going unanswered (an outage just
 * ending, or a front end dropping requests), and then it is less sure the server is only slow.
 */
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

export const controlPlaneDegraded = definePattern((q) => [{ d: q.first('api-degraded') }])({
  id: 'control-plane-degraded',
  family: 'control-plane',
  layer: 'control-plane',
  title: 'API server slow or failing requests',
  summary:
    'The API server answers, but slowly or with errors: a saturated or failing control plane. Told apart from: an API server that does not answer at all.',
  clusterLevel: true,
  base: 0.55,
  requires: [
    {
      id: 'api-answers-poorly',
      weight: 0,
      reason: 'the API server answering slowly or with errors',
      reads: ['api-degraded'],
      test: (c) => hitOn([c.d]),
    },
  ],
  supports: [
    {
      id: 'error-statuses',
      weight: 0.15,
      reason: 'it answers with {statuses}',
      reads: ['api-degraded'],
      test: (c) =>
        c.d?.facts.statuses.length
          ? { signals: [c.d], slots: { statuses: names(c.d.facts.statuses, c.d)! } }
          : undefined,
    },
  ],
  against: [
    {
      id: 'mostly-unanswered',
      weight: -0.2,
      reason:
        'most of its probes in the last minute got no answer at all ({unanswered} of {probes}): closer to down than slow',
      reads: ['api-degraded'],
      test: (c) =>
        c.d && c.d.facts.unanswered > c.d.facts.answered
          ? {
              signals: [c.d],
              slots: {
                unanswered: said(c.d.facts.unanswered, c.d)!,
                probes: said(c.d.facts.unanswered + c.d.facts.answered, c.d)!,
              },
            }
          : undefined,
    },
  ],
  severity: () => 'warning',
  onset: (c, q) => c.d?.sinceMs ?? q.nowMs,
  blastRadius: () => ({}),
  evidence: (c) => (c.d ? [c.d] : []),
  slots: {
    since: (c) => at(c.d?.sinceMs, c.d),
    p50: (c) => (c.d ? said(c.d.facts.p50Ms, c.d) : undefined),
    statuses: (c) => (c.d ? names(c.d.facts.statuses, c.d) : undefined),
    checks: (c) => (c.d?.facts.failedChecks?.length ? names(c.d.facts.failedChecks, c.d) : undefined),
  },
  statement:
    'The API server answers slowly or with errors since {since} (median {p50} ms[; {statuses}])[; its failing health checks: {checks}].',
  nextSteps: [
    { say: 'Read the API server health checks', command: "kubectl get --raw='/readyz?verbose'" },
    {
      say: 'Find heavy clients (list storms, many watches)',
      command: 'kubectl get --raw /metrics | grep apiserver_request_total',
    },
  ],
  lookAlikes: ['control-plane-unreachable'],
  public: {
    components: ['Control plane'],
    title: 'Control plane degraded',
    cause: "the cluster's control plane is answering slowly or with errors",
    outage: 'partial',
  },
  prevention: [
    'Alert on API server latency and 5xx rate, and set API priority and fairness for batch clients',
  ],
});
