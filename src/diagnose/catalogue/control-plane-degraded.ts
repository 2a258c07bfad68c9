/**
 * The API server answers, but slowly or with errors: a saturated or failing control plane,
 * or etcd under it refusing or delaying what it stores. Writes that come back with etcd's own
 * error (`etcdserver: mvcc: database space exceeded` under a NOSPACE alarm) say so even when
 * reads, and so the probes, are fine. kubetriage's own dry-run creates see less of it: a dry
 * run never writes to etcd and ignores the errors of its one read there (apiserver
 * `registry/generic/registry/dryrun.go`), so they meet etcd only as the request deadline
 * (504) or, should an API server pass one on, etcd's own error.
 *
 * Told apart from: an API server that does not answer at all. api-health reports that as
 * `api-unreachable` instead, never beside `api-degraded` in one round; what a degraded
 * signal can show of it is most probes of the last minute going unanswered (an outage just
 * ending, or a front end dropping requests), and then it is less sure the server is only slow.
 */
import { hitOn } from '../evidence/clauses.ts';
import { earliest } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

export const controlPlaneDegraded = definePattern((q) => {
  const d = q.first('api-degraded');
  // Writes that come back with etcd's own error: the store refuses them, whatever the probes say.
  const etcd = q.of('pod-creation-failing').filter((p) => p.facts.cause === 'etcd');
  // Every writer stalled at once while reads are answered: the store refuses writes.
  const stalled = q.first('writes-stalled');
  // Our dry-run creates refused by the server itself, not by a webhook or a quota.
  const probe = q
    .of('writes-refused')
    .find((s) => s.facts.webhook === '' && ['timeout', 'etcd', 'etcd-space'].includes(s.facts.cause));
  const killedByProbe = stalled?.facts.etcdProbesFailOnAlarm.length ? stalled : undefined;
  return [{ d, etcd, stalled, probe, killedByProbe, onset: earliest([d, ...etcd, stalled, probe], q.nowMs) }];
})({
  id: 'control-plane-degraded',
  family: 'control-plane',
  layer: 'control-plane',
  title: 'API server slow or failing requests',
  summary:
    "The API server answers, but slowly or with errors: a saturated or failing control plane, or etcd under it refusing or delaying what it stores (writes then come back with etcd's own error). Told apart from: an API server that does not answer at all.",
  clusterLevel: true,
  base: 0.55,
  requires: [
    {
      id: 'api-answers-poorly',
      weight: 0,
      reason: 'the API server answering slowly or with errors',
      reads: ['api-degraded', 'pod-creation-failing', 'writes-stalled', 'writes-refused'],
      test: (c) => hitOn([c.d, ...c.etcd, c.stalled, c.probe]),
    },
  ],
  supports: [
    {
      id: 'etcd-refuses-writes',
      weight: 0.15,
      reason: 'writes come back with etcd\'s own error ("{etcdError}")',
      reads: ['pod-creation-failing'],
      test: (c) =>
        c.etcd.length
          ? {
              signals: c.etcd,
              slots: { etcdError: said(c.etcd[0]!.facts.message.slice(0, 160), c.etcd[0])! },
            }
          : undefined,
    },
    {
      id: 'writes-stall',
      weight: 0.15,
      reason:
        'no kubelet lease renewal has landed on {stalledNodes} of {leaseNodes} nodes since {stallSince}, and the node controller has not marked them either, while reads were answered: the store takes no writes at all',
      reads: ['writes-stalled'],
      test: (c) =>
        c.stalled
          ? {
              signals: [c.stalled],
              slots: {
                stalledNodes: count(c.stalled.facts.nodes.length, c.stalled)!,
                leaseNodes: count(c.stalled.facts.leaseNodes, c.stalled)!,
                stallSince: said(c.stalled.facts.lastRenewal, c.stalled)!,
              },
            }
          : undefined,
    },
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
      id: 'probes-kill-etcd',
      weight: -0.2,
      reason:
        "etcd's liveness probe on {etcdPods} asks plain /health, which fails while an alarm stops writes: the kubelets kill etcd at every probe, a loop rather than a slow store",
      reads: ['writes-stalled'],
      test: (c) =>
        c.killedByProbe
          ? {
              signals: [c.killedByProbe],
              slots: { etcdPods: names(c.killedByProbe.facts.etcdProbesFailOnAlarm, c.killedByProbe)! },
            }
          : undefined,
    },
    {
      id: 'webhook-holds-writes',
      weight: -0.25,
      reason:
        'calls to admission webhook {slowWebhook} take over 10 s, and writes the control plane makes for itself wait on it too: the webhook, not the server, is where it starts',
      reads: ['webhook-calls-failing'],
      test: (_c, q) => {
        const w = q.of('webhook-calls-failing').find((x) => x.facts.ongoing && x.facts.slowCalls > 0);
        return w ? { signals: [w], slots: { slowWebhook: said(w.facts.webhook, w)! } } : undefined;
      },
    },
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
  onset: (c) => c.onset,
  blastRadius: () => ({}),
  evidence: (c) => [
    ...(c.d ? [c.d] : []),
    ...c.etcd.slice(0, 3),
    ...(c.stalled ? [c.stalled] : []),
    ...(c.probe ? [c.probe] : []),
  ],
  slots: {
    since: (c) => at(c.onset, c.d ?? c.etcd[0] ?? c.stalled ?? c.probe),
    probeError: (c) =>
      c.probe
        ? said(c.probe.facts.lastError.replace(/^https?:\/\/\S+?: /, '').slice(0, 160), c.probe)
        : undefined,
    stallSince: (c) => (c.stalled ? said(c.stalled.facts.lastRenewal, c.stalled) : undefined),
    etcdError: (c) => said(c.etcd[0]?.facts.message.slice(0, 160), c.etcd[0]),
    p50: (c) => (c.d ? said(c.d.facts.p50Ms, c.d) : undefined),
    statuses: (c) => (c.d ? names(c.d.facts.statuses, c.d) : undefined),
    checks: (c) => (c.d?.facts.failedChecks?.length ? names(c.d.facts.failedChecks, c.d) : undefined),
  },
  statement:
    'The API server answers slowly or with errors since {since}[ (median {p50} ms)][; {statuses}][; its failing health checks: {checks}][; writes fail with etcd\'s own error: "{etcdError}"][; no write has landed since {stallSince}, not the kubelets\' nor the node controller\'s][; kubetriage\'s own dry-run creates fail: "{probeError}"].',
  nextSteps: [
    { say: 'Read the API server health checks', command: "kubectl get --raw='/readyz?verbose'" },
    {
      say: "When writes fail with etcd's error, read etcd's alarms and database size on a control-plane node",
      command: 'etcdctl endpoint status --cluster -w table; etcdctl alarm list',
    },
    {
      say: 'Find heavy clients (list storms, many watches)',
      command: 'kubectl get --raw /metrics | grep apiserver_request_total',
    },
  ],
  lookAlikes: ['control-plane-unreachable', 'admission-webhook-failure'],
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
