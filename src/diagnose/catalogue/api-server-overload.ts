/**
 * The API server is overloaded by its clients: more requests arrive at a priority level
 * than its seats serve, its queues fill, and API Priority and Fairness answers the rest
 * with 429. Usually one class of client (an agent on every node listing every pod, a
 * controller in a loop) crowds one level and the rest keep being served, so the cluster's own
 * components keep working and the clients of that level see failures and retries. Lists
 * of a whole resource cost the most seats (one per 100 objects, up to 10).
 *
 * Pushed further, the API server stops answering altogether: APF caps the seats LISTs take,
 * not the memory their responses hold, so a large cluster's LISTs get it OOM-killed and it
 * restarts into the same load. When its levels were rejecting before it went silent, the
 * load is what took it down.
 *
 * Told apart from: an API server slow or failing for everyone (etcd, a sick replica: 5xx
 * and latency on every level, no 429s), and one that does not answer at all with no
 * rejections before (a provider or network outage; clients reconnecting after one may be
 * turned away, but only after it).
 */
import { hitOn } from '../evidence/clauses.ts';
import { earliest } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

/** `key=count` to its key and count. */
const split = (entry: string | undefined): [string, number] | undefined => {
  if (!entry) return undefined;
  const i = entry.lastIndexOf('=');
  return [entry.slice(0, i), Number(entry.slice(i + 1))];
};

/** The rejections began no later than the silence (the overload came first). */
const rejectingFirst = (onsetMs: number, api: { sinceMs: number }): boolean => onsetMs <= api.sinceMs;

export const apiServerOverload = definePattern((q) => {
  // The level turning the most requests away leads; the others are listed with it.
  const rejecting = [...q.of('api-requests-rejected')].sort((a, b) => b.facts.rejected - a.facts.rejected);
  const r = rejecting[0];
  const flowSchema = split(r?.facts.flowSchemas[0]);
  const topRequest = split(r?.facts.refusedRequests[0]);
  const refusedTotal = (r?.facts.refusedRequests ?? []).reduce((n, e) => n + (split(e)?.[1] ?? 0), 0);
  return [{ r, rejecting, flowSchema, topRequest, refusedTotal, onset: earliest(rejecting, q.nowMs) }];
})({
  id: 'api-server-overload',
  family: 'control-plane',
  layer: 'control-plane',
  title: 'API server overloaded: requests turned away (429)',
  summary:
    'The API server is overloaded by its clients: more requests arrive at a priority level than its seats serve, its queues fill, and API Priority and Fairness answers the rest with 429. Usually one class of client crowds one level and the rest keep being served. Lists of a whole resource cost the most seats. Pushed further it stops answering altogether (large LISTs get it OOM-killed in a loop); rejections before the silence tell that apart from an outage. Told apart from an API server slow or failing for everyone (5xx and latency on every level, no 429s) and from one that went silent with no rejections before.',
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'requests-rejected',
      weight: 0,
      reason: 'API Priority and Fairness turning requests away with 429 because a level is full',
      reads: ['api-requests-rejected'],
      test: (c) => hitOn([c.r]),
    },
  ],
  supports: [
    {
      id: 'other-levels-served',
      weight: 0.15,
      reason:
        'only {rejectingLevels} rejects while {servedLevels} are served: one class of clients fills its own seats',
      reads: ['api-requests-rejected'],
      test: (c) =>
        c.r?.facts.servedLevels.length && !c.rejecting.some((x) => x.facts.clusterLevel)
          ? {
              signals: c.rejecting,
              slots: {
                rejectingLevels: names(
                  c.rejecting.map((x) => x.facts.priorityLevel),
                  c.rejecting,
                )!,
                servedLevels: names(c.r.facts.servedLevels, c.r, 4)!,
              },
            }
          : undefined,
    },
    {
      id: 'one-flow-schema',
      weight: 0.1,
      reason: 'nine in ten of its rejections came through flow schema {flowSchema}',
      reads: ['api-requests-rejected'],
      test: (c) =>
        c.r && c.flowSchema && c.flowSchema[1] >= 0.9 * c.r.facts.rejected
          ? { signals: [c.r], slots: { flowSchema: said(c.flowSchema[0], c.r)! } }
          : undefined,
    },
    {
      id: 'expensive-lists',
      weight: 0.1,
      reason: 'most refused requests are {topRequest}, and lists cost a seat per 100 objects they read',
      reads: ['api-requests-rejected'],
      test: (c) =>
        c.r && c.topRequest?.[0].startsWith('LIST ') && c.topRequest[1] * 2 > c.refusedTotal
          ? { signals: [c.r], slots: { topRequest: said(c.topRequest[0], c.r)! } }
          : undefined,
    },
    {
      id: 'rejecting-before-silence',
      weight: 0.25,
      reason:
        'it was turning requests away from {rejectingSince}, before it stopped answering kubetriage at {silentSince}: the load took it down',
      reads: ['api-requests-rejected', 'api-unreachable'],
      test: (c, q) => {
        const api = q.first('api-unreachable');
        return c.r && api && rejectingFirst(c.onset, api)
          ? {
              signals: [c.r, api],
              slots: { rejectingSince: at(c.onset, c.r)!, silentSince: at(api.sinceMs, api)! },
            }
          : undefined;
      },
    },
  ],
  against: [
    {
      id: 'api-not-answering',
      weight: -0.3,
      reason:
        'the API server stopped answering kubetriage before any level rejected, which queues that fill do not explain',
      reads: ['api-unreachable'],
      test: (c, q) => {
        const api = q.first('api-unreachable');
        return api && !rejectingFirst(c.onset, api) ? { signals: [api] } : undefined;
      },
    },
    {
      id: 'server-errors',
      weight: -0.2,
      reason: 'it answers kubetriage with {statuses}: failing, not only full',
      reads: ['api-degraded'],
      test: (_c, q) => {
        const d = q.first('api-degraded');
        const errors = (d?.facts.statuses ?? []).filter((s) => /^5/.test(s));
        return d && errors.length ? { signals: [d], slots: { statuses: names(errors, d)! } } : undefined;
      },
    },
  ],
  severity: (c) => (c.rejecting.some((x) => x.severity === 'critical') ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: () => ({}),
  evidence: (c) => c.rejecting,
  slots: {
    since: (c) => at(c.r ? c.onset : undefined, c.r),
    level: (c) => said(c.r?.facts.priorityLevel, c.r),
    rejected: (c) => said(c.r?.facts.rejected, c.r),
    handled: (c) => said(c.r ? c.r.facts.rejected + c.r.facts.dispatched : undefined, c.r),
    share: (c) => said(c.r ? `${Math.round(c.r.facts.rejectedShare * 100)} %` : undefined, c.r),
    window: (c) => said(c.r ? `${Math.round(c.r.facts.windowSeconds / 60)} min` : undefined, c.r),
    flowSchema: (c) => said(c.flowSchema?.[0], c.r),
    topRequest: (c) => said(c.topRequest?.[0], c.r),
    served: (c) => (c.r?.facts.servedLevels.length ? names(c.r.facts.servedLevels, c.r, 4) : undefined),
  },
  statement:
    'The API server turns requests away under load since {since}: priority level {level} rejected {rejected} of {handled} requests ({share}) in the last {window}[, most through flow schema {flowSchema}][; most refused are {topRequest}][; {served} are still served].',
  nextSteps: [
    {
      say: 'See which priority levels reject, and through which flow schemas',
      command:
        "kubectl get --raw /metrics | grep -E 'apiserver_flowcontrol_(rejected|dispatched)_requests_total'",
    },
    {
      say: 'Find the clients behind flow schema {flowSchema}: the API server lists the requests it holds, with their users',
      command: 'kubectl get --raw /debug/api_priority_and_fairness/dump_requests',
    },
    {
      say: 'Scale down or fix the client sending {topRequest}; restarting the API server does not help while it keeps asking',
    },
    {
      say: 'If it cannot be stopped at once, fence it off: a FlowSchema matching it, pointing at a small PriorityLevelConfiguration of its own, so it cannot crowd the rest',
      command: 'kubectl get flowschemas,prioritylevelconfigurations',
    },
  ],
  lookAlikes: ['control-plane-degraded', 'control-plane-unreachable'],
  public: {
    components: ['Control plane'],
    title: 'Control plane overloaded',
    cause: 'more requests than the control plane can serve',
    outage: 'partial',
  },
  prevention: [
    'Put bulk clients (agents on every node, exporters) in a FlowSchema of their own, on a priority level with few seats',
    'Have per-node agents watch with a field selector for their own node rather than list every pod of the cluster',
    'Alert on apiserver_flowcontrol_rejected_requests_total',
  ],
});
