/**
 * An admission webhook fails or stalls the API server's writes: the API server cannot get
 * an answer from it in time (its pods are down or hung, its certificate does not match, or
 * the path to it is blocked). With `failurePolicy: Fail` every write it matches is refused
 * with "failed calling webhook"; with `Ignore` each matched write waits out the call (up to
 * `timeoutSeconds`, 30 s at most) and then goes on. When it matches pods or kube-system
 * objects, controllers cannot create pods and the cluster's own bookkeeping stalls; when
 * its calls outlast 10 s and it matches node leases, kubelets' heartbeats time out and
 * nodes go NotReady together.
 *
 * Seen in Events (a controller's refused create) and in the API server's own metrics (every
 * failed or slow call, failing open included). The admission inventory of the same webhook
 * says why it may fail: its Service without a ready endpoint, the CA in its caBundle out of
 * date, its configuration changed shortly before.
 * Seen in Events (a controller's refused create), in the API server's own metrics (every
 * failed or slow call, failing open included), and in kubetriage's own dry-run creates when
 * the webhook matches them (refused with its name: a webhook that answers no is policy, not
 * failure, and is left out).
 *
 * Told apart from: an API server slow for everything (not only matched writes), and the pod
 * network broken (webhook calls time out because the control plane cannot reach any pod:
 * then the webhook's failure is a symptom).
 */
import { hitOn } from '../evidence/clauses.ts';
import { nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

/** A configuration change this long before the first failure counts as the one before it. */
const changedWithinMs = 60 * 60_000;

export const admissionWebhook = definePattern((q) => {
  const refused = q.of('webhook-failing');
  // Calls that stopped failing are context for other patterns, not a webhook failing now.
  const calls = q.of('webhook-calls-failing').filter((s) => s.facts.ongoing);
  // Our own dry-run creates refused because the webhook could not be called.
  const probed = q.of('writes-refused').filter((s) => s.facts.webhook !== '' && s.facts.cause !== 'denied');
  // Our dry-run creates answered only after 10 s: the webhook's doing when its own calls are that slow.
  const slowProbe = q.of('writes-refused').find((s) => s.facts.cause === 'slow');
  const webhooks = [...new Set([...refused, ...calls, ...probed].map((s) => s.facts.webhook))].sort();
  const t = nodeTrouble(q);
  const lapsing = [...t.silent, ...t.flapping, ...t.notReady];
  // One case per failing webhook; with none, one empty case the requirement turns down.
  return (webhooks.length ? webhooks : [undefined]).map((name) => {
    const w = refused.find((s) => s.facts.webhook === name);
    const m = calls.find((s) => s.facts.webhook === name);
    const p = probed.find((s) => s.facts.webhook === name);
    const since = Math.min(...[w, m, p].map((x) => x?.sinceMs ?? Number.POSITIVE_INFINITY));
    // What the admission inventory says of the same webhook: its configuration, backend and CA.
    const inventory = name ? q.of('admission-webhook').find((s) => s.facts.webhook === name) : undefined;
    const changedMs = inventory?.facts.changedAt ? Date.parse(inventory.facts.changedAt) : undefined;
    return {
      w,
      m,
      p,
      /** Our own dry runs meeting it: refused through it, or as slow as its calls. */
      ours: p ?? (m && m.facts.slowCalls > 0 ? slowProbe : undefined),
      inventory,
      // Changed within the hour before the failures began: the first suspect.
      changedBefore:
        changedMs !== undefined && changedMs <= since && since - changedMs <= changedWithinMs
          ? changedMs
          : undefined,
      since,
      creates: name ? q.of('pod-creation-failing').filter((p) => p.facts.webhooks.includes(name)) : [],
      lapsing,
      lapsingNodes: t.affected.size,
    };
  });
})({
  id: 'admission-webhook-failure',
  family: 'admission',
  layer: 'admission',
  title: "An admission webhook fails or stalls the API server's writes",
  summary:
    "An admission webhook fails or stalls the API server's writes: the API server cannot get an answer from it in time (its pods are down or hung, its certificate does not match, or the path to it is blocked). With failurePolicy Fail every write it matches is refused with \"failed calling webhook\"; with Ignore each matched write waits out the call and then goes on. When it matches pods or kube-system objects, controllers cannot create pods and the cluster's own bookkeeping stalls; when its calls outlast 10 s and it matches node leases, kubelets' heartbeats time out and nodes go NotReady together. Told apart from an API server slow for everything and from a broken pod network, where the webhook failure is a symptom.",
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'webhook-calls-fail',
      weight: 0,
      reason: 'the API server failing to get an answer from an admission webhook in time',
      reads: ['webhook-failing', 'webhook-calls-failing', 'writes-refused'],
      test: (c) => hitOn([c.w, c.m, c.p]),
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
      id: 'meets-our-dry-run',
      weight: 0.1,
      reason:
        "kubetriage's own dry-run create of {probeTargets} meets it too ({probeCause}, {probeFailures} attempt(s) in a row)",
      reads: ['writes-refused'],
      test: (c) =>
        c.ours
          ? {
              signals: [c.ours],
              slots: {
                probeTargets: names(c.ours.facts.targets, c.ours)!,
                probeCause: said(
                  c.ours.facts.cause === 'slow' ? 'answered only after 10 s' : c.ours.facts.cause,
                  c.ours,
                )!,
                probeFailures: count(c.ours.facts.failures, [c.ours])!,
              },
            }
          : undefined,
    },
    {
      id: 'reaches-kube-system',
      weight: 0.1,
      reason: 'it blocks writes in kube-system too',
      reads: ['webhook-failing'],
      test: (c) => (c.w?.facts.kubeSystem ? { signals: [c.w] } : undefined),
    },
    {
      id: 'most-calls-fail',
      weight: 0.1,
      reason: 'the API server counts {failedShare} of its calls to it failing',
      reads: ['webhook-calls-failing'],
      test: (c) =>
        c.m && c.m.facts.failedShare >= 0.5
          ? {
              signals: [c.m],
              slots: { failedShare: said(`${Math.round(c.m.facts.failedShare * 100)} %`, c.m)! },
            }
          : undefined,
    },
    {
      id: 'heartbeats-time-out-through-it',
      weight: 0.25,
      reason:
        "its calls take over 10 s, longer than the kubelet's heartbeat client waits, while {lapsingCount} node(s) lose their heartbeats",
      reads: ['webhook-calls-failing', 'node-heartbeat-lag', 'node-flapping', 'node-not-ready'],
      test: (c) =>
        c.m && c.m.facts.slowCalls > 0 && c.lapsingNodes >= 2
          ? {
              signals: [c.m, ...c.lapsing],
              slots: { lapsingCount: count(c.lapsingNodes, c.lapsing)! },
            }
          : undefined,
    },
    {
      id: 'backend-not-ready',
      weight: 0.1,
      reason: 'its backend {backend} has no ready endpoint, so every call fails at once',
      reads: ['admission-webhook'],
      test: (c) => {
        const i = c.inventory;
        return i && (i.facts.backendState === 'no-ready-endpoints' || i.facts.backendState === 'no-service')
          ? { signals: [i], slots: { backend: said(i.facts.backend.replace(/^service\//, 'Service '), i)! } }
          : undefined;
      },
    },
    {
      id: 'ca-bundle-not-valid',
      weight: 0.1,
      reason: 'the CA in its caBundle is {caState}, so the API server cannot verify it',
      reads: ['admission-webhook'],
      test: (c) => {
        const i = c.inventory;
        return i && ['expired', 'not-yet-valid', 'unparsable'].includes(i.facts.caBundle)
          ? {
              signals: [i],
              slots: {
                caState: said(
                  `${i.facts.caBundle.replace(/-/g, ' ')}${i.facts.caNotAfter ? ` (${i.facts.caSubject}, notAfter ${i.facts.caNotAfter})` : ''}`,
                  i,
                )!,
              },
            }
          : undefined;
      },
    },
    {
      id: 'configured-to-outlast-heartbeats',
      weight: 0.1,
      reason:
        'it is called for node heartbeats and may take {timeoutSeconds} s a call, as long as or longer than the kubelet waits (10 s)',
      reads: ['admission-webhook'],
      test: (c) => {
        const i = c.inventory;
        return i?.facts.risks.includes('can-outlast-heartbeats')
          ? { signals: [i], slots: { timeoutSeconds: said(i.facts.timeoutSeconds, i)! } }
          : undefined;
      },
    },
    {
      id: 'configuration-changed-before',
      weight: 0.1,
      reason:
        'its configuration {configuration} was {changed} at {changedAt}, shortly before the failures began',
      reads: ['admission-webhook'],
      test: (c) => {
        const i = c.inventory;
        return i && c.changedBefore !== undefined
          ? {
              signals: [i],
              slots: {
                configuration: said(i.facts.configuration, i)!,
                changed: said(i.facts.changed, i)!,
                changedAt: at(c.changedBefore, i)!,
              },
            }
          : undefined;
      },
    },
  ],
  against: [
    {
      id: 'api-slow-for-everything',
      weight: -0.2,
      reason: 'the API server is slow or failing for kubetriage too, not only for matched writes',
      reads: ['api-degraded', 'api-unreachable'],
      // Unless this webhook's own calls outlast 10 s: then the server's trouble can be its doing.
      test: (c, q) =>
        (c.m?.facts.slowCalls ?? 0) > 0
          ? undefined
          : hitOn([q.first('api-degraded'), q.first('api-unreachable')]),
    },
  ],
  severity: (c) =>
    c.p ||
    c.creates.length ||
    c.w?.facts.kubeSystem ||
    (c.m?.facts.refused ?? 0) > 0 ||
    (c.m?.facts.slowCalls && c.lapsingNodes >= 2)
      ? 'critical'
      : 'warning',
  onset: (c, q) => (Number.isFinite(c.since) ? c.since : q.nowMs),
  blastRadius: (c) => ({ namespaces: c.w?.facts.namespaces ?? [], workloads: c.w?.facts.workloads ?? [] }),
  evidence: (c) => [
    ...(c.w ? [c.w] : []),
    ...(c.m ? [c.m] : []),
    ...(c.inventory?.facts.risks.length ? [c.inventory] : []),
    ...(c.ours ? [c.ours] : []),
    ...c.creates.slice(0, 3),
  ],
  slots: {
    webhook: (c) => said(c.w?.facts.webhook ?? c.m?.facts.webhook ?? c.p?.facts.webhook, c.w ?? c.m ?? c.p),
    how: (c) =>
      c.w || c.p || (c.m?.facts.refused ?? 0) > 0
        ? said('fails closed, so the writes it matches are refused,', c.w ?? c.p ?? c.m)
        : c.m && c.m.facts.failedOpen > 0
          ? said('fails open: each write it matches waits out the call, then goes on without it,', c.m)
          : said('answers only after more than 10 s,', c.m),
    errors: (c) => (c.w ? names(c.w.facts.errorKinds, c.w) : c.p ? names([c.p.facts.cause], c.p) : undefined),
    since: (c) => at(Number.isFinite(c.since) ? c.since : undefined, c.w ?? c.m ?? c.p),
    calls: (c) => {
      const m = c.m?.facts;
      if (!m) return undefined;
      const parts = [
        m.failed ? `${m.failed} of ${m.calls} calls failed` : `${m.calls} calls`,
        m.slowCalls ? `${m.slowCalls} took over 10 s` : '',
      ].filter(Boolean);
      return said(`${parts.join(', ')} in ${m.windowSeconds} s`, c.m);
    },
    message: (c) =>
      c.w
        ? said(c.w.facts.message.slice(0, 200), c.w)
        : said(c.p?.facts.lastError.replace(/^https?:\/\/\S+?: /, '').slice(0, 200), c.p),
    workloads: (c) => names(c.w?.facts.workloads ?? [], c.w, 4),
  },
  statement:
    'Admission webhook {webhook} {how} since {since}[ ({errors})][; the API server counts {calls}][; writes to {workloads} are refused][: "{message}"].',
  nextSteps: [
    {
      say: 'Find the webhook configuration and what it matches',
      command: 'kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations -o wide',
    },
    {
      say: "Read the API server's count of calls to {webhook}",
      command: 'kubectl get --raw /metrics | grep apiserver_admission_webhook',
    },
    { say: 'Check its backend Service has ready endpoints and its certificate fits the Service name' },
    {
      say: "If the cluster cannot heal itself, narrow the webhook so it skips the control plane's own namespaces (kube-node-lease holds the node heartbeats), or set failurePolicy: Ignore and a short timeoutSeconds until its backend is back",
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
