/**
 * Control-plane components restarting again and again: the static pods of kube-apiserver,
 * etcd, kube-controller-manager and kube-scheduler (and their kin, system-components.ts)
 * keep their pod across container restarts, so `restartCount` climbs and
 * `lastState.terminated` says how the last run ended. A controller-manager or scheduler
 * that cannot renew its leader lease in time exits on purpose (client-go leaderelection:
 * "failed to renew lease … timed out waiting for the condition"), so restarts that come in
 * bursts, several components at the same minutes, point at what they all wait on (etcd,
 * the API server); an apiserver or etcd killed by its liveness probe shows `Killing`.
 *
 * Pods whose last run ended because their node rebooted (`runtime-lost`) are left out.
 *
 * Emits `control-plane-restarts` per component (subject `component/kube-system/<name>`)
 * when its containers restarted 2 or more times in the last 3 hours (from the restart
 * counts' transitions; with no history, the restart count itself when the last end was in
 * the last hour). Facts: component, pods, nodes, restarts, reasons, exitCodes, lastFinished,
 * restartTimes (RFC 3339, newest 8). Warning; critical at 5 restarts or more.
 */
import type { ClusterView } from '../observe/cluster-view.ts';
import { restartKind } from '../observe/transition-log.ts';
import type { ContainerStatusObject, PodObject } from './event-records.ts';
import type { Detector, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import { componentIdentity } from './system-components.ts';
import { terminationMeaning } from './termination-meaning.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

const windowMs = 3 * 3_600_000;
const recentEndMs = 60 * 60_000;
const minRestarts = 2;

interface PodRestarts {
  pod: PodObject;
  component: string;
  restartCount: number;
  last?: NonNullable<ContainerStatusObject['lastState']>['terminated'];
}

function controlPlanePods(view: ClusterView): PodRestarts[] {
  const out: PodRestarts[] = [];
  for (const p of view.list('pods') as PodObject[]) {
    if (p.metadata.namespace !== 'kube-system') continue;
    const statuses = p.status?.containerStatuses ?? [];
    const restartCount = statuses.reduce((s, c) => s + (c.restartCount ?? 0), 0);
    if (restartCount === 0) continue;
    const images = p.spec?.containers?.map((c) => c.image ?? '') ?? [];
    if (componentIdentity('kube-system', p.metadata.name ?? '', images).component !== 'control-plane')
      continue;
    const node = p.spec?.nodeName ?? '';
    const name = p.metadata.name ?? '';
    // Static pods are named <component>-<node>.
    const component = node && name.endsWith(`-${node}`) ? name.slice(0, -node.length - 1) : name;
    const last = statuses
      .map((c) => c.lastState?.terminated)
      .filter((t) => t !== undefined)
      .sort((a, b) => (timeMs(b.finishedAt) ?? 0) - (timeMs(a.finishedAt) ?? 0))[0];
    // A node that rebooted restarts every container on it (the runtime lost them): that is
    // the node's story, not a component's loop.
    if (last && terminationMeaning(last.reason, last.exitCode) === 'runtime-lost') continue;
    out.push({ pod: p, component, restartCount, last });
  }
  return out;
}

export const controlPlaneRestarts: Detector = (view, nowMs) => {
  const pods = controlPlanePods(view);
  if (pods.length === 0) return [];
  const keys = new Set(pods.map((p) => `kube-system/${p.pod.metadata.name}`));
  const restartsAt = new Map<string, number[]>();
  const historyFrom = Math.min(nowMs, view.transitions.earliestMs() ?? nowMs);
  for (const t of view.transitions.of(restartKind)) {
    if (!keys.has(t.key) || t.atMs < nowMs - windowMs || t.atMs > nowMs) continue;
    const n = Number(t.to) - Number(t.from);
    if (n <= 0) continue;
    const list = restartsAt.get(t.key) ?? [];
    for (let i = 0; i < n; i++) list.push(t.atMs);
    restartsAt.set(t.key, list);
  }
  const byComponent = new Map<string, PodRestarts[]>();
  for (const p of pods) byComponent.set(p.component, [...(byComponent.get(p.component) ?? []), p]);
  const out: Signal[] = [];
  for (const [component, list] of [...byComponent].sort((a, b) => a[0].localeCompare(b[0]))) {
    const times = list
      .flatMap((p) => restartsAt.get(`kube-system/${p.pod.metadata.name}`) ?? [])
      .sort((a, b) => a - b);
    const lastEnd = Math.max(...list.map((p) => timeMs(p.last?.finishedAt) ?? 0));
    // History shorter than the window: the count since the pod started stands in, while fresh.
    const counted =
      times.length ||
      (historyFrom > nowMs - windowMs && nowMs - lastEnd <= recentEndMs
        ? list.reduce((s, p) => s + p.restartCount, 0)
        : 0);
    if (counted < minRestarts) continue;
    const nodes = uniqueSorted(list.map((p) => p.pod.spec?.nodeName ?? '').filter(Boolean));
    const reasons = uniqueSorted(list.map((p) => p.last?.reason ?? '').filter(Boolean));
    const exitCodes = uniqueSorted(
      list.map((p) => (p.last?.exitCode === undefined ? '' : String(p.last.exitCode))).filter(Boolean),
    );
    const firstMs = times[0] ?? lastEnd;
    out.push({
      detector: 'control-plane-restarts',
      kind: 'control-plane-restarts',
      subject: `component/kube-system/${component}`,
      severity: counted >= 5 ? 'critical' : 'warning',
      sinceMs: firstMs,
      summary: `${component} restarted ${counted} time(s) in the last ${windowMs / 3_600_000} h on ${nodes.join(', ')} (last ended ${reasons.join(', ') || '?'}); see kubectl -n kube-system logs ${list[0].pod.metadata.name} --previous`,
      scope: { namespaces: ['kube-system'], nodes },
      facts: {
        component,
        pods: list.map((p) => p.pod.metadata.name ?? '').sort(),
        nodes,
        restarts: counted,
        reasons,
        exitCodes,
        lastFinished: lastEnd ? isoSeconds(lastEnd) : '',
        restartTimes: times.slice(-8).map(isoSeconds),
      },
      evidence: list
        .filter((p) => p.last)
        .map((p) => ({
          source: 'object' as const,
          ref: `pod/kube-system/${p.pod.metadata.name}`,
          atMs: timeMs(p.last?.finishedAt) ?? nowMs,
          text: `restartCount ${p.restartCount}; last ended ${p.last?.reason ?? '?'} (exit ${p.last?.exitCode ?? '?'}) at ${p.last?.finishedAt ?? '?'}`,
          raw: {
            kind: 'field' as const,
            path: 'status.containerStatuses[*].lastState.terminated',
            value: `reason=${p.last?.reason ?? ''} exitCode=${p.last?.exitCode ?? ''} finishedAt=${p.last?.finishedAt ?? ''}`,
          },
        })),
    });
  }
  return out;
};
