/**
 * Pod status falls behind on busy nodes while they stay Ready: the kubelet works through
 * its API client's rate limit (kubeAPIQPS/kubeAPIBurst, 5/10 before 1.27, 50/100 after), so
 * on a node with heavy pod churn new pods run minutes before the API shows their IP or
 * readiness, deletions linger, and Services point at stale endpoints.
 *
 * Told apart from: a slow API server (every node lags alike, and kubetriage's probes are
 * slow too), pod networking failing (sandbox errors), a runtime failure (the kubelet says so).
 */
import { hitOn } from '../evidence/clauses.ts';
import { earliest } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

/** Status two minutes behind is well past the kubelet's 10 s sync and any rate-limit burst. */
const lateSeconds = 120;

export const kubeletThrottled = definePattern((q) => {
  const lag = q.of('pod-status-lag').filter((s) => s.facts.lagging > 0);
  const nodes = lag.map((s) => s.facts.node).sort();
  return [{ lag, nodes, onset: earliest(lag, q.nowMs) }];
})({
  id: 'kubelet-api-throttling',
  family: 'nodes',
  layer: 'node',
  title: 'Pod status falls behind on busy nodes',
  summary:
    "Pod status falls behind on busy nodes while they stay Ready: the kubelet works through its API client's rate limit (kubeAPIQPS and kubeAPIBurst), so on a node with heavy pod churn new pods run for minutes before the API shows their IP or readiness, deletions linger and Services point at stale endpoints. Told apart from a slow API server (every node lags alike and kubetriage's own probes are slow too), pod networking failing (sandbox errors) and a runtime failure (the kubelet says so).",
  clusterLevel: true,
  base: 0.45,
  requires: [
    {
      id: 'status-late-on-ready-nodes',
      weight: 0,
      reason: 'pods on Ready nodes whose status lags what the kubelet did',
      reads: ['pod-status-lag'],
      test: (c) => hitOn(c.lag),
    },
  ],
  supports: [
    {
      id: 'minutes-late',
      weight: 0.15,
      reason: 'the oldest is over two minutes late',
      reads: ['pod-status-lag'],
      test: (c) => hitOn(c.lag.filter((s) => s.facts.oldestSeconds >= lateSeconds)),
    },
    {
      id: 'several-pods',
      weight: 0.1,
      reason: '{pods} pods lag on the busiest node',
      reads: ['pod-status-lag'],
      test: (c) => {
        const top = [...c.lag].sort((a, b) => b.facts.lagging - a.facts.lagging)[0];
        return top && top.facts.lagging >= 5
          ? { signals: [top], slots: { pods: count(top.facts.lagging, top)! } }
          : undefined;
      },
    },
  ],
  against: [
    {
      id: 'api-slow-for-all',
      weight: -0.3,
      reason: 'the API server answers kubetriage slowly too, which delays every node alike',
      reads: ['api-degraded', 'api-unreachable'],
      test: (_c, q) => hitOn([q.first('api-degraded'), q.first('api-unreachable')]),
    },
    {
      id: 'sandboxes-failing',
      weight: -0.3,
      reason: 'pod sandboxes fail on those nodes, which is networking or the runtime, not lag',
      reads: ['pod-status-lag', 'sandbox-create-failing'],
      test: (c) => hitOn(c.lag.filter((s) => s.facts.sandboxFailures > 0)),
    },
  ],
  // Late status hurts rollouts and endpoints, rarely serving: critical only when widespread.
  severity: (c) => (c.nodes.length >= 3 ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => ({ nodes: c.nodes }),
  evidence: (c) => c.lag.slice(0, 5),
  slots: {
    nodeCount: (c) => count(c.nodes.length, c.lag),
    nodes: (c) => names(c.nodes, c.lag),
    firstNode: (c) => said(c.nodes[0], c.lag),
    onset: (c) => at(c.onset, c.lag),
    pods: (c) =>
      count(
        c.lag.reduce((a, s) => a + s.facts.lagging, 0),
        c.lag,
      ),
  },
  statement:
    'Pod status lags on {nodeCount} Ready node(s) ({nodes}) since {onset}: {pods} pods run ahead of what the API shows.',
  nextSteps: [
    {
      say: 'Compare what runs on {firstNode} with what the API says',
      command: 'kubectl get pods -A -o wide --field-selector spec.nodeName={firstNode}',
    },
    {
      say: "Check the kubelet's API rate limits (kubeAPIQPS, kubeAPIBurst) in its configuration, and raise them on busy node pools",
    },
    { say: 'Spread high-churn workloads (jobs, CI runners) over more nodes meanwhile' },
  ],
  lookAlikes: ['control-plane-degraded', 'container-runtime-failure'],
  public: {
    components: ['Workloads'],
    title: 'Deployments slow to update',
    cause: 'some servers report workload changes late',
    outage: 'partial',
  },
  prevention: [
    'Set kubeAPIQPS/kubeAPIBurst for the pod churn each node pool carries',
    'Alert on pods running without an IP for minutes',
  ],
});
