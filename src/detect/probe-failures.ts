/**
 * Probes failing: the kubelet's `Unhealthy` Events (`Liveness probe failed: HTTP probe failed
 * with statuscode: 500`, `Readiness probe failed: … connection refused`) and its liveness
 * kills (`Killing`: `Container x failed liveness probe, will be restarted`), per workload.
 * By default a probe runs every 10 s and fails after 3 misses (periodSeconds 10,
 * failureThreshold 3, W:docs/tasks/configure-pod-container/configure-liveness-readiness-
 * startup-probes.md), so a probe that keeps failing writes Events continuously; 10 min of
 * them is the window.
 *
 * Emits `probe-failing` per workload (subject `workload/<ns>/<Kind>/<name>`). Critical
 * for a system component whose containers were killed 3 or more times (a control-plane or
 * DNS restart loop), else warning. Facts: see ProbeFailingFacts.
 */

import { type ProbeKind, parseProbeEvent } from './event-messages.ts';
import {
  bump,
  byWorkload,
  countsText,
  eventCounts,
  firstMs,
  newestEvidence,
  nodeOf,
  podOf,
  recentEvents,
} from './event-records.ts';
import type { Detector, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import { componentIdentity } from './system-components.ts';

export const probeWindowMs = 10 * 60_000;
const criticalKills = 3;

export const probeFailures: Detector = (view, nowMs) => {
  const records = recentEvents(view, 'probe', nowMs, probeWindowMs).filter((r) => r.kind === 'Pod');
  if (records.length === 0) return [];
  const out: Signal[] = [];
  for (const { key, workload: w, records: list } of byWorkload(view, records)) {
    const probes = new Set<ProbeKind>();
    const results = new Map<string, number>();
    let kills = 0;
    for (const r of list) {
      const m = parseProbeEvent(r.reason, r.message);
      if (m.probe !== 'unknown') probes.add(m.probe);
      if (m.result === 'killed') kills += r.count;
      else bump(results, m.result === 'http-status' ? `http-${m.status}` : m.result, r.count);
    }
    const images = podOf(view, list[0])?.spec?.containers?.map((c) => c.image ?? '') ?? [];
    const id = componentIdentity(w.namespace, w.name, images);
    const pods = uniqueSorted(list.map((r) => r.name));
    const nodes = uniqueSorted(list.map((r) => nodeOf(view, r)).filter(Boolean));
    out.push({
      detector: 'probe-failures',
      kind: 'probe-failing',
      subject: `workload/${key}`,
      severity: id.system && kills >= criticalKills ? 'critical' : 'warning',
      sinceMs: firstMs(list),
      summary:
        `${[...probes].sort().join('/') || 'probe'} probes of ${w.kind} ${w.namespace}/${w.name} failing on ${pods.length} pod(s)` +
        `${kills ? `, ${kills} liveness kill(s)` : ''}; see kubectl describe pod -n ${w.namespace} ${pods[0]}`,
      scope: { namespaces: [w.namespace], workloads: [key], nodes },
      facts: {
        ...eventCounts(list, probeWindowMs),
        namespace: w.namespace,
        workloadKind: w.kind,
        workloadName: w.name,
        component: id.component,
        systemComponent: id.system,
        probes: [...probes].sort(),
        results: countsText(results),
        pods: pods.length,
        nodes,
        livenessKills: kills,
      },
      evidence: newestEvidence(list, 3),
    });
  }
  return out;
};
