/**
 * The API server does not answer: every probe and every watch kubetriage makes fails,
 * while what it last saw of the data plane kept running. Nothing self-heals in this state
 * (no controller can act), and restarting nodes cannot help.
 *
 * Told apart from: an API server that is merely slow (it still answers), the nodes' own
 * network (node trouble began before the endpoint went silent), and kubetriage's own
 * access (the server answers, but refuses our credentials).
 */
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

export const controlPlaneUnreachable = definePattern((q) => [
  { api: q.first('api-unreachable'), spread: q.first('not-ready-spread') },
])({
  id: 'control-plane-unreachable',
  family: 'control-plane',
  layer: 'control-plane',
  title: 'API server unreachable while the data plane keeps running',
  summary:
    "The API server does not answer: every probe and every watch kubetriage makes fails, while what it last saw of the data plane kept running. Nothing self-heals in this state (no controller can act), and restarting nodes cannot help. Told apart from: an API server that is merely slow (it still answers), the nodes' own network (node trouble began before the endpoint went silent), and kubetriage's own access (the server answers, but refuses our credentials).",
  clusterLevel: true,
  base: 0.6,
  requires: [
    {
      id: 'api-silent',
      weight: 0,
      reason: "the API server leaving kubetriage's probes and watches unanswered",
      reads: ['api-unreachable'],
      test: (c) => hitOn([c.api]),
    },
  ],
  supports: [
    {
      id: 'watches-fail-too',
      weight: 0.15,
      reason: '{watchCount} watches fail as well',
      reads: ['api-unreachable'],
      test: (c) =>
        c.api?.facts.reflectorsFailing.length
          ? { signals: [c.api], slots: { watchCount: said(c.api.facts.reflectorsFailing.length, c.api)! } }
          : undefined,
    },
    {
      id: 'transport-errors-named',
      weight: 0.1,
      reason: 'the failures are transport errors ({errorKinds})',
      reads: ['api-unreachable'],
      test: (c) =>
        c.api?.facts.errorKinds.some((k) => k !== 'other')
          ? { signals: [c.api], slots: { errorKinds: names(c.api.facts.errorKinds, c.api)! } }
          : undefined,
    },
    {
      id: 'nodes-were-ready',
      weight: 0.1,
      reason: 'no wave of NotReady nodes preceded it',
      reads: ['not-ready-spread'],
      test: (c) =>
        c.api && (!c.spread || c.spread.sinceMs >= c.api.sinceMs) ? { signals: [c.api] } : undefined,
    },
  ],
  against: [
    {
      id: 'handshake-refused',
      weight: -0.4,
      reason:
        'every failure is a TLS handshake failure: the endpoint takes connections and its certificate is refused',
      reads: ['api-unreachable'],
      test: (c) =>
        c.api?.facts.errorKinds.length && c.api.facts.errorKinds.every((k) => k === 'tls')
          ? { signals: [c.api] }
          : undefined,
    },
    {
      id: 'nodes-failed-first',
      weight: -0.2,
      reason: '{notReady} nodes were already NotReady before the endpoint went silent',
      reads: ['not-ready-spread'],
      test: (c) =>
        c.api && c.spread && c.spread.sinceMs < c.api.sinceMs - 60_000
          ? { signals: [c.spread], slots: { notReady: said(c.spread.facts.notReadyNow, c.spread)! } }
          : undefined,
    },
  ],
  severity: () => 'critical',
  onset: (c, q) => c.api?.sinceMs ?? q.nowMs,
  blastRadius: () => ({}),
  evidence: (c) => (c.api ? [c.api] : []),
  slots: {
    since: (c) => at(c.api?.sinceMs, c.api),
    errors: (c) => (c.api ? names(c.api.facts.errorKinds, c.api) : undefined),
    watches: (c) =>
      c.api?.facts.reflectorsFailing.length
        ? said(`${c.api.facts.reflectorsFailing.length} watches fail too`, c.api)
        : undefined,
  },
  statement:
    'The API server has not answered kubetriage since {since}[ ({errors})][; {watches}]. Nothing can be scheduled, scaled or healed until it answers.',
  nextSteps: [
    {
      say: 'Confirm from another network that the endpoint is down, not only the path from here',
      command: "kubectl get --raw='/livez?verbose' --request-timeout=5s",
    },
    {
      say: "Look for an incident on your provider's side, then open a support case naming the endpoint and when it went silent ({since})",
    },
    {
      say: 'Leave the nodes alone: running pods keep serving, and pods stopped now cannot be rescheduled without an API server',
    },
    { say: 'Should it persist, build a new cluster elsewhere and migrate the workloads with their volumes' },
  ],
  lookAlikes: ['control-plane-degraded', 'certificate-expiry', 'node-network'],
  public: {
    components: ['Control plane'],
    title: 'Control plane unavailable',
    cause: "the cluster's control plane (API server) is unreachable",
    outage: 'major',
  },
  prevention: [
    'Monitor the API server endpoint from outside the cluster and alert within a minute of failure',
  ],
});
