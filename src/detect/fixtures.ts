/**
 * Small builders for detector tests: objects shaped as the feed hands them to the view
 * (trimmed by `kube/trim.ts`), and a view filled from them. Tests describe a cluster in a
 * few lines and ask a detector about it; nothing here is used outside tests.
 */
import type { KubeObject, Observation, WatchedResource } from '../kube/observations.ts';
import { trimObject } from '../kube/trim.ts';
import { ClusterView } from '../observe/cluster-view.ts';

export const t0 = Date.UTC(2024, 0, 15, 12, 0, 0);
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface NodeInput {
  name: string;
  ready?: 'True' | 'False' | 'Unknown';
  readyReason?: string;
  readySinceMs?: number;
  heartbeatMs?: number;
  labels?: Record<string, string>;
  kubeletVersion?: string;
  kubeProxyVersion?: string;
  kernelVersion?: string;
  osImage?: string;
  containerRuntimeVersion?: string;
  unschedulable?: boolean;
  taints?: { key: string; effect: string; value?: string }[];
  /** Extra conditions (the node agent's, NPD's). */
  conditions?: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
    lastHeartbeatTime?: string;
  }[];
}

export function node(n: NodeInput): KubeObject {
  const since = iso(n.readySinceMs ?? t0 - 3_600_000);
  const beat = iso(n.heartbeatMs ?? t0);
  return trimObject('nodes', {
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...n.labels } },
    spec: { unschedulable: n.unschedulable, taints: n.taints },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: n.ready ?? 'True',
          reason: n.readyReason ?? (n.ready === 'Unknown' ? 'NodeStatusUnknown' : 'KubeletReady'),
          message:
            n.ready === 'Unknown'
              ? 'Kubelet stopped posting node status.'
              : 'kubelet is posting ready status',
          lastHeartbeatTime: beat,
          lastTransitionTime: since,
        },
        ...(n.conditions ?? []),
      ],
      nodeInfo: {
        kubeletVersion: n.kubeletVersion ?? 'v1.30.1',
        kubeProxyVersion: n.kubeProxyVersion ?? '',
        kernelVersion: n.kernelVersion ?? '6.1.0-10-amd64',
        osImage: n.osImage ?? 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: n.containerRuntimeVersion ?? 'containerd://1.7.2',
      },
    },
  });
}

export function lease(nodeName: string, renewMs: number): KubeObject {
  return trimObject('leases', {
    metadata: { name: nodeName, namespace: 'kube-node-lease' },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: new Date(renewMs).toISOString() },
  });
}

export interface ContainerInput {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  waiting?: string;
  lastTerminated?: { reason: string; exitCode: number; finishedAtMs?: number };
}

export interface PodInput {
  name: string;
  namespace?: string;
  node?: string;
  phase?: string;
  labels?: Record<string, string>;
  owner?: { kind: string; name: string };
  containers?: ContainerInput[];
  createdMs?: number;
}

export function pod(p: PodInput): KubeObject {
  const containers = p.containers ?? [{ name: 'app' }];
  const ready = containers.every((c) => c.ready !== false && !c.waiting);
  return trimObject('pods', {
    metadata: {
      name: p.name,
      namespace: p.namespace ?? 'default',
      labels: p.labels,
      creationTimestamp: iso(p.createdMs ?? t0 - 3_600_000),
      ownerReferences: p.owner
        ? [{ ...p.owner, controller: true, apiVersion: 'apps/v1', uid: 'u' }]
        : undefined,
    },
    spec: {
      nodeName: p.node,
      containers: containers.map((c) => ({ name: c.name, image: c.image ?? 'app:1' })),
    },
    status: {
      phase: p.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image ?? 'app:1',
        ready: c.ready !== false && !c.waiting,
        restartCount: c.restartCount ?? 0,
        state: c.waiting ? { waiting: { reason: c.waiting } } : { running: { startedAt: iso(t0 - 60_000) } },
        lastState: c.lastTerminated
          ? {
              terminated: {
                reason: c.lastTerminated.reason,
                exitCode: c.lastTerminated.exitCode,
                finishedAt: iso(c.lastTerminated.finishedAtMs ?? t0 - 30_000),
              },
            }
          : {},
      })),
    },
  });
}

export interface EventInput {
  kind: string;
  name: string;
  namespace?: string;
  reason: string;
  message?: string;
  type?: 'Normal' | 'Warning';
  component?: string;
  host?: string;
  count?: number;
  firstMs?: number;
  lastMs?: number;
}

let eventSeq = 0;
export function event(e: EventInput): KubeObject {
  const first = iso(e.firstMs ?? t0);
  return trimObject('events', {
    metadata: { name: `${e.name}.${(++eventSeq).toString(16)}`, namespace: e.namespace ?? 'default' },
    involvedObject: { kind: e.kind, name: e.name, namespace: e.namespace },
    reason: e.reason,
    message: e.message ?? '',
    type: e.type ?? 'Normal',
    source: { component: e.component ?? 'kubelet', host: e.host },
    count: e.count ?? 1,
    firstTimestamp: first,
    lastTimestamp: iso(e.lastMs ?? e.firstMs ?? t0),
  });
}

/** A view that has listed every resource (empty where not given) at `atMs`. */
export function viewOf(
  objects: Partial<Record<WatchedResource, KubeObject[]>>,
  atMs = t0,
  extra: Observation[] = [],
): ClusterView {
  const view = new ClusterView();
  const resources: WatchedResource[] = [
    'nodes',
    'pods',
    'events',
    'leases',
    'services',
    'endpointslices',
    'deployments',
    'replicasets',
    'daemonsets',
    'poddisruptionbudgets',
  ];
  for (const resource of resources)
    view.apply({ type: 'listed', resource, items: objects[resource] ?? [], resourceVersion: '1', atMs });
  for (const o of extra) view.apply(o);
  return view;
}

/** Changes one object later on, so the view records the transition. */
export function update(view: ClusterView, resource: WatchedResource, object: KubeObject, atMs: number): void {
  view.apply({ type: 'upsert', resource, object, atMs });
}
