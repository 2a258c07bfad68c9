/**
 * Node heartbeats, read from the kubelet's Lease in `kube-node-lease`. The kubelet renews
 * it every 10 s (a quarter of `leaseDurationSeconds`, 40 s); the node lifecycle controller
 * marks the node Unknown once the lease is older than its grace period (50 s). A lease
 * 25 s old has missed two renewals: that is the early sign, half a grace period before
 * the node turns NotReady and its pods start down the eviction path. The controller hears
 * the kubelet through either channel: its probe time moves when the lease's `renewTime`
 * advances or Ready's `lastHeartbeatTime` changes (node_lifecycle_controller.go
 * tryUpdateNodeHealth), so a kubelet that just booted and posted its status is not silent
 * in the seconds before its first renewal.
 *
 * Emits `node-heartbeat-lag` per node (subject `node/<n>`, warning).
 * Facts: lagSeconds (whole seconds since the last renewal), renewTime (RFC 3339),
 * leaseDurationSeconds, ready (the node's Ready status now: True, False, Unknown),
 * unschedulable, agentHeardSince and kubeletHealthz. The last two come from the kubetriage
 * agent's conditions on the same Node (docs/node-agent-report.md): the agent writes them
 * with its own credentials, so a write after the lease stopped proves the node still reaches
 * the API server; and its KubeletUnhealthy says whether the kubelet itself still runs. A
 * silent kubelet that runs on a node that reaches the API server is one the API server no
 * longer accepts (or whose requests alone are lost), not a dead node or a dead kubelet.
 */

import { agentConditionTypes } from '../kube/node-agent-conditions.ts';
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { agentStaleMs } from './node-agent.ts';
import { conditionOf, isLeaving, type NodeCondition, type NodeObject } from './node-attributes.ts';
import type { Detector, Signal } from './signal.ts';
import { durationText, isoSeconds, timeMs } from './timestamps.ts';

/** Two missed 10 s renewals, with room for watch delivery; half of the 50 s grace period. */
export const heartbeatLagMs = 25_000;

interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

/**
 * Leases we could not watch look old for our reasons, not the node's: while the lease
 * source is failing, age is measured only up to when it failed.
 */
export function seenUntil(view: ClusterView, nowMs: number): number {
  const rec = view.freshness(nowMs, Number.POSITIVE_INFINITY).find((s) => s.source === 'reflector/leases');
  return rec?.failingSinceMs !== undefined ? Math.min(nowMs, rec.failingSinceMs) : nowMs;
}

export const nodeHeartbeat: Detector = (view, nowMs) => {
  const until = seenUntil(view, nowMs);
  const out: Signal[] = [];
  for (const l of view.list('leases') as LeaseObject[]) {
    if (l.metadata.namespace !== 'kube-node-lease') continue;
    const name = l.metadata.name;
    const node = view.get('nodes', name);
    if (!node || isLeaving(node)) continue;
    const renewMs = timeMs(l.spec?.renewTime);
    if (renewMs === undefined) continue;
    const readyCondition = conditionOf(node, 'Ready');
    const heardMs = Math.max(renewMs, timeMs(readyCondition?.lastHeartbeatTime) ?? 0);
    if (until - heardMs < heartbeatLagMs) continue;
    const lagMs = until - renewMs;
    const ready = readyCondition?.status ?? 'Unknown';
    out.push({
      detector: 'node-heartbeat',
      kind: 'node-heartbeat-lag',
      subject: `node/${name}`,
      severity: 'warning',
      sinceMs: renewMs,
      summary: `node ${name} last renewed its lease ${durationText(lagMs)} ago (Ready=${ready}); check the kubelet: kubectl describe node ${name}`,
      scope: { nodes: [name] },
      facts: {
        lagSeconds: Math.floor(lagMs / 1000),
        renewTime: isoSeconds(renewMs),
        leaseDurationSeconds: l.spec?.leaseDurationSeconds ?? 40,
        ready,
        // A cordoned node going quiet is usually maintenance (a drain and reboot).
        unschedulable: (node as { spec?: { unschedulable?: boolean } }).spec?.unschedulable === true,
        ...agentView(node as NodeObject, renewMs, nowMs),
      },
      evidence: [
        {
          source: 'object',
          ref: `lease/kube-node-lease/${name}`,
          atMs: renewMs,
          text: `renewTime ${isoSeconds(renewMs)}, ${durationText(lagMs)} before ${isoSeconds(until)}`,
        },
      ],
    });
  }
  return out.sort((a, b) => a.subject.localeCompare(b.subject));
};

const agentTypes = new Set<string>(agentConditionTypes);

const writtenMs = (c: NodeCondition): number =>
  Math.max(timeMs(c.lastHeartbeatTime) ?? 0, timeMs(c.lastTransitionTime) ?? 0);

/** What the node's agent says of the node's own reach and of its kubelet, when it said it recently. */
function agentView(
  node: NodeObject,
  renewMs: number,
  nowMs: number,
): { agentHeardSince: boolean; kubeletHealthz?: 'ok' | 'failing' } {
  const fresh = (node.status?.conditions ?? []).filter(
    (c) => agentTypes.has(c.type) && nowMs - writtenMs(c) <= agentStaleMs,
  );
  const healthz = fresh.find((c) => c.type === 'KubeletUnhealthy');
  return {
    agentHeardSince: fresh.some((c) => writtenMs(c) > renewMs),
    ...(healthz
      ? { kubeletHealthz: healthz.status === 'False' ? ('ok' as const) : ('failing' as const) }
      : {}),
  };
}
