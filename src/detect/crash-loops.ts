/**
 * Containers that keep restarting, grouped the three ways that tell causes apart: by
 * workload (one app's bug), by node (every app on some nodes: a node-level fault), and by
 * how they ended (reason and exit code). Reads restart counts, the last termination and
 * the waiting reason off pods in one pass, and restarts within the window off the view's
 * transitions. Pod phase is not read: a crash-looping pod stays `Running`.
 *
 * A container loops when it waits in `CrashLoopBackOff`, or restarted at least twice in
 * the last 30 min: the kubelet's back-off grows 10 s, 20 s, 40 s… up to 5 min, so a loop
 * restarts five or more times in that window, and a one-off (an OOM kill, a node reboot)
 * only once.
 *
 * Emits:
 * - `crash-loop` per workload (subject `workload/<ns>/<Kind>/<name>`). Facts: namespace,
 *   workloadKind, workloadName, pods (restarting pods), workloadPods (all its pods),
 *   fractionOfWorkloadPods (0..1), nodes (where the restarting pods run), containers,
 *   restartsInWindow, windowMinutes, crashLoopBackOff (pods waiting in it), reasons
 *   (termination reasons), exitCodes, reasonCodes (`reason/exitCode=pods`, most first).
 *   Critical for kube-system workloads with half their pods or more restarting.
 * - `restart-storm` (subject `cluster`, warning) when 3 or more workloads restart at once.
 *   Facts: workloads, workloadCount, namespaces, restartingPods, nodes (the fewest nodes
 *   holding 80 % of the restarting pods), nodesWithRestarts, restartingPodsByNode
 *   (`node=pods`, most first, at most 20), restartShareOnTopNodes and podShareOnTopNodes
 *   (0..1: of restarting pods, and of all scheduled pods, on those nodes), nodeConcentration
 *   (the first divided by the second: 1 is spread like the pods, higher is node-bound),
 *   concentrated (nodeConcentration ≥ 2 with at least two restarting pods per top node,
 *   on fewer nodes than hold pods), reasons, exitCodes, reasonCodes.
 */
import type { KubeObject } from '../kube/observations.ts';
import { restartKind, type TransitionLog } from '../observe/transition-log.ts';
import type { Transition } from '../observe/transitions.ts';
import { type WorkloadRef, workloadResolver } from './pod-owner.ts';
import { type Detector, type Evidence, type Signal, uniqueSorted } from './signal.ts';
import { timeMs } from './timestamps.ts';

export const restartWindowMs = 30 * 60_000;
export const loopRestarts = 2;
export const stormMinWorkloads = 3;
/** The top nodes are the fewest that hold this share of the restarting pods. */
const topNodeShare = 0.8;
export const concentrationThreshold = 2;

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number } };
  lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
}

interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

interface RecentRestarts {
  restarts: number;
  firstMs: number;
  /** `reason/exitCode` of each restart seen. */
  codes: string[];
}

interface RestartHistory {
  /** Restarts per pod within the window. */
  recent: Map<string, RecentRestarts>;
  /** Each pod's first failing restart in the whole history the view holds. */
  firstByPod: ReadonlyMap<string, number>;
  /** Where that history begins. */
  sinceMs: number;
}

/** How many times a restart transition says the container restarted (0 when it is not one). */
function restartsOf(t: Transition): number {
  const n = Number(t.to) - Number(t.from);
  return n > 0 ? n : 0;
}

/** A container that exited 0, or that a reboot or runtime restart ended (Unknown, 255), did not fail. */
function failed(t: Transition): boolean {
  return t.detail?.exitCode !== '0' && t.detail?.reason !== 'Completed' && t.detail?.reason !== 'Unknown';
}

/**
 * Each pod's first failing restart in the whole history the view holds. It depends on the
 * restarts alone, so the log works it out again only when a restart comes or is dropped.
 */
function firstFailures(restarts: Transition[]): Map<string, number> {
  const firstByPod = new Map<string, number>();
  for (const t of restarts)
    if (restartsOf(t) > 0 && failed(t))
      firstByPod.set(t.key, Math.min(firstByPod.get(t.key) ?? t.atMs, t.atMs));
  return firstByPod;
}

/** The pods' restarts: those in the window, and each pod's first. */
function restartHistory(log: TransitionLog, nowMs: number): RestartHistory {
  const recent = new Map<string, RecentRestarts>();
  const from = nowMs - restartWindowMs;
  for (const t of log.of(restartKind)) {
    const n = restartsOf(t);
    if (n === 0 || t.atMs < from || t.atMs > nowMs) continue;
    const r = recent.get(t.key) ?? { restarts: 0, firstMs: t.atMs, codes: [] };
    r.restarts += n;
    r.firstMs = Math.min(r.firstMs, t.atMs);
    if (t.detail?.reason || t.detail?.exitCode)
      r.codes.push(`${t.detail.reason ?? ''}/${t.detail.exitCode ?? ''}`);
    recent.set(t.key, r);
  }
  return {
    recent,
    firstByPod: log.derive('crash-loops/first-failures', [restartKind], firstFailures),
    sinceMs: log.earliestMs() ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * The names the controllers give a workload's pods (`ns/name` keys): a Deployment's
 * `<name>-<template hash>-<5 chars>`, a DaemonSet's or Job's `<name>-<5 chars>`, a
 * StatefulSet's `<name>-<ordinal>`; so `orders-db-…` is not a pod of `orders`.
 */
function podNameOf(w: WorkloadRef): RegExp {
  const base = `${w.namespace}/${w.name}-`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tail =
    w.kind === 'StatefulSet'
      ? '\\d+'
      : w.kind === 'Deployment'
        ? '[a-z0-9]{1,10}-[a-z0-9]{5}'
        : '[a-z0-9]{5}';
  return new RegExp(`^${base}${tail}$`);
}

/** The workload's first restart seen: of its pods now, and of pods since deleted that bore its name. */
function workloadFirstRestart(w: WorkloadRef, pods: RestartingPod[], history: RestartHistory): number {
  let first = pods.reduce((m, p) => Math.min(m, p.sinceMs), Number.POSITIVE_INFINITY);
  const own = podNameOf(w);
  for (const [key, ms] of history.firstByPod) if (own.test(key)) first = Math.min(first, ms);
  return first;
}

interface RestartingPod {
  key: string;
  namespace: string;
  name: string;
  node?: string;
  workload: WorkloadRef;
  restartsInWindow: number;
  restartCount: number;
  backoff: boolean;
  containers: string[];
  /** `reason/exitCode` per restart seen, and of each container's last termination. */
  codes: string[];
  sinceMs: number;
}

/**
 * The cheap test first: most pods never restarted. (A pod that restarted and was then
 * replaced under the same name starts again from zero, and its old restarts are not its.)
 */
function mayBeRestarting(p: PodObject): boolean {
  const busy = (list: ContainerStatus[] | undefined) =>
    list?.some((c) => (c.restartCount ?? 0) > 0 || c.state?.waiting?.reason === 'CrashLoopBackOff') ?? false;
  return busy(p.status?.containerStatuses) || busy(p.status?.initContainerStatuses);
}

function restartingPod(
  p: PodObject,
  recent: RecentRestarts | undefined,
  workload: WorkloadRef,
  nowMs: number,
): RestartingPod | undefined {
  let backoff = false;
  let restartCount = 0;
  let lastEnded: number | undefined;
  let endedInWindow = 0;
  const containers: string[] = [];
  const codes = recent ? [...recent.codes] : [];
  const read = (statuses: ContainerStatus[] | undefined) => {
    for (const c of statuses ?? []) {
      const restarts = c.restartCount ?? 0;
      const looping = c.state?.waiting?.reason === 'CrashLoopBackOff';
      if (restarts === 0 && !looping) continue;
      restartCount += restarts;
      if (looping) backoff = true;
      const last = c.lastState?.terminated;
      const ended = timeMs(last?.finishedAt);
      if (last && restarts > 0 && ended !== undefined) {
        if (ended >= nowMs - restartWindowMs) endedInWindow++;
        lastEnded = Math.min(lastEnded ?? ended, ended);
      }
      containers.push(c.name);
      if (last && !recent) codes.push(`${last.reason ?? ''}/${last.exitCode ?? ''}`);
    }
  };
  read(p.status?.initContainerStatuses);
  read(p.status?.containerStatuses);
  // Before the view saw restarts happen (a first list), the last termination is all there is.
  const restartsInWindow = recent?.restarts ?? endedInWindow;
  if (!backoff && restartsInWindow < loopRestarts) return undefined;
  return {
    key: `${p.metadata.namespace}/${p.metadata.name}`,
    namespace: p.metadata.namespace ?? '',
    name: p.metadata.name,
    node: p.spec?.nodeName,
    workload,
    restartsInWindow,
    restartCount,
    backoff,
    containers,
    codes,
    sinceMs: recent?.firstMs ?? lastEnded ?? nowMs,
  };
}

export const crashLoops: Detector = (view, nowMs) => {
  const history = restartHistory(view.transitions, nowMs);
  const recent = history.recent;
  const resolve = workloadResolver(view);
  const workloadPods = new Map<string, number>();
  const podsByNode = new Map<string, number>();
  const restarting: RestartingPod[] = [];
  for (const p of view.list('pods') as PodObject[]) {
    if (p.metadata.deletionTimestamp) continue;
    const w = resolve(p);
    workloadPods.set(w.key, (workloadPods.get(w.key) ?? 0) + 1);
    const node = p.spec?.nodeName;
    if (node) podsByNode.set(node, (podsByNode.get(node) ?? 0) + 1);
    if (!mayBeRestarting(p)) continue;
    const r = restartingPod(p, recent.get(`${p.metadata.namespace}/${p.metadata.name}`), w, nowMs);
    if (r) restarting.push(r);
  }
  const byWorkload = new Map<string, RestartingPod[]>();
  for (const r of restarting) {
    const list = byWorkload.get(r.workload.key) ?? [];
    list.push(r);
    byWorkload.set(r.workload.key, list);
  }
  const out: Signal[] = [];
  for (const [key, pods] of [...byWorkload].sort((a, b) => a[0].localeCompare(b[0])))
    out.push(crashLoopSignal(pods, workloadPods.get(key) ?? pods.length, history, nowMs));
  if (byWorkload.size >= stormMinWorkloads) out.push(stormSignal(restarting, byWorkload, podsByNode));
  return out;
};

/** `reason/exitCode=pods`, most common first: one per pod and code, so one noisy pod counts once. */
function reasonCodes(pods: RestartingPod[]): string[] {
  const counts = new Map<string, number>();
  for (const p of pods) for (const c of new Set(p.codes)) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c, n]) => `${c}=${n}`);
}

function codeParts(pods: RestartingPod[]): { reasons: string[]; exitCodes: string[] } {
  const codes = pods.flatMap((p) => p.codes);
  return {
    reasons: uniqueSorted(codes.map((c) => c.slice(0, c.lastIndexOf('/'))).filter(Boolean)),
    exitCodes: uniqueSorted(codes.map((c) => c.slice(c.lastIndexOf('/') + 1)).filter(Boolean)),
  };
}

function podEvidence(pods: RestartingPod[]): Evidence[] {
  return [...pods]
    .sort((a, b) => b.restartsInWindow - a.restartsInWindow || a.key.localeCompare(b.key))
    .slice(0, 5)
    .map((p) => ({
      source: 'object',
      ref: `pod/${p.key}`,
      atMs: p.sinceMs,
      text:
        `${p.containers.join(',') || 'containers'}: ${p.backoff ? 'CrashLoopBackOff, ' : ''}` +
        `${p.restartsInWindow} restarts in ${restartWindowMs / 60_000}m (${p.restartCount} total)` +
        `${p.codes.length ? `, last ended ${p.codes[p.codes.length - 1]}` : ''}${p.node ? ` on ${p.node}` : ''}`,
    }));
}

function crashLoopSignal(
  pods: RestartingPod[],
  workloadPods: number,
  history: RestartHistory,
  nowMs: number,
): Signal {
  const w = pods[0].workload;
  const fraction = Math.round((pods.length / Math.max(workloadPods, pods.length)) * 1000) / 1000;
  const nodes = uniqueSorted(pods.map((p) => p.node ?? '').filter(Boolean));
  const { reasons, exitCodes } = codeParts(pods);
  const restarts = pods.reduce((s, p) => s + p.restartsInWindow, 0);
  const first = pods.reduce((m, p) => Math.min(m, p.sinceMs), Number.POSITIVE_INFINITY);
  return {
    detector: 'crash-loops',
    kind: 'crash-loop',
    subject: `workload/${w.key}`,
    severity: w.namespace === 'kube-system' && fraction >= 0.5 ? 'critical' : 'warning',
    sinceMs: first,
    summary:
      `${w.kind} ${w.namespace}/${w.name}: ${pods.length} of ${workloadPods} pods restarting` +
      `${reasons.length ? ` (${reasons.join(', ')}${exitCodes.length ? `, exit ${exitCodes.join(', ')}` : ''})` : ''}` +
      ` on ${nodes.length} node(s); see kubectl logs -n ${w.namespace} ${pods[0].name} --previous`,
    scope: { namespaces: [w.namespace], workloads: [w.key], nodes },
    facts: {
      namespace: w.namespace,
      workloadKind: w.kind,
      workloadName: w.name,
      pods: pods.length,
      workloadPods,
      fractionOfWorkloadPods: fraction,
      nodes,
      containers: uniqueSorted(pods.flatMap((p) => p.containers)),
      restartsInWindow: restarts,
      windowMinutes: restartWindowMs / 60_000,
      crashLoopBackOff: pods.filter((p) => p.backoff).length,
      reasons,
      exitCodes,
      reasonCodes: reasonCodes(pods),
      firstRestartMs: workloadFirstRestart(w, pods, history),
      historySinceMs: Math.min(history.sinceMs, nowMs),
    },
    evidence: podEvidence(pods),
  };
}

function stormSignal(
  restarting: RestartingPod[],
  byWorkload: Map<string, RestartingPod[]>,
  podsByNode: Map<string, number>,
): Signal {
  const perNode = new Map<string, number>();
  for (const r of restarting) if (r.node) perNode.set(r.node, (perNode.get(r.node) ?? 0) + 1);
  const ranked = [...perNode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const onNodes = ranked.reduce((s, [, n]) => s + n, 0);
  const top: string[] = [];
  let covered = 0;
  for (const [node, n] of ranked) {
    if (covered >= topNodeShare * onNodes) break;
    top.push(node);
    covered += n;
  }
  const allScheduled = [...podsByNode.values()].reduce((s, n) => s + n, 0);
  const onTop = top.reduce((s, n) => s + (podsByNode.get(n) ?? 0), 0);
  const restartShare = onNodes ? covered / onNodes : 0;
  const podShare = allScheduled ? onTop / allScheduled : 0;
  const concentration = podShare > 0 ? restartShare / podShare : 0;
  const concentrated =
    concentration >= concentrationThreshold && covered >= 2 * top.length && top.length < podsByNode.size;
  const workloads = [...byWorkload.keys()].sort();
  const { reasons, exitCodes } = codeParts(restarting);
  const first = restarting.reduce((m, p) => Math.min(m, p.sinceMs), Number.POSITIVE_INFINITY);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    detector: 'crash-loops',
    kind: 'restart-storm',
    subject: 'cluster',
    severity: 'warning',
    sinceMs: first,
    summary:
      `${restarting.length} pods of ${workloads.length} workloads restarting` +
      (concentrated
        ? `, ${Math.round(restartShare * 100)}% of them on ${top.length} node(s) holding ${Math.round(podShare * 100)}% of pods (${top.slice(0, 5).join(', ')})`
        : ' across the cluster') +
      '; compare the nodes: kubectl get pods -A -o wide --field-selector=status.phase=Running',
    scope: {
      nodes: uniqueSorted(perNode.keys()),
      namespaces: uniqueSorted(restarting.map((r) => r.namespace)),
      workloads,
    },
    facts: {
      workloads,
      workloadCount: workloads.length,
      namespaces: uniqueSorted(restarting.map((r) => r.namespace)),
      restartingPods: restarting.length,
      nodes: [...top].sort(),
      nodesWithRestarts: perNode.size,
      restartingPodsByNode: ranked.slice(0, 20).map(([n, c]) => `${n}=${c}`),
      restartShareOnTopNodes: round(restartShare),
      podShareOnTopNodes: round(podShare),
      nodeConcentration: round(concentration),
      concentrated,
      reasons,
      exitCodes,
      reasonCodes: reasonCodes(restarting),
    },
    evidence: [
      ...ranked.slice(0, 3).map(
        ([n, c]): Evidence => ({
          source: 'object',
          ref: `node/${n}`,
          text: `${c} restarting pods of ${podsByNode.get(n) ?? 0} on the node`,
        }),
      ),
      ...podEvidence(restarting).slice(0, 3),
    ],
  };
}
