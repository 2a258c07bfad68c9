/**
 * Every writer stalled at once while reads are answered: the store under the API server
 * refuses writes. Two writers that never share a fate otherwise tell it:
 * - the kubelets renew their Leases every 10 s; on most nodes the renewals stopped within
 *   seconds of each other;
 * - the node lifecycle controller marks a node Unknown once its lease is older than the grace
 *   period (50 s; node_lifecycle_controller.go tryUpdateNodeHealth), and that mark is a write
 *   too; the silent nodes still say Ready=True minutes later.
 * A network cut or dead kubelets leave the controller free to write its marks, and an API
 * server that does not answer stops our reads as well (the lag is measured only as far as the
 * lease watch worked, as in node-heartbeat.ts). What refuses writes and serves reads is etcd
 * under an alarm: NOSPACE (`etcdserver: mvcc: database space exceeded`) or CORRUPT.
 *
 * Alongside, the etcd static pods whose liveness probe asks plain `/health`: etcd answers it
 * 503 while any alarm is raised (server/etcdserver/api/etcdhttp), so under such an alarm the
 * kubelet kills etcd at every probe period. kubeadm asked exactly that before 1.25 (kubernetes
 * PR #110744 added `exclude=NOSPACE`; 1.31 moved to `/livez`).
 *
 * Emits one `writes-stalled` (subject `cluster`, critical).
 * Facts: nodes, leaseNodes, lastRenewal, spreadSeconds, readUntil, etcdProbesFailOnAlarm.
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { conditionOf, isLeaving } from './node-attributes.ts';
import { seenUntil } from './node-heartbeat.ts';
import type { Detector, Signal } from './signal.ts';
import { durationText, isoSeconds, timeMs } from './timestamps.ts';

/** Silent for over twice the controller's 50 s grace period: it would have marked them by now. */
export const stalledAfterMs = 120_000;
/** Renewals that stopped within three renew periods of each other stopped together. */
const togetherMs = 30_000;

interface LeaseObject extends KubeObject {
  spec?: { renewTime?: string };
}

interface StaticPod extends KubeObject {
  spec?: { containers?: { name: string; livenessProbe?: { httpGet?: { path?: string } } }[] };
}

/** etcd answers `/health` 503 under any alarm unless the query excludes it (etcd 3.5 etcdhttp). */
export function failsUnderAlarm(path: string | undefined): boolean {
  return path !== undefined && /^\/health(\?|$)/.test(path) && !/exclude=NOSPACE/.test(path);
}

function etcdProbesFailOnAlarm(view: ClusterView): { pod: string; path: string }[] {
  const out: { pod: string; path: string }[] = [];
  for (const p of view.list('pods') as StaticPod[]) {
    if (p.metadata.namespace !== 'kube-system') continue;
    if (p.metadata.annotations?.['kubernetes.io/config.mirror'] === undefined) continue;
    const etcd = p.spec?.containers?.find((c) => c.name === 'etcd');
    const path = etcd?.livenessProbe?.httpGet?.path;
    if (failsUnderAlarm(path)) out.push({ pod: p.metadata.name, path: path! });
  }
  return out.sort((a, b) => a.pod.localeCompare(b.pod));
}

export const writesStalled: Detector = (view, nowMs) => {
  const until = seenUntil(view, nowMs);
  const silent: { node: string; renewMs: number }[] = [];
  let leaseNodes = 0;
  for (const l of view.list('leases') as LeaseObject[]) {
    if (l.metadata.namespace !== 'kube-node-lease') continue;
    const node = view.get('nodes', l.metadata.name);
    const renewMs = timeMs(l.spec?.renewTime);
    if (!node || isLeaving(node) || renewMs === undefined) continue;
    leaseNodes++;
    const ready = conditionOf(node, 'Ready');
    const heardMs = Math.max(renewMs, timeMs(ready?.lastHeartbeatTime) ?? 0);
    // Unmarked: the controller has not written Unknown over the kubelet's last Ready.
    if (until - heardMs >= stalledAfterMs && ready?.status === 'True')
      silent.push({ node: l.metadata.name, renewMs: heardMs });
  }
  if (silent.length < 2 || silent.length * 4 < leaseNodes * 3) return [];
  const first = Math.min(...silent.map((s) => s.renewMs));
  const last = Math.max(...silent.map((s) => s.renewMs));
  if (last - first > togetherMs) return [];
  const nodes = silent.map((s) => s.node).sort();
  const etcd = etcdProbesFailOnAlarm(view);
  const signal: Signal = {
    detector: 'writes-stalled',
    kind: 'writes-stalled',
    subject: 'cluster',
    severity: 'critical',
    sinceMs: last,
    summary: `no kubelet lease renewal has landed on ${nodes.length} of ${leaseNodes} nodes since ${isoSeconds(last)}, and the node controller has marked none of them Unknown, while reads were answered until ${isoSeconds(until)}: the API server's store refuses writes; check etcd's alarms: etcdctl alarm list`,
    scope: { nodes },
    facts: {
      nodes,
      leaseNodes,
      lastRenewal: isoSeconds(last),
      spreadSeconds: Math.round((last - first) / 1000),
      readUntil: isoSeconds(until),
      etcdProbesFailOnAlarm: etcd.map((e) => e.pod),
    },
    evidence: [
      ...silent.slice(0, 5).map((s) => ({
        source: 'object' as const,
        ref: `lease/kube-node-lease/${s.node}`,
        atMs: s.renewMs,
        text: `last heard ${isoSeconds(s.renewMs)}, ${durationText(until - s.renewMs)} before ${isoSeconds(until)}; the node still says Ready=True`,
      })),
      ...etcd.map((e) => ({
        source: 'object' as const,
        ref: `pod/kube-system/${e.pod}`,
        atMs: nowMs,
        text: `etcd liveness probe asks ${e.path}, which answers 503 while an alarm is raised`,
      })),
    ],
  };
  return [signal];
};
