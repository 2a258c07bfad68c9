/**
 * Keeps only the fields kubetriage reads, per resource, as objects arrive (Headlamp's
 * habit: strip managedFields and everything unread). 150,000 trimmed pods fit in a small
 * fraction of the memory of full ones, and the view never depends on fields it dropped.
 */
import type { KubeObject, WatchedResource } from './observations.ts';

type Json = Record<string, unknown>;

/**
 * One copy of each short repeated string (node names, namespaces, condition types and
 * reasons, images, timestamps): JSON.parse makes a new string for every occurrence, and
 * across 150,000 pods those copies are most of the memory. Bounded: cleared when full.
 */
const pool = new Map<string, string>();
const poolLimit = 500_000;

export function intern<T>(v: T): T {
  if (typeof v !== 'string' || v.length > 96) return v;
  const hit = pool.get(v);
  if (hit !== undefined) return hit as T;
  if (pool.size >= poolLimit) pool.clear();
  pool.set(v, v);
  return v;
}

/**
 * One shared, frozen copy of each small repeated value: pods of one ReplicaSet have the
 * same labels, owner references and container list, and healthy pods the same container
 * statuses. View objects are never mutated (freezing makes sure), so sharing is safe.
 */
const shapes = new Map<string, unknown>();
const shapeLimit = 200_000;

function shared<T>(v: T): T {
  if (v === undefined || v === null || typeof v !== 'object') return v;
  const key = JSON.stringify(v);
  if (key.length > 2_000) return v;
  const hit = shapes.get(key);
  if (hit !== undefined) return hit as T;
  if (shapes.size >= shapeLimit) shapes.clear();
  shapes.set(key, deepFreeze(v));
  return v;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Deep copy of a small JSON value with every short string interned. */
function internDeep(v: unknown): unknown {
  if (typeof v === 'string') return intern(v);
  if (Array.isArray(v)) return v.map(internDeep);
  if (isObj(v)) {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) out[k] = internDeep(x);
    return out;
  }
  return v;
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pick(src: unknown, keys: readonly string[]): Json | undefined {
  if (!isObj(src)) return undefined;
  const out: Json = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = internDeep(src[k]);
  return out;
}

function pickEach(list: unknown, keys: readonly string[]): Json[] | undefined {
  return Array.isArray(list) ? list.map((x) => pick(x, keys) ?? {}) : undefined;
}

/**
 * Drops undefined fields by building a new object: `delete` would switch V8 objects to
 * dictionary mode, which made each kept pod several times larger than its JSON.
 */
function compact(o: Json): Json {
  const out: Json = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Annotations that carry meaning for diagnosis; the rest can be large and is never read.
 * kubetriage's own bypass mark says a Deployment already talks to the API server directly,
 * so serve does not offer to bypass it again (respond/bypass-plan.ts).
 */
const keptAnnotations = [
  'kubernetes.io/config.mirror',
  'deployment.kubernetes.io/revision',
  'kubetriage.io/bypass-service-host',
];

function metadata(m: unknown): KubeObject['metadata'] {
  const src = isObj(m) ? m : {};
  const annotations = isObj(src.annotations)
    ? Object.fromEntries(Object.entries(src.annotations).filter(([k]) => keptAnnotations.includes(k)))
    : undefined;
  return compact({
    name: src.name,
    namespace: intern(src.namespace),
    uid: src.uid,
    resourceVersion: src.resourceVersion,
    generation: src.generation,
    creationTimestamp: intern(src.creationTimestamp),
    deletionTimestamp: intern(src.deletionTimestamp),
    labels: shared(internDeep(src.labels)),
    annotations: annotations && Object.keys(annotations).length ? annotations : undefined,
    ownerReferences: shared(pickEach(src.ownerReferences, ['kind', 'name', 'uid', 'controller'])),
  }) as KubeObject['metadata'];
}

const conditionKeys = ['type', 'status', 'reason', 'message', 'lastHeartbeatTime', 'lastTransitionTime'];

interface ContainerStatusIn {
  name?: string;
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

/**
 * What crash-loop and restart detection read of a container: readiness, restarts, the
 * current waiting or terminated reason, and how the last instance ended.
 */
function containerStatuses(list: unknown): Json[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((raw) => {
    const c = (isObj(raw) ? raw : {}) as ContainerStatusIn;
    const st = c.state ?? {};
    const state = st.waiting
      ? { waiting: pick(st.waiting, ['reason', 'message']) }
      : st.terminated
        ? { terminated: pick(st.terminated, ['reason', 'exitCode', 'finishedAt']) }
        : st.running
          ? { running: {} }
          : {};
    const last = c.lastState?.terminated;
    return compact({
      name: intern(c.name),
      ready: c.ready,
      restartCount: c.restartCount,
      state,
      // startedAt too: how long the last instance ran (died at once, or after hours) is part of its story.
      lastState: last
        ? { terminated: pick(last, ['reason', 'exitCode', 'startedAt', 'finishedAt']) }
        : undefined,
    });
  });
}

/** Pod conditions that say something beyond "all is well": Ready always, the rest when not True. */
function podConditions(list: unknown): Json[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list
    .filter((c) => isObj(c) && (c.type === 'Ready' || c.status !== 'True'))
    .map((c) => pick(c, ['type', 'status', 'reason', 'lastTransitionTime']) ?? {});
}

function podTemplateContainers(spec: unknown): Json | undefined {
  if (!isObj(spec)) return undefined;
  return compact({
    containers: pickEach(spec.containers, ['name', 'image']),
    initContainers: pickEach(spec.initContainers, ['name', 'image']),
    nodeSelector: spec.nodeSelector,
  });
}

/**
 * A static pod's containers keep where their liveness and startup probes ask: what the
 * kubelet kills the component for is part of a control-plane loop's story (kubeadm's etcd
 * asked plain `/health` before 1.25, which fails under any alarm). There are a handful of
 * static pods, so keeping this costs nothing.
 */
function staticPodContainers(list: unknown): Json[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const path = (probe: unknown): string | undefined =>
    isObj(probe) && isObj(probe.httpGet) && typeof probe.httpGet.path === 'string'
      ? probe.httpGet.path
      : undefined;
  return list.map((raw) => {
    const c = isObj(raw) ? raw : {};
    const liveness = path(c.livenessProbe);
    const startup = path(c.startupProbe);
    return compact({
      name: intern(c.name),
      image: intern(c.image),
      livenessProbe: liveness === undefined ? undefined : { httpGet: { path: liveness } },
      startupProbe: startup === undefined ? undefined : { httpGet: { path: startup } },
    });
  });
}

const trimmers: Record<WatchedResource, (o: Json) => Json> = {
  nodes: (o) => ({
    spec: pick(o.spec, ['unschedulable', 'taints', 'providerID']),
    status: compact({
      conditions: pickEach(isObj(o.status) ? o.status.conditions : undefined, conditionKeys),
      // What the node offers pods: node usage (node-usage.ts) and the evicted pods' usage
      // (node-pressure.ts) are read against it.
      allocatable: shared(
        isObj(o.status)
          ? pick(o.status.allocatable, ['cpu', 'memory', 'pods', 'ephemeral-storage'])
          : undefined,
      ),
      addresses: isObj(o.status) ? o.status.addresses : undefined,
      nodeInfo: isObj(o.status) ? o.status.nodeInfo : undefined,
    }),
  }),
  pods: (o) => {
    const spec = isObj(o.spec) ? o.spec : {};
    const status = isObj(o.status) ? o.status : {};
    const annotations = isObj(o.metadata) && isObj(o.metadata.annotations) ? o.metadata.annotations : {};
    const mirror = annotations['kubernetes.io/config.mirror'] !== undefined;
    return {
      spec: compact({
        nodeName: intern(spec.nodeName),
        containers: mirror
          ? staticPodContainers(spec.containers)
          : shared(pickEach(spec.containers, ['name', 'image'])),
        initContainers: shared(pickEach(spec.initContainers, ['name', 'image'])),
        hostNetwork: spec.hostNetwork,
        priorityClassName: intern(spec.priorityClassName),
      }),
      status: compact({
        phase: intern(status.phase),
        reason: intern(status.reason),
        message: status.message,
        podIP: status.podIP,
        conditions: shared(podConditions(status.conditions)),
        containerStatuses: shared(containerStatuses(status.containerStatuses)),
        initContainerStatuses: shared(containerStatuses(status.initContainerStatuses)),
      }),
    };
  },
  events: (o) =>
    compact({
      involvedObject: pick(o.involvedObject, ['kind', 'namespace', 'name', 'uid', 'fieldPath']),
      reason: o.reason,
      message: o.message,
      type: o.type,
      source: o.source,
      count: o.count,
      firstTimestamp: o.firstTimestamp,
      lastTimestamp: o.lastTimestamp,
      eventTime: o.eventTime,
      series: o.series,
      reportingComponent: o.reportingComponent,
      reportingInstance: o.reportingInstance,
    }),
  leases: (o) => {
    // renewTime is new on every renewal: interning it would only churn the pool.
    const spec = isObj(o.spec) ? o.spec : {};
    return {
      spec: compact({
        holderIdentity: intern(spec.holderIdentity),
        renewTime: spec.renewTime,
        leaseDurationSeconds: spec.leaseDurationSeconds,
        acquireTime: spec.acquireTime,
      }),
    };
  },
  services: (o) => {
    // A load balancer's published address is where users come in (public-endpoints.ts).
    const lb = isObj(o.status) && isObj(o.status.loadBalancer) ? o.status.loadBalancer : undefined;
    const ingress = pickEach(lb?.ingress, ['hostname', 'ip']);
    return compact({
      spec: pick(o.spec, ['type', 'clusterIP', 'ports', 'selector']),
      status: ingress?.length ? { loadBalancer: { ingress } } : undefined,
    });
  },
  endpointslices: (o) =>
    compact({
      addressType: o.addressType,
      endpoints: pickEach(o.endpoints, ['addresses', 'conditions', 'nodeName', 'targetRef']),
      ports: o.ports,
    }),
  deployments: (o) => workload(o, ['replicas', 'selector', 'strategy']),
  replicasets: (o) => workload(o, ['replicas', 'selector']),
  daemonsets: (o) => workload(o, ['selector', 'updateStrategy']),
  poddisruptionbudgets: (o) => ({ spec: o.spec, status: o.status }),
  validatingwebhookconfigurations: (o) => ({ webhooks: webhooks(o.webhooks) }),
  mutatingwebhookconfigurations: (o) => ({ webhooks: webhooks(o.webhooks) }),
};

/**
 * What the admission inventory reads of each webhook (detect/admission-inventory.ts): where
 * it is called and with which CA, what it matches, and how its failures end. A cluster has a
 * handful of these, so the caBundle (a few KiB of PEM) is kept whole.
 */
function webhooks(list: unknown): Json[] {
  return (
    pickEach(list, [
      'name',
      'failurePolicy',
      'timeoutSeconds',
      'rules',
      'namespaceSelector',
      'objectSelector',
    ]) ?? []
  ).map((w, i) => {
    const raw = (list as unknown[])[i];
    const cc = isObj(raw) && isObj(raw.clientConfig) ? raw.clientConfig : {};
    return compact({
      ...w,
      clientConfig: compact({
        service: pick(cc.service, ['namespace', 'name', 'path', 'port']),
        url: cc.url,
        caBundle: cc.caBundle,
      }),
    });
  });
}

function workload(o: Json, specKeys: string[]): Json {
  const spec = isObj(o.spec) ? o.spec : {};
  const template = isObj(spec.template) ? spec.template : {};
  return {
    spec: compact({ ...pick(spec, specKeys), template: { spec: podTemplateContainers(template.spec) } }),
    status: o.status,
  };
}

/** The trimmed copy of a raw object from the API; the raw one is not kept. */
export function trimObject(resource: WatchedResource, raw: unknown): KubeObject {
  const o = isObj(raw) ? raw : {};
  return { metadata: metadata(o.metadata), ...compact(trimmers[resource](o)) };
}
