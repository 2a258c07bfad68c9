/**
 * What happened to nodes as machines, from their Events over the last hour: reboots (the
 * kubelet's Warning `Rebooted`, `Node n has been rebooted, boot id: …`), kubelet starts
 * (`Starting kubelet.`: more than one is a restart), NotReady (`NodeNotReady` from the
 * kubelet or the node lifecycle controller), and the controller's `RegisteredNode`,
 * `RemovingNode` and `DeletingAllPods` (kubernetes.md §3).
 *
 * Emits `node-lifecycle` per node with a reboot, a kubelet restart, a NotReady Event, or a
 * removal in the window (subject `node/<n>`). Registration alone (a node joining) is no
 * signal: it is what `change` reports. Warning for a reboot or kubelet restart, info
 * otherwise. Facts: see NodeLifecycleFacts.
 */
import type { EventRecord } from '../observe/event-ledger.ts';
import { firstMs, groupBy, newestEvidence, recentEvents } from './event-records.ts';
import type { Detector, Signal } from './signal.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

export const lifecycleWindowMs = 60 * 60_000;

const sum = (list: readonly EventRecord[], reason: string) =>
  list.filter((r) => r.reason === reason).reduce((s, r) => s + r.count, 0);

export const nodeLifecycleEvents: Detector = (view, nowMs) => {
  const records = recentEvents(view, 'node-lifecycle', nowMs, lifecycleWindowMs).filter(
    (r) => r.kind === 'Node',
  );
  if (records.length === 0) return [];
  const byNode = groupBy(records, (r) => r.name);
  const facts = [...byNode].map(([node, list]) => {
    const bootIds = [
      ...new Set(
        list.flatMap((r) => (r.reason === 'Rebooted' ? [/boot id: (\S+)/.exec(r.message)?.[1] ?? ''] : [])),
      ),
    ]
      .filter(Boolean)
      .sort();
    return {
      node,
      list,
      reboots: sum(list, 'Rebooted'),
      bootIds,
      kubeletStarts: sum(list, 'Starting'),
      notReadyEvents: sum(list, 'NodeNotReady'),
      registered: list.some((r) => r.reason === 'RegisteredNode'),
      removing: list.some((r) => r.reason === 'RemovingNode' || r.reason === 'DeletingNode'),
      deletingAllPods: list.some((r) => r.reason === 'DeletingAllPods'),
    };
  });
  const rebooted = facts.filter((f) => f.reboots > 0).length;
  const out: Signal[] = [];
  for (const f of facts.sort((a, b) => a.node.localeCompare(b.node))) {
    // One `Starting kubelet.` is the node's first start when it joined in the window (the
    // controller's RegisteredNode, or a Node object created then), or the boot a reboot counts.
    const created = timeMs(view.get('nodes', f.node)?.metadata.creationTimestamp);
    const joined = f.registered || (created !== undefined && created >= nowMs - lifecycleWindowMs);
    const restarted = f.kubeletStarts > 1 || (f.kubeletStarts > 0 && !joined && f.reboots === 0);
    if (f.reboots === 0 && !restarted && f.notReadyEvents === 0 && !f.removing && !f.deletingAllPods)
      continue;
    const last = Math.max(...f.list.map((r) => r.lastMs));
    const what = [
      ...(f.reboots ? [`rebooted ${f.reboots}x`] : []),
      ...(restarted ? [`kubelet started ${f.kubeletStarts}x`] : []),
      ...(f.notReadyEvents ? [`NotReady ${f.notReadyEvents}x`] : []),
      ...(f.removing ? ['being removed'] : []),
    ];
    out.push({
      detector: 'node-lifecycle-events',
      kind: 'node-lifecycle',
      subject: `node/${f.node}`,
      severity: f.reboots > 0 || restarted ? 'warning' : 'info',
      sinceMs: firstMs(f.list),
      summary: `node ${f.node} ${what.join(', ')} in the last hour; see kubectl get events --field-selector involvedObject.name=${f.node}`,
      scope: { nodes: [f.node] },
      facts: {
        node: f.node,
        reboots: f.reboots,
        bootIds: f.bootIds,
        kubeletStarts: f.kubeletStarts,
        notReadyEvents: f.notReadyEvents,
        registered: f.registered,
        removing: f.removing,
        deletingAllPods: f.deletingAllPods,
        firstSeen: isoSeconds(firstMs(f.list)),
        lastSeen: isoSeconds(last),
        windowMinutes: lifecycleWindowMs / 60_000,
        clusterNodesRebooted: rebooted,
      },
      evidence: newestEvidence(f.list, 4),
    });
  }
  return out;
};
