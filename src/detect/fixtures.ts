/**
 * Small builders for detector tests: objects shaped as the feed hands them to the view
 * (trimmed by `kube/trim.ts`), and a view filled from them. Tests describe a cluster in a
 * few lines and ask a detector about it; nothing here is used outside tests.
 */
import {
  type KubeObject,
  type Observation,
  type WatchedResource,
  watchedResources,
} from '../kube/observations.ts';
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
  /** `status.allocatable` (default 4 cores, 16272132Ki as the simulator's nodes). */
  allocatable?: { cpu: string; memory: string; 'ephemeral-storage'?: string };
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
  // The kubelet re-posts an unchanged status only every 5 minutes (nodeStatusReportFrequency).
  const beat = iso(n.heartbeatMs ?? t0 - 240_000);
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
      allocatable: { pods: '110', ...(n.allocatable ?? { cpu: '4', memory: '16272132Ki' }) },
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
  waitingMessage?: string;
  lastTerminated?: { reason: string; exitCode: number; finishedAtMs?: number; startedAtMs?: number };
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
  /** Default: an address from the pod's name; '' for none. */
  podIP?: string;
  /** Being deleted since (its deletionTimestamp). */
  deletedMs?: number;
  /** `status.reason`/`status.message`, e.g. Evicted. */
  statusReason?: string;
  statusMessage?: string;
  /** Pods without container statuses yet (the kubelet has not reported). */
  noStatuses?: boolean;
}

/** A stable pod address from its name. */
function podAddress(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `10.244.${(h >>> 8) % 250}.${(h % 250) + 1}`;
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
      deletionTimestamp: p.deletedMs === undefined ? undefined : iso(p.deletedMs),
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
      reason: p.statusReason,
      message: p.statusMessage,
      podIP: p.podIP ?? podAddress(p.name),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: p.noStatuses
        ? undefined
        : containers.map((c) => ({
            name: c.name,
            image: c.image ?? 'app:1',
            ready: c.ready !== false && !c.waiting,
            restartCount: c.restartCount ?? 0,
            state: c.waiting
              ? { waiting: { reason: c.waiting, message: c.waitingMessage } }
              : { running: { startedAt: iso(t0 - 60_000) } },
            lastState: c.lastTerminated
              ? {
                  terminated: {
                    reason: c.lastTerminated.reason,
                    exitCode: c.lastTerminated.exitCode,
                    startedAt:
                      c.lastTerminated.startedAtMs === undefined
                        ? undefined
                        : iso(c.lastTerminated.startedAtMs),
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
  /** e.g. `spec.containers{app}`. */
  fieldPath?: string;
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
    involvedObject: { kind: e.kind, name: e.name, namespace: e.namespace, fieldPath: e.fieldPath },
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
  for (const resource of watchedResources)
    view.apply({ type: 'listed', resource, items: objects[resource] ?? [], resourceVersion: '1', atMs });
  for (const o of extra) view.apply(o);
  return view;
}

/** Changes one object later on, so the view records the transition. */
export function update(view: ClusterView, resource: WatchedResource, object: KubeObject, atMs: number): void {
  view.apply({ type: 'upsert', resource, object, atMs });
}

/** The same object with another creation time (a node that joined, a ReplicaSet of a rollout). */
export function created(o: KubeObject, ms: number): KubeObject {
  return { ...o, metadata: { ...o.metadata, creationTimestamp: iso(ms) } };
}

/** The same object being deleted (it has a deletionTimestamp). */
export function deleting(o: KubeObject, ms = t0): KubeObject {
  return { ...o, metadata: { ...o.metadata, deletionTimestamp: iso(ms) } };
}

/** A node condition as the node agent writes it (`docs/node-agent-report.md`). */
export function agentCondition(
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  o: { sinceMs?: number; heartbeatMs?: number } = {},
): NonNullable<NodeInput['conditions']>[number] {
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime: iso(o.sinceMs ?? t0 - 600_000),
    lastHeartbeatTime: iso(o.heartbeatMs ?? t0),
  };
}

export interface DeploymentInput {
  name: string;
  namespace?: string;
  replicas?: number;
  ready?: number;
  updated?: number;
  image?: string;
  revision?: string;
  /** Available condition: status and since when. */
  available?: { status: 'True' | 'False'; sinceMs: number };
}

export function deployment(d: DeploymentInput): KubeObject {
  const replicas = d.replicas ?? 1;
  return trimObject('deployments', {
    metadata: {
      name: d.name,
      namespace: d.namespace ?? 'default',
      generation: 1,
      annotations: d.revision ? { 'deployment.kubernetes.io/revision': d.revision } : undefined,
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: d.name } },
      template: { spec: { containers: [{ name: 'app', image: d.image ?? 'app:1' }] } },
    },
    status: {
      observedGeneration: 1,
      replicas,
      readyReplicas: d.ready ?? replicas,
      availableReplicas: d.ready ?? replicas,
      updatedReplicas: d.updated ?? replicas,
      conditions: d.available
        ? [{ type: 'Available', status: d.available.status, lastTransitionTime: iso(d.available.sinceMs) }]
        : undefined,
    },
  });
}

export interface DaemonSetInput {
  name: string;
  namespace?: string;
  desired?: number;
  ready?: number;
  updated?: number;
  image?: string;
}

export function daemonset(d: DaemonSetInput): KubeObject {
  const desired = d.desired ?? 3;
  return trimObject('daemonsets', {
    metadata: { name: d.name, namespace: d.namespace ?? 'kube-system', generation: 1 },
    spec: {
      selector: { matchLabels: { app: d.name } },
      template: { spec: { containers: [{ name: d.name, image: d.image ?? `${d.name}:1` }] } },
    },
    status: {
      observedGeneration: 1,
      desiredNumberScheduled: desired,
      currentNumberScheduled: desired,
      numberReady: d.ready ?? desired,
      updatedNumberScheduled: d.updated ?? desired,
    },
  });
}

export interface ReplicaSetInput {
  name: string;
  namespace?: string;
  deployment: string;
  image?: string;
  replicas?: number;
  createdMs?: number;
}

export function replicaset(r: ReplicaSetInput): KubeObject {
  return trimObject('replicasets', {
    metadata: {
      name: r.name,
      namespace: r.namespace ?? 'default',
      creationTimestamp: iso(r.createdMs ?? t0 - 86_400_000),
      ownerReferences: [
        { kind: 'Deployment', name: r.deployment, controller: true, apiVersion: 'apps/v1', uid: 'd' },
      ],
    },
    spec: {
      replicas: r.replicas ?? 1,
      template: { spec: { containers: [{ name: 'app', image: r.image ?? 'app:1' }] } },
    },
    status: { replicas: r.replicas ?? 1 },
  });
}

export function service(s: {
  name: string;
  namespace?: string;
  selector?: Record<string, string>;
  type?: string;
}): KubeObject {
  return trimObject('services', {
    metadata: { name: s.name, namespace: s.namespace ?? 'default' },
    spec: {
      type: s.type ?? 'ClusterIP',
      clusterIP: '10.96.0.50',
      ports: [{ port: 80 }],
      selector: s.selector,
    },
  });
}

export function endpointSlice(e: {
  service: string;
  namespace?: string;
  name?: string;
  endpoints: { pod: string; node?: string; ready: boolean }[];
}): KubeObject {
  const namespace = e.namespace ?? 'default';
  return trimObject('endpointslices', {
    metadata: {
      name: e.name ?? `${e.service}-abcde`,
      namespace,
      labels: { 'kubernetes.io/service-name': e.service },
    },
    addressType: 'IPv4',
    endpoints: e.endpoints.map((x, i) => ({
      addresses: [`10.244.0.${i + 1}`],
      conditions: { ready: x.ready },
      nodeName: x.node,
      targetRef: { kind: 'Pod', name: x.pod, namespace },
    })),
    ports: [{ port: 80 }],
  });
}

/** The tool's own `/version` probe answering with this gitVersion. */
export function versionProbe(gitVersion: string, atMs: number): Observation {
  return {
    type: 'probe',
    check: 'version',
    ok: true,
    latencyMs: 20,
    status: 200,
    body: JSON.stringify({ gitVersion }),
    atMs,
  };
}
