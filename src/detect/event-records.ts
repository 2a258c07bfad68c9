/**
 * Shared readers for the detectors built on the event ledger: the records of a family in a
 * window, the pod, node and workload an Event is about, the facts every Event-built signal
 * carries (count, first and last seen, newest message), and evidence that quotes the Event
 * as the cluster gave it.
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import type { EventRecord } from '../observe/event-ledger.ts';
import { resolveOwner, type WorkloadRef, workloadResolver } from './pod-owner.ts';
import type { Evidence } from './signal.ts';
import type { EventCountFacts } from './signal-kinds.ts';
import { isoSeconds } from './timestamps.ts';

/** Events stamped a little after "now" (clock skew between components) still count. */
const skewMs = 60_000;

/** The kept records of a family whose last occurrence is within the window before `nowMs`. */
export function recentEvents(
  view: ClusterView,
  family: EventRecord['family'],
  nowMs: number,
  windowMs: number,
): EventRecord[] {
  const out: EventRecord[] = [];
  for (const r of view.events.family(family))
    if (r.lastMs >= nowMs - windowMs && r.lastMs <= nowMs + skewMs) out.push(r);
  return out;
}

export interface PodObject extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; lastTransitionTime?: string }[];
    containerStatuses?: ContainerStatusObject[];
    initContainerStatuses?: ContainerStatusObject[];
  };
}

export interface ContainerStatusObject {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: unknown;
    terminated?: { reason?: string; exitCode?: number; finishedAt?: string };
  };
  lastState?: {
    terminated?: { reason?: string; exitCode?: number; startedAt?: string; finishedAt?: string };
  };
}

/** The pod an Event is about, if the view has it. */
export function podOf(view: ClusterView, r: EventRecord): PodObject | undefined {
  return r.kind === 'Pod'
    ? (view.get('pods', `${r.namespace}/${r.name}`) as PodObject | undefined)
    : undefined;
}

/** The node an Event happened on: a Node's own name, else the pod's node, else the reporting kubelet's host. */
export function nodeOf(view: ClusterView, r: EventRecord): string {
  if (r.kind === 'Node') return r.name;
  return podOf(view, r)?.spec?.nodeName || (r.component === 'kubelet' ? r.host : '');
}

/** The pod-template-hash and pod suffixes a Deployment's pods carry. */
const deploymentPod = /^(.+)-[0-9a-f]{6,10}-[0-9a-z]{5}$/;

/**
 * The workload an Event is about, as an operator names it: a pod's controller (through the
 * view, or guessed from a Deployment pod's name when the pod is gone), a ReplicaSet's
 * Deployment, or the object itself.
 */
export function eventWorkloads(view: ClusterView): (r: EventRecord) => WorkloadRef {
  const resolve = workloadResolver(view);
  return (r) => {
    if (r.kind === 'Pod') {
      const pod = podOf(view, r);
      if (pod) return resolve(pod);
      const guess = deploymentPod.exec(r.name)?.[1];
      const [kind, name] = guess ? ['Deployment', guess] : ['Pod', r.name];
      return { namespace: r.namespace, kind, name, key: `${r.namespace}/${kind}/${name}` };
    }
    return resolveOwner(view, r.namespace, { kind: r.kind, name: r.name });
  };
}

/** Records grouped by the workload they are about, in workload order. */
export function byWorkload(
  view: ClusterView,
  records: readonly EventRecord[],
): { key: string; workload: WorkloadRef; records: EventRecord[] }[] {
  const workloadOf = eventWorkloads(view);
  return [...groupBy(records, (r) => workloadOf(r).key)]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([key, list]) => ({ key, workload: workloadOf(list[0]), records: list }));
}

/** Count, first and last seen, newest message of a group of records. */
export function eventCounts(records: readonly EventRecord[], windowMs: number): EventCountFacts {
  let events = 0;
  let first = Number.POSITIVE_INFINITY;
  let newest = records[0];
  for (const r of records) {
    events += r.count;
    first = Math.min(first, r.firstMs);
    if (!newest || r.lastMs > newest.lastMs) newest = r;
  }
  return {
    events,
    firstSeen: isoSeconds(Number.isFinite(first) ? first : (newest?.lastMs ?? 0)),
    lastSeen: isoSeconds(newest?.lastMs ?? 0),
    message: (newest?.message ?? '').slice(0, 500),
    windowMinutes: windowMs / 60_000,
  };
}

/**
 * A system component's trouble that has lasted 10 min is critical; sooner it may be a
 * drain, a rollout or a retry in progress, and is a warning, as anyone else's is.
 */
export function persistentSeverity(
  system: boolean,
  records: readonly EventRecord[],
  nowMs: number,
): 'critical' | 'warning' {
  return system && nowMs - firstMs(records) >= 10 * 60_000 ? 'critical' : 'warning';
}

/** The earliest first occurrence of a group, for `sinceMs`. */
export function firstMs(records: readonly EventRecord[]): number {
  return records.reduce((m, r) => Math.min(m, r.firstMs), Number.POSITIVE_INFINITY);
}

/** The Event as evidence, quoting reason, message and count. */
export function eventEvidence(r: EventRecord): Evidence {
  const ref = r.kind === 'Node' ? `node/${r.name}` : `${r.kind.toLowerCase()}/${r.namespace}/${r.name}`;
  return {
    source: 'event',
    ref,
    atMs: r.lastMs,
    text: `${r.reason}${r.count > 1 ? ` (x${r.count})` : ''}: ${r.message}`.slice(0, 300),
    raw: { kind: 'event', reason: r.reason, message: r.message, count: r.count, component: r.component },
  };
}

/** Up to `n` records as evidence, newest first. */
export function newestEvidence(records: readonly EventRecord[], n = 5): Evidence[] {
  return [...records]
    .sort((a, b) => b.lastMs - a.lastMs || a.key.localeCompare(b.key))
    .slice(0, n)
    .map(eventEvidence);
}

/** Groups by a key, keeping insertion order. */
export function groupBy<T>(items: Iterable<T>, key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/** `key=count`, most first then by key. */
export function countsText(counts: Map<string, number>, limit = 20): string[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([k, n]) => `${k}=${n}`);
}

/** Adds `n` to `key` in a tally. */
export function bump(counts: Map<string, number>, key: string, n = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}
