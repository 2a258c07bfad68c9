/**
 * How containers ended in the last 30 min, per workload, with what each end means
 * (termination-meaning.ts: OOM-killed, killed, runtime lost across a reboot, status
 * unknown…), whether the workload is part of the cluster or an application
 * (system-components.ts), and whether its replicas ended together. Reads each container's
 * last (or current) termination off the pod, and restarts in the window off the view's
 * transitions; a first read without history still sees the last termination and its time.
 *
 * Emits:
 * - `container-terminations` per workload with a non-Completed end in the window (subject
 *   `workload/<ns>/<Kind>/<name>`). Critical for a system component whose replicas all
 *   ended within 10 min of each other, unless every end was lost with its node's reboot
 *   (then the reboot is the news, and the node signals carry it) or every replica has been
 *   back and Ready since the last end for 5 min (10 after a crash loop: it recovered);
 *   warning for another system component, an OOM kill or replicas ending together; info
 *   otherwise. Facts: see ContainerTerminationsFacts.
 * - `system-component-oom` (subject `component/<ns>/<Kind>/<name>`) when a system component
 *   was OOMKilled on every replica (2 or more), or on half or more of a DaemonSet's pods (2
 *   or more), in the window: it is at its memory limit, not broken by a dependency (which
 *   ends in `Error`). Critical when those kills came within 10 min of each other (it goes
 *   down together); warning when they came one after another (it keeps serving, short a
 *   replica at a time). Facts: see SystemComponentOomFacts.
 */
import { restartKind } from '../observe/transition-log.ts';
import type { Transition } from '../observe/transitions.ts';
import { bump, type ContainerStatusObject, countsText, groupBy, type PodObject } from './event-records.ts';
import { conditionOf } from './node-attributes.ts';
import { podIndex } from './pod-index.ts';
import type { WorkloadRef } from './pod-owner.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import { componentIdentity } from './system-components.ts';
import { type TerminationMeaning, terminationMeaning } from './termination-meaning.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

export const terminationWindowMs = 30 * 60_000;
/** Replicas ending within this of each other ended together. */
export const togetherMs = 10 * 60_000;
/**
 * Every replica back and Ready this long after the last end, none ending since: the
 * component restarted and recovered, so its going down together is no longer an outage.
 * Replicas that ended once each are back after 5 min of running. Replicas that ended more
 * than once (a crash loop) need 10: longer than CrashLoopBackOff's 5-min cap, so a loop is
 * never read as recovered between its restarts, and when the kubelet itself forgives: "Once
 * a container has executed for 10 minutes without any problems, the kubelet resets the
 * restart backoff timer for that container" (kubernetes.io, Pod Lifecycle, Container
 * restart policy).
 */
const recoveredAfterMs = 5 * 60_000;
const loopRecoveredAfterMs = 10 * 60_000;

interface Ended {
  pod: PodObject;
  workload: WorkloadRef;
  container: string;
  reason: string;
  exitCode?: number;
  meaning: TerminationMeaning;
  finishedMs: number;
  runSeconds?: number;
}

/** Restarts per pod within the window, from the restart transitions alone. */
function restartsInWindow(restarts: Transition[], nowMs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of restarts) {
    if (t.atMs < nowMs - terminationWindowMs || t.atMs > nowMs) continue;
    const n = Number(t.to) - Number(t.from);
    if (n > 0) bump(out, t.key, n);
  }
  return out;
}

function endsOf(pod: PodObject, workload: WorkloadRef, nowMs: number): Ended[] {
  const out: Ended[] = [];
  const read = (list: ContainerStatusObject[] | undefined) => {
    for (const c of list ?? []) {
      const t = c.state?.terminated ?? c.lastState?.terminated;
      const finishedMs = timeMs(t?.finishedAt);
      if (
        !t ||
        finishedMs === undefined ||
        finishedMs < nowMs - terminationWindowMs ||
        finishedMs > nowMs + 60_000
      )
        continue;
      const meaning = terminationMeaning(t.reason, t.exitCode);
      if (meaning === 'completed') continue;
      const started = timeMs((c.lastState?.terminated === t ? c.lastState.terminated : undefined)?.startedAt);
      out.push({
        pod,
        workload,
        container: c.name,
        reason: t.reason ?? '',
        exitCode: t.exitCode,
        meaning,
        finishedMs,
        ...(started !== undefined
          ? { runSeconds: Math.max(0, Math.round((finishedMs - started) / 1000)) }
          : {}),
      });
    }
  };
  read(pod.status?.initContainerStatuses);
  read(pod.status?.containerStatuses);
  return out;
}

export const containerTerminations: Detector = (view, nowMs) => {
  const index = podIndex(view);
  const ends: Ended[] = [];
  for (const { pod, workload } of index.ended) ends.push(...endsOf(pod, workload, nowMs));
  if (ends.length === 0) return [];
  const restarts = restartsInWindow(view.transitions.of(restartKind), nowMs);
  const byWorkload = new Map<string, Ended[]>();
  for (const e of ends) {
    const list = byWorkload.get(e.workload.key) ?? [];
    list.push(e);
    byWorkload.set(e.workload.key, list);
  }
  const out: Signal[] = [];
  for (const [key, list] of [...byWorkload].sort((a, b) => a[0].localeCompare(b[0]))) {
    const w = list[0].workload;
    const images = list[0].pod.spec?.containers?.map((c) => c.image ?? '') ?? [];
    const id = componentIdentity(w.namespace, w.name, images);
    const replicas = Math.max(index.podsByWorkload.get(key) ?? 0, 1);
    const byPod = groupBy(list, (e) => podKey(e.pod));
    const podKeys = [...byPod.keys()].sort();
    const meanings = new Map<string, number>();
    for (const ends of byPod.values()) for (const m of new Set(ends.map((e) => e.meaning))) bump(meanings, m);
    const { first, last } = span(list.map((e) => e.finishedMs));
    // The newest end of each pod says when that replica last went down.
    const perPod = span([...byPod.values()].map((ends) => span(ends.map((e) => e.finishedMs)).last));
    const together = replicas >= 2 && podKeys.length >= replicas && perPod.last - perPod.first <= togetherMs;
    const terminations = podKeys.reduce((s, k) => s + Math.max(restarts.get(k) ?? 0, 1), 0);
    const oom = meanings.has('oom-killed');
    const rebootOnly = meanings.size === 1 && meanings.has('runtime-lost');
    // More than one end per pod, seen in the window or in a restart count (a first read has no history).
    const looped =
      terminations > podKeys.length ||
      list.some((e) => (e.pod.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) >= 2));
    const recovered =
      nowMs - perPod.last >= (looped ? loopRecoveredAfterMs : recoveredAfterMs) &&
      [...byPod.values()].every((ends) => conditionOf(ends[0].pod, 'Ready')?.status === 'True');
    const runs = list.map((e) => e.runSeconds).filter((x): x is number => x !== undefined);
    const nodes = uniqueSorted(list.map((e) => e.pod.spec?.nodeName ?? '').filter(Boolean));
    out.push({
      detector: 'container-terminations',
      kind: 'container-terminations',
      subject: `workload/${key}`,
      // Lost with their node's reboot, every one: the reboot is the news, not this workload.
      severity:
        id.system && together && !rebootOnly && !recovered
          ? 'critical'
          : id.system || oom || together
            ? 'warning'
            : 'info',
      sinceMs: first,
      summary:
        `${podKeys.length} of ${replicas} pod(s) of ${w.kind} ${w.namespace}/${w.name} ended (${countsText(meanings, 3).join(', ')})` +
        `${together ? ', all replicas together' : ''}; see kubectl describe pod -n ${w.namespace} ${list[0].pod.metadata.name}`,
      scope: { namespaces: [w.namespace], workloads: [key], nodes },
      facts: {
        namespace: w.namespace,
        workloadKind: w.kind,
        workloadName: w.name,
        component: id.component,
        systemComponent: id.system,
        replicas,
        podsTerminated: podKeys.length,
        terminations,
        meanings: countsText(meanings),
        reasons: uniqueSorted(list.map((e) => e.reason).filter(Boolean)),
        exitCodes: uniqueSorted(
          list.map((e) => (e.exitCode === undefined ? '' : String(e.exitCode))).filter(Boolean),
        ),
        containers: uniqueSorted(list.map((e) => e.container)),
        nodes,
        firstFinished: isoSeconds(first),
        lastFinished: isoSeconds(last),
        spanSeconds: Math.round((last - first) / 1000),
        allReplicasTogether: together,
        ...(runs.length ? { shortestRunSeconds: span(runs).first } : {}),
        windowMinutes: terminationWindowMs / 60_000,
      },
      evidence: endEvidence(list),
    });
    const oomSignal = systemOom(list, w, id.component, id.system, replicas, restarts);
    if (oomSignal) out.push(oomSignal);
  }
  return out;
};

/** Earliest and latest of some times (loops: a DaemonSet can have thousands). */
function span(times: number[]): { first: number; last: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of times) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return { first, last };
}

function podKey(p: PodObject): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

function endEvidence(list: Ended[]): Evidence[] {
  return [...list]
    .sort((a, b) => b.finishedMs - a.finishedMs)
    .slice(0, 5)
    .map((e) => ({
      source: 'object',
      ref: `pod/${podKey(e.pod)}`,
      atMs: e.finishedMs,
      text: `${e.container} ended ${e.reason || '?'} (exit ${e.exitCode ?? '?'}, ${e.meaning}) at ${isoSeconds(e.finishedMs)}${e.pod.spec?.nodeName ? ` on ${e.pod.spec.nodeName}` : ''}`,
      raw: {
        kind: 'field',
        path: `status.containerStatuses[${e.container}].lastState.terminated`,
        value: `reason=${e.reason} exitCode=${e.exitCode ?? ''} finishedAt=${isoSeconds(e.finishedMs)}`,
      },
    }));
}

function systemOom(
  list: Ended[],
  w: WorkloadRef,
  component: ReturnType<typeof componentIdentity>['component'],
  system: boolean,
  replicas: number,
  restarts: Map<string, number>,
): Signal | undefined {
  if (!system) return undefined;
  const ooms = list.filter((e) => e.meaning === 'oom-killed');
  const byPod = groupBy(ooms, (e) => podKey(e.pod));
  const pods = [...byPod.keys()].sort();
  if (pods.length < 2) return undefined;
  const enough = w.kind === 'DaemonSet' ? pods.length * 2 >= replicas : pods.length >= replicas;
  const { first, last } = span([...byPod.values()].map((ends) => span(ends.map((e) => e.finishedMs)).last));
  if (!enough) return undefined;
  // All at once takes the component down; one after another it keeps serving, short a
  // replica at a time, but each replica still reaches its limit: the same cause, less urgent.
  const together = last - first <= togetherMs;
  const nodes = uniqueSorted(ooms.map((e) => e.pod.spec?.nodeName ?? '').filter(Boolean));
  return {
    detector: 'container-terminations',
    kind: 'system-component-oom',
    subject: `component/${w.key}`,
    severity: together ? 'critical' : 'warning',
    sinceMs: first,
    summary:
      `${pods.length} of ${replicas} replicas of ${w.kind} ${w.namespace}/${w.name} (${component}) OOMKilled within ` +
      `${Math.max(1, Math.round((last - first) / 60_000))} min; see kubectl top pod -n ${w.namespace} and its memory limit`,
    scope: { namespaces: [w.namespace], workloads: [w.key], nodes },
    facts: {
      namespace: w.namespace,
      workloadKind: w.kind,
      workloadName: w.name,
      component,
      replicas,
      oomKilledReplicas: pods.length,
      containers: uniqueSorted(ooms.map((e) => e.container)),
      nodes,
      firstOom: isoSeconds(first),
      lastOom: isoSeconds(last),
      spanSeconds: Math.round((last - first) / 1000),
      together,
      restartsInWindow: pods.reduce((s, k) => s + Math.max(restarts.get(k) ?? 0, 1), 0),
      windowMinutes: terminationWindowMs / 60_000,
    },
    evidence: endEvidence(ooms),
  };
}
