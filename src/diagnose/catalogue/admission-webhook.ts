/**
 * An admission webhook fails closed: the API server cannot get an answer from it (its pods
 * are down or slow, its certificate does not match, or the path to it is blocked), and with
 * `failurePolicy: Fail` every write it matches is refused with "failed calling webhook". When
 * it matches pods or kube-system objects, controllers cannot create pods and the cluster's
 * own bookkeeping stalls.
 *
 * Told apart from: an API server slow for everything (not only matched writes), and the pod
 * network broken (webhook calls time out because the control plane cannot reach any pod:
 * then the webhook's failure is a symptom).
 */
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

export const admissionWebhook = definePattern((q) => {
  const failing = q.of('webhook-failing');
  // One case per failing webhook; with none, one empty case the requirement turns down.
  return (failing.length ? failing : [undefined]).map((w) => ({
    w,
    creates: w ? q.of('pod-creation-failing').filter((p) => p.facts.webhooks.includes(w.facts.webhook)) : [],
  }));
})({
  id: 'admission-webhook-failure',
  family: 'admission',
  layer: 'admission',
  title: 'An admission webhook fails closed',
  summary:
    'An admission webhook fails closed: the API server cannot get an answer from it (its pods are down or slow, its certificate does not match, or the path to it is blocked), and with failurePolicy Fail every write it matches is refused with "failed calling webhook". When it matches pods or kube-system objects, controllers cannot create pods and the cluster\'s own bookkeeping stalls. Told apart from an API server slow for everything and from a broken pod network, where the webhook failure is a symptom.',
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'webhook-calls-fail',
      weight: 0,
      reason: 'the API server failing to call an admission webhook',
      reads: ['webhook-failing'],
      test: (c) => hitOn([c.w]),
    },
  ],
  supports: [
    {
      id: 'controllers-cannot-create',
      weight: 0.15,
      reason: '{count} workload(s) cannot create pods because of it',
      reads: ['pod-creation-failing'],
      test: (c) =>
        c.creates.length
          ? { signals: c.creates, slots: { count: said(c.creates.length, c.creates)! } }
          : undefined,
    },
    {
      id: 'reaches-kube-system',
      weight: 0.1,
      reason: 'it blocks writes in kube-system too',
      reads: ['webhook-failing'],
      test: (c) => (c.w?.facts.kubeSystem ? { signals: [c.w] } : undefined),
    },
  ],
  against: [
    {
      id: 'api-slow-for-everything',
      weight: -0.2,
      reason: 'the API server is slow or failing for kubetriage too, not only for matched writes',
      reads: ['api-degraded', 'api-unreachable'],
      test: (_c, q) => hitOn([q.first('api-degraded'), q.first('api-unreachable')]),
    },
  ],
  severity: (c) => (c.creates.length || c.w?.facts.kubeSystem ? 'critical' : 'warning'),
  onset: (c, q) => c.w?.sinceMs ?? q.nowMs,
  blastRadius: (c) => ({ namespaces: c.w?.facts.namespaces ?? [], workloads: c.w?.facts.workloads ?? [] }),
  evidence: (c) => [...(c.w ? [c.w] : []), ...c.creates.slice(0, 3)],
  slots: {
    webhook: (c) => said(c.w?.facts.webhook, c.w),
    errors: (c) => names(c.w?.facts.errorKinds ?? [], c.w),
    since: (c) => at(c.w?.sinceMs, c.w),
    message: (c) => said(c.w?.facts.message.slice(0, 200), c.w),
    workloads: (c) => names(c.w?.facts.workloads ?? [], c.w, 4),
  },
  statement:
    'Admission webhook {webhook} fails closed since {since} ({errors})[; writes to {workloads} are refused][: "{message}"].',
  nextSteps: [
    {
      say: 'Find the webhook configuration and what it matches',
      command: 'kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations -o wide',
    },
    { say: 'Check its backend Service has ready endpoints and its certificate fits the Service name' },
    {
      say: 'If the cluster cannot heal itself, narrow the webhook (exclude kube-system) or set failurePolicy: Ignore until its backend is back',
    },
  ],
  lookAlikes: ['control-plane-degraded', 'pod-network-broken'],
  public: {
    components: ['Control plane'],
    title: 'Changes to the platform failing',
    cause: 'a policy service that approves changes is not answering',
    outage: 'partial',
  },
  prevention: [
    "Exclude kube-system and the control plane's own writes from webhooks that fail closed",
    'Run webhook backends with several replicas and a PodDisruptionBudget',
  ],
});
