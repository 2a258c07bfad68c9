/**
 * Readers of Event messages: what the scheduler, the kubelet, the eviction manager and the
 * API server's admission say, turned into a cause and its particulars. Each reader follows
 * the wording of the component that writes it (cited beside it) and of the samples in
 * `event-messages.test.ts`, copied from public issues. Results are remembered per message:
 * a repeated Event repeats its message, and the detectors ask every round.
 */
import { transportErrorKind } from './log-lines.ts';

/** Parses each distinct text once; bounded, cleared when full. */
function memo<T>(parse: (text: string) => T, limit = 5_000): (text: string) => T {
  const seen = new Map<string, T>();
  return (text) => {
    const hit = seen.get(text);
    if (hit !== undefined) return hit;
    if (seen.size >= limit) seen.clear();
    const v = parse(text);
    seen.set(text, v);
    return v;
  };
}

// ---------------------------------------------------------------------------------------------
// Scheduling: `0/12 nodes are available: 3 Insufficient memory, 9 node(s) had untolerated taint
// {node.kubernetes.io/not-ready: }. preemption: …` (K:pkg/scheduler/framework/types.go FitError);
// before 1.20, `No nodes are available that match all of the following predicates:: Insufficient
// cpu (9), …` and `fit failure summary on nodes : Insufficient pods (2), …`.

export type SchedulingCause =
  | 'insufficient-resources'
  | 'taints'
  | 'placement'
  | 'volumes'
  | 'unschedulable-nodes'
  | 'host-ports'
  | 'other';

export interface SchedulingMessage {
  /** N in `0/N nodes are available`; undefined in the older formats. */
  nodesTotal?: number;
  /** Each filter's reason with how many nodes it excluded, as the scheduler wrote it. */
  reasons: { reason: string; nodes: number }[];
  causes: SchedulingCause[];
  /** Taint keys the pod did not tolerate, e.g. `node.kubernetes.io/not-ready`. */
  untoleratedTaints: string[];
}

const schedulingCauses: [RegExp, SchedulingCause][] = [
  [/^Insufficient |Too many pods|didn't have enough resource|Insufficient/i, 'insufficient-resources'],
  [/untolerated taint|taints? that the pod didn't tolerate|PodToleratesNodeTaints/, 'taints'],
  [/affinity|selector|MatchNodeSelector|topology spread|anti-affinity|didn't match/i, 'placement'],
  [/volume|PersistentVolumeClaim|max volume count/i, 'volumes'],
  [/unschedulable/i, 'unschedulable-nodes'],
  [/free ports|host port/i, 'host-ports'],
];

export function schedulingCause(reason: string): SchedulingCause {
  for (const [re, cause] of schedulingCauses) if (re.test(reason)) return cause;
  return 'other';
}

export const parseSchedulingMessage = memo((message: string): SchedulingMessage => {
  const reasons: { reason: string; nodes: number }[] = [];
  let nodesTotal: number | undefined;
  const current = /(\d+)\/(\d+) nodes are available: (.*?)(?:\.\s+preemption:|\.?\s*$)/s.exec(message);
  if (current) {
    nodesTotal = Number(current[2]);
    for (const part of current[3].split(/,\s+(?=\d+ )/)) {
      const m = /^(\d+) (.+?)\.?$/s.exec(part.trim());
      if (m) reasons.push({ reason: m[2], nodes: Number(m[1]) });
    }
  } else {
    for (const m of message.matchAll(/([A-Za-z][^,(:]*?) \((\d+)\)/g))
      reasons.push({ reason: m[1].trim(), nodes: Number(m[2]) });
    if (reasons.length === 0 && message) reasons.push({ reason: message.replace(/\.$/, ''), nodes: 0 });
  }
  const untoleratedTaints = [
    ...new Set([...message.matchAll(/untolerated taint\(?s?\)? \{([^:}]+)/g)].map((m) => m[1].trim())),
  ].sort();
  const causes = [...new Set(reasons.map((r) => schedulingCause(r.reason)))].sort();
  return { nodesTotal, reasons, causes, untoleratedTaints };
});

// ---------------------------------------------------------------------------------------------
// Image pulls: `Failed to pull image "x": rpc error: code = … desc = …` and `Back-off pulling
// image "x"` (K:pkg/kubelet/images/image_manager.go); the cause is in the runtime's error text.

export type ImagePullCause =
  | 'not-found'
  | 'unauthorized'
  | 'rate-limited'
  | 'no-space'
  | 'timeout'
  | 'unreachable'
  | 'invalid-name'
  | 'back-off'
  | 'other';

export interface ImagePullMessage {
  image: string;
  /** Host of the image's registry; `docker.io` for short names. */
  registry: string;
  cause: ImagePullCause;
}

/** The registry host of an image reference, as the runtime resolves it. */
export function registryOf(image: string): string {
  const first = image.split('/')[0];
  if (!image.includes('/') || !/[.:]|^localhost$/.test(first)) return 'docker.io';
  return first;
}

const pullCauses: [RegExp, ImagePullCause][] = [
  // Docker Hub and others: HTTP 429 with `toomanyrequests` (docs.docker.com docker-hub/download-rate-limit).
  [/toomanyrequests|too many requests|\b429\b|rate limit/i, 'rate-limited'],
  [/no space left on device/i, 'no-space'],
  [/invalid reference format|InvalidImageName|couldn't parse image reference/i, 'invalid-name'],
  [
    /unauthorized|authentication required|access denied|denied: requested access|\b401\b|\b403\b|forbidden|insufficient_scope|may require (authorization|'docker login')/i,
    'unauthorized',
  ],
  [/: not found|manifest unknown|not found: manifest|NotFound desc|\bnot found\b/i, 'not-found'],
];

export const parseImagePullMessage = memo((message: string): ImagePullMessage => {
  const image =
    /image "([^"]+)"/.exec(message)?.[1] ?? /pull and unpack image "([^"]+)"/.exec(message)?.[1] ?? '';
  let cause: ImagePullCause | undefined;
  for (const [re, c] of pullCauses)
    if (re.test(message)) {
      cause = c;
      break;
    }
  if (!cause) {
    const transport = transportErrorKind(message);
    if (transport === 'timeout') cause = 'timeout';
    else if (transport) cause = 'unreachable';
    else if (message.startsWith('Back-off pulling image') || /ImagePullBackOff/.test(message))
      cause = 'back-off';
    else cause = 'other';
  }
  return { image, registry: image ? registryOf(image) : '', cause };
});

// ---------------------------------------------------------------------------------------------
// Evictions: `The node was low on resource: memory. Threshold quantity: 100Mi, available:
// 26444Ki. Container x was using 373428Ki, request is 0, has larger consumption of memory.`
// (K:pkg/kubelet/eviction/helpers.go evictionMessage; before 1.26 `… which exceeds its request
// of 0.`), limit evictions (`Container x exceeded its local ephemeral storage limit "1Gi".`,
// `Pod ephemeral local storage usage exceeds the total limit of containers 1Gi.`), and the
// taint-eviction controller's `Marking for deletion Pod ns/name`.

export type EvictionCause =
  | 'node-pressure'
  | 'ephemeral-storage-limit'
  | 'emptydir-limit'
  | 'taint-manager'
  | 'preemption'
  | 'other';

export interface EvictionMessage {
  cause: EvictionCause;
  /** `memory`, `ephemeral-storage`, `pids`… for node-pressure evictions. */
  resource: string;
  threshold: string;
  available: string;
  /** `container=usage` of the containers the kubelet names. */
  consumers: string[];
}

export const parseEvictionMessage = memo((message: string): EvictionMessage => {
  const resource = /low on resource: ([\w.-]+?)\.?(?:\s|$)/.exec(message)?.[1] ?? '';
  const consumers = [...message.matchAll(/Container (\S+) was using (\S+?),/g)].map((m) => `${m[1]}=${m[2]}`);
  let cause: EvictionCause = 'other';
  if (resource) cause = 'node-pressure';
  else if (/local ephemeral storage (usage exceeds|limit)/i.test(message)) cause = 'ephemeral-storage-limit';
  else if (/EmptyDir volume/i.test(message)) cause = 'emptydir-limit';
  else if (/^(Marking|Cancelling) for deletion|Marking for deletion/.test(message)) cause = 'taint-manager';
  else if (/preempt/i.test(message)) cause = 'preemption';
  return {
    cause,
    resource,
    threshold: /Threshold quantity: ([^,]+),/.exec(message)?.[1] ?? '',
    available: /available: ([^.\s]+)/.exec(message)?.[1] ?? '',
    consumers,
  };
});

// ---------------------------------------------------------------------------------------------
// Node pressure events: `Attempting to reclaim memory` (EvictionThresholdMet, the eviction
// manager); `failed to garbage collect required amount of images. Wanted to free 5399374233
// bytes, but freed 416077545 bytes` (FreeDiskSpaceFailed/ImageGCFailed, image GC manager);
// `System OOM encountered, victim process: stress, pid: 16713` (SystemOOM, the kubelet's OOM
// watcher); `Out of memory: Kill process 16711 (stress) …` / `Memory cgroup out of memory:
// Killed process 1234 (java) …` (OOMKilling, node-problem-detector's kernel monitor).

export type NodePressureCause =
  | 'threshold-met'
  | 'memory-pressure'
  | 'disk-pressure'
  | 'pid-pressure'
  | 'image-gc-failed'
  | 'container-gc-failed'
  | 'system-oom'
  | 'oom-kill';

export interface NodePressureMessage {
  cause: NodePressureCause;
  /** The resource the eviction manager reclaims (`memory`, `ephemeral-storage`, `pids`). */
  resource: string;
  /** The process the kernel killed, for OOM events. */
  process: string;
  wantedBytes?: number;
  freedBytes?: number;
}

const pressureByReason: Record<string, NodePressureCause> = {
  EvictionThresholdMet: 'threshold-met',
  NodeHasInsufficientMemory: 'memory-pressure',
  NodeHasDiskPressure: 'disk-pressure',
  NodeHasInsufficientPID: 'pid-pressure',
  FreeDiskSpaceFailed: 'image-gc-failed',
  ImageGCFailed: 'image-gc-failed',
  ContainerGCFailed: 'container-gc-failed',
  SystemOOM: 'system-oom',
  OOMKilling: 'oom-kill',
};

export function parseNodePressureEvent(reason: string, message: string): NodePressureMessage {
  const cause = pressureByReason[reason] ?? 'threshold-met';
  const wanted = /Wanted to free (\d+) bytes/i.exec(message)?.[1];
  const freed = /freed (\d+) bytes/i.exec(message)?.[1];
  const process =
    /victim process: ([^,]+)/.exec(message)?.[1] ??
    /(?:Kill(?:ed)? process|process) \d+ \(([^)]+)\)/.exec(message)?.[1] ??
    '';
  return {
    cause,
    resource: /Attempting to reclaim (\S+)/.exec(message)?.[1] ?? '',
    process: process.trim(),
    ...(wanted ? { wantedBytes: Number(wanted) } : {}),
    ...(freed ? { freedBytes: Number(freed) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Pod sandboxes: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup
// network for sandbox "…": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to
// assign an IP address to container` (containerd's CRI; dockershim said `NetworkPlugin cni failed
// to set up pod …`), and FailedKillPod's `error killing pod: failed to "KillPodSandbox" …`.

export type SandboxCause =
  | 'ip-exhausted'
  | 'cni-not-ready'
  | 'cni-plugin-missing'
  | 'cni-api-unreachable'
  | 'cni-error'
  | 'runtime'
  | 'sandbox-changed'
  | 'other';

export interface SandboxMessage {
  cause: SandboxCause;
  /** The CNI plugin type named in the error, e.g. `aws-cni`, `calico`. */
  plugin: string;
}

const sandboxCauses: [RegExp, SandboxCause][] = [
  // AWS VPC CNI, Calico IPAM, host-local, Azure CNI, Cilium wordings of an empty pool.
  [
    /failed to assign an IP address|no (free )?IP addresses? available|no free IP|failed to allocate for range|IPAM|ipam|ip pool|IP pool|exhausted|no available IP|range is full/,
    'ip-exhausted',
  ],
  [
    /network plugin is not ready|cni config uninitialized|cni plugin not initiali[sz]ed|no networks found in \/etc\/cni\/net.d|NetworkPluginNotReady/,
    'cni-not-ready',
  ],
  [/failed to find plugin/, 'cni-plugin-missing'],
  [
    /error getting ClusterInformation|10\.96\.0\.1:443|connection is unauthorized|the server has asked for the client to provide credentials/,
    'cni-api-unreachable',
  ],
  [
    /failed to (setup|set up|destroy|teardown|tear down) network|NetworkPlugin cni failed|networkPlugin cni failed|plugin type=/,
    'cni-error',
  ],
  [/Pod sandbox changed/, 'sandbox-changed'],
  [
    /failed to reserve sandbox name|failed to create containerd task|context deadline exceeded|failed to start sandbox|runtime/i,
    'runtime',
  ],
];

export const parseSandboxMessage = memo((message: string): SandboxMessage => {
  let cause: SandboxCause = 'other';
  for (const [re, c] of sandboxCauses)
    if (re.test(message)) {
      cause = c;
      break;
    }
  return { cause, plugin: /plugin type="([^"]+)"/.exec(message)?.[1] ?? '' };
});

// ---------------------------------------------------------------------------------------------
// Probes: `Liveness probe failed: HTTP probe failed with statuscode: 500`, `Readiness probe
// failed: Get "http://10.0.0.82:9090/-/ready": dial tcp …: connect: connection refused`,
// `Startup probe errored: …` (K:pkg/kubelet/prober/prober.go), and Killing's `Container x failed
// liveness probe, will be restarted`.

export type ProbeKind = 'liveness' | 'readiness' | 'startup' | 'unknown';
export type ProbeResult = 'http-status' | 'timeout' | 'refused' | 'command-failed' | 'killed' | 'other';

export interface ProbeMessage {
  probe: ProbeKind;
  result: ProbeResult;
  /** The HTTP status when the probe got one. */
  status?: number;
  container: string;
}

export function parseProbeEvent(reason: string, message: string): ProbeMessage {
  return probeEvent(`${reason}\n${message}`);
}

const probeEvent = memo((text: string): ProbeMessage => {
  const cut = text.indexOf('\n');
  const reason = text.slice(0, cut);
  const message = text.slice(cut + 1);
  const kind =
    /^(Liveness|Readiness|Startup) probe/i.exec(message)?.[1]?.toLowerCase() ??
    /failed (liveness|startup|readiness) probe/.exec(message)?.[1];
  const probe: ProbeKind =
    kind === 'liveness' || kind === 'readiness' || kind === 'startup' ? kind : 'unknown';
  const status = /statuscode: (\d{3})/.exec(message)?.[1];
  let result: ProbeResult = 'other';
  if (reason === 'Killing') result = 'killed';
  else if (status) result = 'http-status';
  else {
    const transport = transportErrorKind(message);
    if (transport === 'timeout' || /timeout|timed out/i.test(message)) result = 'timeout';
    else if (transport === 'refused') result = 'refused';
    else if (/command|exit code|OCI runtime exec/i.test(message) || !/https?:|tcp/.test(message))
      result = 'command-failed';
  }
  return {
    probe,
    result,
    ...(status ? { status: Number(status) } : {}),
    container: /^Container (\S+) failed/.exec(message)?.[1] ?? '',
  };
});

// ---------------------------------------------------------------------------------------------
// Volumes: `Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[…]:
// timed out waiting for the condition` (kubelet volume manager), `MountVolume.SetUp failed for
// volume "cfg" : configmap "cfg" not found`, `Multi-Attach error for volume "pvc-…" Volume is
// already exclusively attached to one node and can't be attached to another` (attach/detach
// controller), `AttachVolume.Attach failed for volume "pvc-…" : …`.

export type VolumeCause =
  | 'multi-attach'
  | 'timeout'
  | 'not-found'
  | 'permission'
  | 'attach-failed'
  | 'mount-failed'
  | 'other';

export interface VolumeMessage {
  cause: VolumeCause;
  volume: string;
}

export const parseVolumeMessage = memo((message: string): VolumeMessage => {
  let cause: VolumeCause = 'other';
  if (/Multi-Attach error/.test(message)) cause = 'multi-attach';
  else if (/\bnot found\b/.test(message)) cause = 'not-found';
  else if (/permission denied|AccessDenied|UnauthorizedOperation/i.test(message)) cause = 'permission';
  else if (
    /timed out waiting for the condition|timeout expired waiting for volumes|deadline exceeded/i.test(message)
  )
    cause = 'timeout';
  else if (/AttachVolume\.Attach failed|attach/i.test(message)) cause = 'attach-failed';
  else if (/MountVolume\.\w+ failed|mount failed|mount/i.test(message)) cause = 'mount-failed';
  const volume =
    /volume "([^"]+)"/.exec(message)?.[1] ??
    /unmounted volumes=\[([^\]\s]+)/.exec(message)?.[1]?.split(' ')[0] ??
    '';
  return { cause, volume };
});

// ---------------------------------------------------------------------------------------------
// Pod creation refused by admission: `Error creating: Internal error occurred: failed calling
// webhook "sidecar-injector.istio.io": Post "https://…/inject?timeout=30s": context deadline
// exceeded` (K:staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/errors), `admission
// webhook "x" denied the request: …`, `pods "x-" is forbidden: exceeded quota: compute-resources,
// requested: limits.cpu=2,…` and `failed quota: q: must specify limits.cpu` (ResourceQuota
// admission), `violates PodSecurity "restricted:latest": …`, `Timeout: request did not complete
// within requested timeout`.

export type CreateFailureCause =
  | 'webhook'
  | 'webhook-denied'
  | 'quota'
  | 'pod-security'
  | 'limit-range'
  | 'api-timeout'
  | 'etcd'
  | 'service-account'
  | 'forbidden'
  | 'other';

export type WebhookError = 'timeout' | 'tls' | 'refused' | 'no-endpoints' | 'dns' | 'other';

export interface CreateFailureMessage {
  cause: CreateFailureCause;
  webhook: string;
  webhookError?: WebhookError;
  quota: string;
  /** Resources a quota refused, e.g. `limits.cpu`. */
  resources: string[];
}

export const parseCreateFailureMessage = memo((message: string): CreateFailureMessage => {
  const webhook = /(?:failed calling webhook|admission webhook) "([^"]+)"/.exec(message)?.[1] ?? '';
  const quota = /(?:exceeded quota|failed quota): ([^,:]+)/i.exec(message)?.[1] ?? '';
  let cause: CreateFailureCause = 'other';
  let webhookError: WebhookError | undefined;
  if (/admission webhook "[^"]+" denied the request/.test(message)) cause = 'webhook-denied';
  else if (webhook) {
    cause = 'webhook';
    if (/no endpoints available for service/.test(message)) webhookError = 'no-endpoints';
    else {
      const t = transportErrorKind(message);
      webhookError = t === 'timeout' || t === 'tls' || t === 'refused' || t === 'dns' ? t : 'other';
    }
  } else if (quota) cause = 'quota';
  else if (/violates PodSecurity/.test(message)) cause = 'pod-security';
  else if (/LimitRange|maximum (cpu|memory) usage per|minimum (cpu|memory) usage per/i.test(message))
    cause = 'limit-range';
  else if (
    /Timeout: request did not complete|the server was unable to return a response in the time/i.test(message)
  )
    cause = 'api-timeout';
  // etcd's own error, passed through by the API server: the store refused the write
  // (`mvcc: database space exceeded` under a NOSPACE alarm, `request timed out`, `leader changed`).
  else if (/etcdserver: /.test(message)) cause = 'etcd';
  else if (/serviceaccount "[^"]+" not found|error looking up service account/i.test(message))
    cause = 'service-account';
  else if (/is forbidden/.test(message)) cause = 'forbidden';
  const requested = /(?:requested|must specify):? ([\w./=,-]+)/.exec(message)?.[1] ?? '';
  const resources = quota
    ? [
        ...new Set(
          requested
            .split(',')
            .map((r) => r.split('=')[0])
            .filter((r) => /^[\w.-]+$/.test(r)),
        ),
      ].sort()
    : [];
  return { cause, webhook, ...(webhookError ? { webhookError } : {}), quota: quota.trim(), resources };
});
