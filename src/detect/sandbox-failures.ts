/**
 * Pod sandboxes failing on a node: `FailedCreatePodSandBox` (the runtime could not set the
 * pod's network up: the IP pool is empty, the CNI is not ready or cannot reach the API)
 * and `FailedKillPod` (teardown failing, pods stuck Terminating), with the pods left waiting
 * in ContainerCreating. The kubelet retries a pod's sync with back-off up to 5 min, so a
 * failure still happening has an Event in the last 15 min.
 *
 * Emits `sandbox-create-failing` per node (subject `node/<n>`). Critical when sandboxes
 * fail on 3 or more nodes at once (a pool or a CNI problem, not one node), else warning.
 * Facts: see SandboxCreateFailingFacts.
 */
import type { EventRecord } from '../observe/event-ledger.ts';
import { parseSandboxMessage, type SandboxCause } from './event-messages.ts';
import {
  bump,
  countsText,
  eventCounts,
  firstMs,
  groupBy,
  newestEvidence,
  nodeOf,
  recentEvents,
} from './event-records.ts';
import { podIndex } from './pod-index.ts';
import type { Detector, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';

export const sandboxWindowMs = 15 * 60_000;
const spreadNodes = 3;

export const sandboxFailures: Detector = (view, nowMs) => {
  const records = recentEvents(view, 'sandbox', nowMs, sandboxWindowMs).filter(
    (r) =>
      r.reason === 'FailedCreatePodSandBox' || r.reason === 'FailedKillPod' || r.reason === 'NetworkNotReady',
  );
  if (records.length === 0) return [];
  const byNode = groupBy(
    records.filter((r) => nodeOf(view, r)),
    (r) => nodeOf(view, r),
  );
  const creating = new Map<string, number>();
  for (const p of podIndex(view).statusCandidates)
    if (p.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'ContainerCreating'))
      bump(creating, p.spec?.nodeName ?? '');
  const out: Signal[] = [];
  for (const [node, list] of [...byNode].sort((a, b) => a[0].localeCompare(b[0]))) {
    const causes = new Map<string, number>();
    const plugins = new Set<string>();
    for (const r of list) {
      const m = parseSandboxMessage(r.message);
      bump(causes, m.cause, r.count);
      if (m.plugin) plugins.add(m.plugin);
    }
    const ranked = countsText(causes);
    const cause = ranked[0].split('=')[0] as SandboxCause;
    const pods = uniqueSorted(list.filter((r) => r.kind === 'Pod').map((r) => `${r.namespace}/${r.name}`));
    const kills = sum(list.filter((r) => r.reason === 'FailedKillPod'));
    out.push({
      detector: 'sandbox-failures',
      kind: 'sandbox-create-failing',
      subject: `node/${node}`,
      severity: byNode.size >= spreadNodes ? 'critical' : 'warning',
      sinceMs: firstMs(list),
      summary: `pod sandboxes fail on ${node} (${cause}) for ${pods.length} pod(s); see kubectl describe pod -n ${list[0].namespace} ${list[0].name}`,
      scope: { nodes: [node], namespaces: uniqueSorted(list.map((r) => r.namespace).filter(Boolean)) },
      facts: {
        ...eventCounts(list, sandboxWindowMs),
        node,
        cause,
        causes: ranked,
        plugins: [...plugins].sort(),
        pods: pods.length,
        namespaces: uniqueSorted(list.map((r) => r.namespace).filter(Boolean)),
        killFailures: kills,
        podsStuckCreating: creating.get(node) ?? 0,
        clusterNodesFailing: byNode.size,
      },
      evidence: newestEvidence(list, 3),
    });
  }
  return out;
};

function sum(records: readonly EventRecord[]): number {
  return records.reduce((s, r) => s + r.count, 0);
}
