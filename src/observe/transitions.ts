/**
 * The changes worth remembering when an object is replaced by a newer version: node
 * conditions, taints, schedulability and version fields (kubelet, kube-proxy, kernel, OS
 * image, runtime), pod phase, container restarts with their termination reason and exit
 * code, container waiting reasons (CrashLoopBackOff and friends), the pod template images
 * and revision of Deployments and DaemonSets and whether all their replicas are Ready, and
 * nodes leaving the cluster. Detectors read these instead of diffing objects themselves.
 */
import type { KubeObject, WatchedResource } from '../kube/observations.ts';

export interface Transition {
  atMs: number;
  resource: WatchedResource;
  /** `name` or `namespace/name`. */
  key: string;
  /** What changed, e.g. `condition/Ready`, `nodeInfo/kernelVersion`, `container/app/restartCount`. */
  field: string;
  from?: string;
  to?: string;
  /** Extra facts about the change, e.g. the termination reason of a restart. */
  detail?: Record<string, string>;
}

interface NodeView {
  metadata?: { labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: { key: string; effect: string; value?: string }[] };
  status?: {
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
    nodeInfo?: Record<string, string>;
  };
}

interface ContainerStatusView {
  name: string;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string };
    running?: unknown;
    terminated?: { reason?: string; exitCode?: number };
  };
  lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
}

interface WorkloadView {
  metadata?: { annotations?: Record<string, string> };
  spec?: {
    replicas?: number;
    template?: { spec?: { containers?: ContainerImage[]; initContainers?: ContainerImage[] } };
  };
  status?: { readyReplicas?: number; desiredNumberScheduled?: number; numberReady?: number };
}

interface ContainerImage {
  name: string;
  image?: string;
}

interface PodView {
  status?: {
    phase?: string;
    containerStatuses?: ContainerStatusView[];
    initContainerStatuses?: ContainerStatusView[];
  };
}

const versionFields = [
  'kubeletVersion',
  'kubeProxyVersion',
  'kernelVersion',
  'osImage',
  'containerRuntimeVersion',
  'bootID',
];

/** The template's images as one comparable value: `name=image` per container, sorted. */
export function templateImages(workload: object): string {
  const spec = (workload as WorkloadView).spec?.template?.spec;
  const init = (spec?.initContainers ?? []).map((c) => `init:${c.name}=${c.image ?? ''}`);
  return [...(spec?.containers ?? []).map((c) => `${c.name}=${c.image ?? ''}`), ...init].sort().join(',');
}

/** Whether every desired replica is Ready; DaemonSets count scheduled nodes instead. */
function allReady(resource: 'deployments' | 'daemonsets', w: WorkloadView): string {
  const ready =
    resource === 'deployments'
      ? (w.status?.readyReplicas ?? 0) >= (w.spec?.replicas ?? 1)
      : (w.status?.numberReady ?? 0) >= (w.status?.desiredNumberScheduled ?? 0);
  return String(ready);
}

const revisionAnnotation = 'deployment.kubernetes.io/revision';

/**
 * A node's labels that changed, old values and new (`k=v`, sorted; a removed label is only in
 * `from`, an added one only in `to`): what nodes had in common before and after stays out, so
 * one change on many nodes reads the same on each.
 */
function labelChange(b: NodeView, a: NodeView): { from: string; to: string } | undefined {
  const before = b.metadata?.labels ?? {};
  const after = a.metadata?.labels ?? {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => before[k] !== after[k])
    .sort();
  if (keys.length === 0) return undefined;
  const side = (m: Record<string, string>) =>
    keys
      .filter((k) => k in m)
      .map((k) => `${k}=${m[k]}`)
      .join(',');
  return { from: side(before), to: side(after) };
}

function taintText(n: NodeView): string {
  return (n.spec?.taints ?? [])
    .map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)
    .sort()
    .join(',');
}

function waitingReason(c: ContainerStatusView | undefined): string | undefined {
  if (!c?.state) return undefined;
  if (c.state.waiting) return c.state.waiting.reason ?? 'Waiting';
  if (c.state.terminated) return `Terminated:${c.state.terminated.reason ?? ''}`;
  return 'Running';
}

export function diffObject(
  resource: WatchedResource,
  key: string,
  before: KubeObject | undefined,
  after: KubeObject,
  atMs: number,
): Transition[] {
  const out: Transition[] = [];
  const add = (
    field: string,
    from: string | undefined,
    to: string | undefined,
    detail?: Record<string, string>,
  ) => {
    if (from !== to) out.push({ atMs, resource, key, field, from, to, ...(detail ? { detail } : {}) });
  };
  if (resource === 'nodes') {
    const b = before as NodeView | undefined;
    const a = after as NodeView;
    for (const c of a.status?.conditions ?? []) {
      const prev = b?.status?.conditions?.find((x) => x.type === c.type);
      if (prev?.status !== c.status)
        add(`condition/${c.type}`, prev?.status, c.status, {
          reason: c.reason ?? '',
          message: c.message ?? '',
          // The node's own time of the change: late reports (an agent's outbox, a relist
          // after a disconnection) would otherwise be dated when we happened to see them.
          lastTransitionTime: c.lastTransitionTime ?? '',
        });
    }
    add('taints', b ? taintText(b) : undefined, taintText(a));
    const labels = b ? labelChange(b, a) : undefined;
    if (labels) out.push({ atMs, resource, key, field: 'labels', from: labels.from, to: labels.to });
    add(
      'unschedulable',
      b ? String(Boolean(b.spec?.unschedulable)) : undefined,
      String(Boolean(a.spec?.unschedulable)),
    );
    for (const f of versionFields) add(`nodeInfo/${f}`, b?.status?.nodeInfo?.[f], a.status?.nodeInfo?.[f]);
    // A brand-new node records its starting point only once, not every field as a "change".
    return before ? out : out.filter((t) => t.field === 'condition/Ready');
  }
  if (resource === 'pods') {
    const b = before as PodView | undefined;
    const a = after as PodView;
    add('phase', b?.status?.phase, a.status?.phase);
    const all = [...(a.status?.initContainerStatuses ?? []), ...(a.status?.containerStatuses ?? [])];
    const prevAll = [...(b?.status?.initContainerStatuses ?? []), ...(b?.status?.containerStatuses ?? [])];
    for (const c of all) {
      const p = prevAll.find((x) => x.name === c.name);
      const from = p?.restartCount ?? (before ? 0 : undefined);
      if (c.restartCount !== undefined && from !== undefined && c.restartCount > from) {
        const t = c.lastState?.terminated;
        add(`container/${c.name}/restartCount`, String(from), String(c.restartCount), {
          reason: t?.reason ?? '',
          exitCode: t?.exitCode === undefined ? '' : String(t.exitCode),
          finishedAt: t?.finishedAt ?? '',
        });
      }
      if (before) add(`container/${c.name}/state`, waitingReason(p), waitingReason(c));
    }
    return before ? out : out.filter((t) => t.field === 'phase');
  }
  if (resource === 'validatingwebhookconfigurations' || resource === 'mutatingwebhookconfigurations') {
    // A spec change moves metadata.generation (the API server bumps it on every change of
    // webhooks): when a configuration changed is what the admission inventory tells.
    if (before)
      add('generation', String(before.metadata.generation ?? ''), String(after.metadata.generation ?? ''));
    return out;
  }
  if (resource === 'deployments' || resource === 'daemonsets') {
    // A workload seen for the first time has no "before": its creation is not a rollout.
    if (!before) return out;
    const b = before as WorkloadView;
    const a = after as WorkloadView;
    add('template/images', templateImages(b), templateImages(a));
    if (resource === 'deployments')
      add(
        'revision',
        b.metadata?.annotations?.[revisionAnnotation],
        a.metadata?.annotations?.[revisionAnnotation],
      );
    add('allReady', allReady(resource, b), allReady(resource, a));
  }
  return out;
}

/**
 * A node leaving the cluster (deleted, or missing from a relist). Only nodes: pods come
 * and go by the thousand, and workloads' removal says little about an outage.
 */
export function removalTransition(
  resource: WatchedResource,
  key: string,
  before: KubeObject,
  atMs: number,
): Transition | undefined {
  if (resource !== 'nodes') return undefined;
  const info = (before as NodeView).status?.nodeInfo ?? {};
  const detail: Record<string, string> = {};
  for (const f of versionFields) if (info[f]) detail[f] = info[f];
  return { atMs, resource, key, field: 'deleted', from: 'false', to: 'true', detail };
}
