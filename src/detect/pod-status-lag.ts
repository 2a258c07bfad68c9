/**
 * Pod status lagging the kubelet's work on nodes that still say Ready: pods bound to the
 * node but Pending with no container status, waiting in ContainerCreating, Running without
 * an IP, or past their deletion deadline and still there. The kubelet syncs each pod's
 * status within seconds (status manager, `syncPeriod` 10 s); minutes of lag on one Ready
 * node is the kubelet throttled by its own API rate limit (`kubeAPIQPS`, 5 before 1.27 and
 * 50 since: Zalando's 2019 outage) or a runtime too slow to answer, not the pods.
 *
 * Late means: no container status 5 min after creation; ContainerCreating 10 min after
 * creation (image pulls can take minutes); Running without an IP 2 min after creation;
 * still present 5 min past `deletionTimestamp` (which already includes the grace period).
 * Pods on nodes that are not Ready are left out: their kubelet cannot report at all, which
 * node-readiness says.
 *
 * Emits `pod-status-lag` per Ready node with 3 or more late pods (subject `node/<n>`).
 * Critical at 20 or more, else warning. Facts: see PodStatusLagFacts.
 */
import { bump, nodeOf, type PodObject, recentEvents } from './event-records.ts';
import { conditionOf } from './node-attributes.ts';
import { podIndex } from './pod-index.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { durationText, timeMs } from './timestamps.ts';

export const noStatusLateMs = 5 * 60_000;
export const creatingLateMs = 10 * 60_000;
export const noIpLateMs = 2 * 60_000;
export const terminatingLateMs = 5 * 60_000;
const minLagging = 3;
const criticalLagging = 20;
const sandboxWindowMs = 15 * 60_000;

type Lag = 'pendingBound' | 'stuckCreating' | 'runningWithoutIp' | 'stuckTerminating';

function lagOf(p: PodObject, nowMs: number): { lag: Lag; forMs: number } | undefined {
  const deleted = timeMs(p.metadata.deletionTimestamp);
  if (deleted !== undefined)
    return nowMs - deleted > terminatingLateMs
      ? { lag: 'stuckTerminating', forMs: nowMs - deleted }
      : undefined;
  const age = nowMs - (timeMs(p.metadata.creationTimestamp) ?? nowMs);
  const phase = p.status?.phase;
  if (phase === 'Running' && !p.status?.podIP)
    return age > noIpLateMs ? { lag: 'runningWithoutIp', forMs: age } : undefined;
  if (phase !== 'Pending') return undefined;
  const statuses = p.status?.containerStatuses ?? [];
  if (statuses.length === 0) return age > noStatusLateMs ? { lag: 'pendingBound', forMs: age } : undefined;
  if (statuses.some((c) => c.state?.waiting?.reason === 'ContainerCreating') && age > creatingLateMs)
    return { lag: 'stuckCreating', forMs: age };
  return undefined;
}

interface NodeLag {
  node: string;
  counts: Record<Lag, number>;
  oldestMs: number;
  samples: { pod: PodObject; lag: Lag; forMs: number }[];
}

export const podStatusLag: Detector = (view, nowMs) => {
  const index = podIndex(view);
  const byNode = new Map<string, NodeLag>();
  for (const p of index.statusCandidates) {
    const node = p.spec?.nodeName;
    if (!node) continue;
    const l = lagOf(p, nowMs);
    if (!l) continue;
    let n = byNode.get(node);
    if (!n) {
      n = {
        node,
        counts: { pendingBound: 0, stuckCreating: 0, runningWithoutIp: 0, stuckTerminating: 0 },
        oldestMs: 0,
        samples: [],
      };
      byNode.set(node, n);
    }
    n.counts[l.lag]++;
    n.oldestMs = Math.max(n.oldestMs, l.forMs);
    if (n.samples.length < 5) n.samples.push({ pod: p, ...l });
  }
  const ready = [...byNode.values()].filter((n) => {
    const node = view.get('nodes', n.node);
    return node !== undefined && conditionOf(node, 'Ready')?.status === 'True';
  });
  const total = (n: NodeLag) => Object.values(n.counts).reduce((a, b) => a + b, 0);
  const clusterLaggingPods = ready.reduce((s, n) => s + total(n), 0);
  const sandbox = new Map<string, number>();
  for (const r of recentEvents(view, 'sandbox', nowMs, sandboxWindowMs))
    bump(sandbox, nodeOf(view, r), r.count);
  const out: Signal[] = [];
  for (const n of ready.sort((a, b) => a.node.localeCompare(b.node))) {
    const lagging = total(n);
    if (lagging < minLagging) continue;
    const podsOnNode = Math.max(index.podsByNode.get(n.node) ?? 0, lagging);
    const parts = (Object.entries(n.counts) as [Lag, number][])
      .filter(([, c]) => c > 0)
      .map(([k, c]) => `${c} ${k}`);
    out.push({
      detector: 'pod-status-lag',
      kind: 'pod-status-lag',
      subject: `node/${n.node}`,
      severity: lagging >= criticalLagging ? 'critical' : 'warning',
      sinceMs: nowMs - n.oldestMs,
      summary: `${lagging} pod(s) on Ready node ${n.node} have status ${durationText(n.oldestMs)} behind (${parts.join(', ')}); see kubectl get pods -A -o wide --field-selector spec.nodeName=${n.node}`,
      scope: { nodes: [n.node] },
      facts: {
        node: n.node,
        lagging,
        pendingBound: n.counts.pendingBound,
        stuckCreating: n.counts.stuckCreating,
        runningWithoutIp: n.counts.runningWithoutIp,
        stuckTerminating: n.counts.stuckTerminating,
        oldestSeconds: Math.round(n.oldestMs / 1000),
        podsOnNode,
        laggingShare: Math.round((lagging / podsOnNode) * 1000) / 1000,
        sandboxFailures: sandbox.get(n.node) ?? 0,
        clusterNodesLagging: ready.length,
        clusterLaggingPods,
      },
      evidence: n.samples.map(
        (s): Evidence => ({
          source: 'object',
          ref: `pod/${s.pod.metadata.namespace}/${s.pod.metadata.name}`,
          atMs: nowMs - s.forMs,
          text: `${s.lag} for ${durationText(s.forMs)} (phase ${s.pod.status?.phase ?? '?'}${s.pod.status?.podIP ? `, ip ${s.pod.status.podIP}` : ', no ip'})`,
          raw: { kind: 'field', path: 'status.phase', value: s.pod.status?.phase ?? '' },
        }),
      ),
    });
  }
  return out;
};
