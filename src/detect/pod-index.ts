/**
 * One pass over the pods per round, shared by the detectors that need more than a few pods:
 * pods per node and per workload, the pods with a container that ended (a restart or a
 * terminated state) and the pods whose status may lag the kubelet (Pending on a node,
 * ContainerCreating, Running without an IP, past their deletion deadline). Built once per
 * view revision and moment, so 150,000 pods are read once however many detectors ask.
 */
import type { ClusterView } from '../observe/cluster-view.ts';
import type { ContainerStatusObject, PodObject } from './event-records.ts';
import { type WorkloadRef, workloadResolver } from './pod-owner.ts';

export interface PodIndex {
  podsByNode: Map<string, number>;
  podsByWorkload: Map<string, number>;
  /** Pods (not being deleted) with a container that has ended at least once, with their workload. */
  ended: { pod: PodObject; workload: WorkloadRef }[];
  /** Pods whose status the kubelet should have moved on by now, if it is late. */
  statusCandidates: PodObject[];
  workloadOf: (pod: PodObject) => WorkloadRef;
}

const cache = new WeakMap<ClusterView, { revision: number; index: PodIndex }>();

function hasEnded(p: PodObject): boolean {
  const ended = (list: ContainerStatusObject[] | undefined) =>
    list?.some((c) => c.lastState?.terminated !== undefined || c.state?.terminated !== undefined) ?? false;
  return ended(p.status?.containerStatuses) || ended(p.status?.initContainerStatuses);
}

function maybeLagging(p: PodObject): boolean {
  if (p.metadata.deletionTimestamp) return true;
  if (!p.spec?.nodeName) return false;
  const phase = p.status?.phase;
  if (phase === 'Pending') return true;
  if (phase === 'Running' && !p.status?.podIP) return true;
  return false;
}

export function podIndex(view: ClusterView): PodIndex {
  const hit = cache.get(view);
  if (hit && hit.revision === view.revision) return hit.index;
  const resolve = workloadResolver(view);
  const index: PodIndex = {
    podsByNode: new Map(),
    podsByWorkload: new Map(),
    ended: [],
    statusCandidates: [],
    workloadOf: resolve,
  };
  for (const p of view.list('pods') as PodObject[]) {
    const node = p.spec?.nodeName;
    if (maybeLagging(p)) index.statusCandidates.push(p);
    if (p.metadata.deletionTimestamp) continue;
    if (node) index.podsByNode.set(node, (index.podsByNode.get(node) ?? 0) + 1);
    const w = resolve(p);
    index.podsByWorkload.set(w.key, (index.podsByWorkload.get(w.key) ?? 0) + 1);
    if (hasEnded(p)) index.ended.push({ pod: p, workload: w });
  }
  cache.set(view, { revision: view.revision, index });
  return index;
}
