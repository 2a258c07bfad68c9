/**
 * Volumes failing to attach or mount, per workload: the kubelet's `FailedMount` (`Unable to
 * attach or mount volumes: … timed out waiting for the condition`, `MountVolume.SetUp failed
 * for volume "cfg" : configmap "cfg" not found`) and the attach/detach controller's
 * `FailedAttachVolume` (`Multi-Attach error for volume "pvc-…"`). The kubelet retries a
 * mount with back-off up to 2m2s (K:pkg/volume/util/nestedpendingoperations), so a mount
 * still failing has an Event in the last 15 min.
 *
 * Emits `volume-mount-failing` per workload (subject `workload/<ns>/<Kind>/<name>`,
 * warning; critical for kube-system failing 10 min or more). Facts: see VolumeMountFailingFacts.
 */

import { parseVolumeMessage } from './event-messages.ts';
import {
  bump,
  byWorkload,
  countsText,
  eventCounts,
  firstMs,
  newestEvidence,
  nodeOf,
  persistentSeverity,
  recentEvents,
} from './event-records.ts';
import type { Detector, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';

export const volumeWindowMs = 15 * 60_000;

export const volumeFailures: Detector = (view, nowMs) => {
  const records = recentEvents(view, 'volume', nowMs, volumeWindowMs).filter(
    (r) => r.kind === 'Pod' && r.type === 'Warning',
  );
  if (records.length === 0) return [];
  const out: Signal[] = [];
  for (const { key, workload: w, records: list } of byWorkload(view, records)) {
    const causes = new Map<string, number>();
    const volumes = new Set<string>();
    for (const r of list) {
      const m = parseVolumeMessage(r.message);
      bump(causes, m.cause, r.count);
      if (m.volume) volumes.add(m.volume);
    }
    const pods = uniqueSorted(list.map((r) => r.name));
    const ranked = countsText(causes);
    out.push({
      detector: 'volume-failures',
      kind: 'volume-mount-failing',
      subject: `workload/${key}`,
      severity: persistentSeverity(w.namespace === 'kube-system', list, nowMs),
      sinceMs: firstMs(list),
      summary: `volumes of ${w.kind} ${w.namespace}/${w.name} fail to attach or mount (${ranked[0]?.split('=')[0]}) for ${pods.length} pod(s); see kubectl describe pod -n ${w.namespace} ${pods[0]}`,
      scope: { namespaces: [w.namespace], workloads: [key] },
      facts: {
        ...eventCounts(list, volumeWindowMs),
        namespace: w.namespace,
        workloadKind: w.kind,
        workloadName: w.name,
        causes: ranked,
        volumes: [...volumes].sort(),
        pods: pods.length,
        nodes: uniqueSorted(list.map((r) => nodeOf(view, r)).filter(Boolean)),
      },
      evidence: newestEvidence(list, 3),
    });
  }
  return out;
};
