/**
 * Pods the scheduler cannot place: `FailedScheduling` Events (the scheduler's own words,
 * parsed into its per-filter reasons: `3 Insufficient memory, 9 node(s) had untolerated
 * taint {node.kubernetes.io/not-ready: }`) for pods that are still Pending and unbound.
 * The scheduler retries an unschedulable pod at least every 5 min
 * (`podMaxInUnschedulablePodsDuration`, K:pkg/scheduler/internal/queue), so a pod still
 * stuck has an Event from the last 10 min; older Events are history.
 *
 * Emits:
 * - `pods-unschedulable` per workload (subject `workload/<ns>/<Kind>/<name>`, warning;
 *   critical for kube-system pods waiting 10 min or more). Facts: see PodsUnschedulableFacts.
 * - `scheduling-blocked` (subject `cluster`) when the pods of 3 or more workloads, or of 2 or
 *   more namespaces, cannot be placed: not one workload's request but the cluster's
 *   capacity or nodes. Warning; critical at 20 pods or more.
 */

import { parseSchedulingMessage } from './event-messages.ts';
import {
  bump,
  byWorkload,
  countsText,
  eventCounts,
  firstMs,
  newestEvidence,
  type PodObject,
  persistentSeverity,
  podOf,
  recentEvents,
} from './event-records.ts';
import type { Detector, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';

export const schedulingWindowMs = 10 * 60_000;
const blockedMinWorkloads = 3;
const blockedMinNamespaces = 2;
const blockedCriticalPods = 20;

function stillUnscheduled(pod: PodObject | undefined): boolean {
  return (
    !!pod &&
    !pod.metadata.deletionTimestamp &&
    !pod.spec?.nodeName &&
    (pod.status?.phase ?? 'Pending') === 'Pending'
  );
}

export const schedulingFailures: Detector = (view, nowMs) => {
  const records = recentEvents(view, 'scheduling', nowMs, schedulingWindowMs).filter(
    (r) => r.reason === 'FailedScheduling' && r.kind === 'Pod' && stillUnscheduled(podOf(view, r)),
  );
  if (records.length === 0) return [];
  const groups = byWorkload(view, records);
  const out: Signal[] = [];
  const podReasons = new Map<string, number>();
  const podCauses = new Map<string, number>();
  const taints = new Set<string>();
  let nodesTotal = 0;
  const pods = new Set<string>();
  for (const { key, workload: w, records: group } of groups) {
    // The newest message per pod says why it waits now.
    const newestPerPod = new Map<string, (typeof group)[number]>();
    for (const r of group) {
      const cur = newestPerPod.get(r.name);
      if (!cur || r.lastMs > cur.lastMs) newestPerPod.set(r.name, r);
    }
    for (const [pod, r] of newestPerPod) {
      pods.add(`${r.namespace}/${pod}`);
      const m = parseSchedulingMessage(r.message);
      for (const reason of new Set(m.reasons.map((x) => x.reason))) bump(podReasons, reason);
      for (const c of m.causes) bump(podCauses, c);
      for (const t of m.untoleratedTaints) taints.add(t);
      nodesTotal = Math.max(nodesTotal, m.nodesTotal ?? 0);
    }
    const newest = [...newestPerPod.values()].sort((a, b) => b.lastMs - a.lastMs)[0];
    const parsed = parseSchedulingMessage(newest.message);
    const counts = eventCounts(group, schedulingWindowMs);
    const system = w.namespace === 'kube-system';
    out.push({
      detector: 'scheduling-failures',
      kind: 'pods-unschedulable',
      subject: `workload/${key}`,
      severity: persistentSeverity(system, group, nowMs),
      sinceMs: firstMs(group),
      summary:
        `${newestPerPod.size} pod(s) of ${w.kind} ${w.namespace}/${w.name} cannot be scheduled` +
        `${parsed.nodesTotal !== undefined ? ` (0/${parsed.nodesTotal} nodes fit: ${parsed.reasons.map((r) => `${r.nodes} ${r.reason}`).join(', ')})` : ''}` +
        `; see kubectl describe pod -n ${w.namespace} ${newest.name}`,
      scope: { namespaces: [w.namespace], workloads: [key] },
      facts: {
        ...counts,
        namespace: w.namespace,
        workloadKind: w.kind,
        workloadName: w.name,
        pods: newestPerPod.size,
        nodesTotal: parsed.nodesTotal ?? 0,
        nodeReasons: parsed.reasons
          .map((r) => `${r.reason}=${r.nodes}`)
          .sort((a, b) => nodesOf(b) - nodesOf(a)),
        causes: parsed.causes,
        untoleratedTaints: parsed.untoleratedTaints,
        systemComponent: system,
      },
      evidence: newestEvidence([...newestPerPod.values()], 3),
    });
  }
  const workloads = groups.map((g) => g.key);
  const namespaces = uniqueSorted(records.map((r) => r.namespace));
  if (workloads.length >= blockedMinWorkloads || namespaces.length >= blockedMinNamespaces) {
    out.push({
      detector: 'scheduling-failures',
      kind: 'scheduling-blocked',
      subject: 'cluster',
      severity: pods.size >= blockedCriticalPods ? 'critical' : 'warning',
      sinceMs: firstMs(records),
      summary:
        `${pods.size} pods of ${workloads.length} workloads in ${namespaces.length} namespace(s) cannot be scheduled` +
        ` (${countsText(podReasons, 3).join(', ')}); see kubectl get pods -A --field-selector=status.phase=Pending`,
      scope: { namespaces, workloads },
      facts: {
        ...eventCounts(records, schedulingWindowMs),
        pods: pods.size,
        workloads,
        workloadCount: workloads.length,
        namespaces,
        podReasons: countsText(podReasons),
        causes: countsText(podCauses),
        untoleratedTaints: [...taints].sort(),
        nodesTotal,
      },
      evidence: newestEvidence(records, 5),
    });
  }
  return out;
};

function nodesOf(text: string): number {
  return Number(text.slice(text.lastIndexOf('=') + 1));
}
