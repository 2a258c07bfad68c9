/**
 * Builders for the objects a healthy cluster holds, shaped exactly as a v1.32 cluster
 * reports them (conditions, reasons, messages and nodeInfo from kubernetes.md §3–4).
 * The static cluster and tests use them; the behaviour model (issue 3) will evolve them.
 */
import { rfc3339, rfc3339Micro } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { formatBytes, nodeMemory, parseBytes } from '../behaviour/memory.ts';
import { distributionPoolLabels } from './pool-labels.ts';

export interface NodeSpecInput {
  name: string;
  ip: string;
  controlPlane?: boolean;
  /** A control-plane node's role labels and taints, when the installer's version decides them. */
  role?: { labels: Record<string, string>; taints: { key: string; effect: string }[] };
  kubeletVersion?: string;
  kernelVersion?: string;
  osImage?: string;
  pool?: string;
  /** The cluster's distribution (eks, gke, aks, …): which label names the node's pool. */
  distribution?: string;
  zone?: string;
  containerRuntime?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  /** What the machine has (its pool's declaration); a 4 CPU, 16 GiB, 110-pod node when unset. */
  capacity?: { cpu: number | string; memory: string; pods: number; ephemeralStorage?: string };
  nowMs: number;
}

/**
 * status.capacity and status.allocatable as the kubelet reports them: allocatable is
 * capacity minus kube-reserved, system-reserved (both unset by default) and the hard
 * eviction threshold, memory.available<100Mi (W:docs/tasks/administer-cluster/
 * reserve-compute-resources.md, "Node Allocatable"; cpu and pods are not reduced).
 */
function nodeResources(c: NodeSpecInput['capacity']): { capacity: object; allocatable: object } {
  if (!c)
    return {
      capacity: { cpu: '4', 'ephemeral-storage': '102350Mi', memory: '16374532Ki', pods: '110' },
      allocatable: { cpu: '4', 'ephemeral-storage': '94324764Ki', memory: '16272132Ki', pods: '110' },
    };
  const { capacityBytes, allocatableBytes } = nodeMemory(c.memory);
  const cpu = String(c.cpu);
  const pods = String(c.pods);
  // Ephemeral storage is reduced by the nodefs.available<10% hard threshold.
  const disk = parseBytes(c.ephemeralStorage);
  const diskCapacity = disk === undefined ? '102350Mi' : formatBytes(disk);
  const diskAllocatable =
    disk === undefined
      ? '94324764Ki'
      : `${Math.floor((disk - Math.trunc(disk * Math.fround(0.1))) / 1024)}Ki`;
  return {
    capacity: { cpu, 'ephemeral-storage': diskCapacity, memory: formatBytes(capacityBytes), pods },
    allocatable: { cpu, 'ephemeral-storage': diskAllocatable, memory: formatBytes(allocatableBytes), pods },
  };
}

export function nodeObject(n: NodeSpecInput): KubeObject {
  const t = rfc3339(n.nowMs);
  const version = n.kubeletVersion ?? 'v1.32.4';
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    'topology.kubernetes.io/zone': n.zone ?? 'zone-a',
  };
  if (n.controlPlane)
    Object.assign(labels, n.role?.labels ?? { 'node-role.kubernetes.io/control-plane': '' });
  if (n.pool) Object.assign(labels, distributionPoolLabels(n.distribution, n.pool, n.labels));
  Object.assign(labels, n.labels);
  const taints = [
    ...(n.controlPlane
      ? (n.role?.taints ?? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }])
      : []),
    ...(n.taints ?? []),
  ];
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: t,
    lastTransitionTime: t,
    reason,
    message,
  });
  return {
    metadata: {
      name: n.name,
      labels,
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: podCidr(n.ip),
      podCIDRs: [podCidr(n.ip)],
      ...(taints.length ? { taints } : {}),
    },
    status: {
      ...nodeResources(n.capacity),
      conditions: [
        cond(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hexId(n.name, 32),
        systemUUID: uuidFrom(n.name),
        bootID: uuidFrom(`${n.name}-boot`),
        kernelVersion: n.kernelVersion ?? '6.1.0-28-cloud-amd64',
        osImage: n.osImage ?? 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: n.containerRuntime ?? 'containerd://1.7.24',
        kubeletVersion: version,
        // Deprecated and filled with the kubelet's own version (kubernetes.md §3).
        kubeProxyVersion: version,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export function nodeLease(node: string, nowMs: number): KubeObject {
  return {
    metadata: { name: node, namespace: 'kube-node-lease', ownerReferences: [] },
    spec: { holderIdentity: node, leaseDurationSeconds: 40, renewTime: rfc3339Micro(nowMs) },
  };
}

export interface ContainerInput {
  name: string;
  image: string;
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  args?: string[];
}

export interface PodInput {
  name: string;
  namespace: string;
  node: string;
  ip: string;
  hostIp: string;
  labels?: Record<string, string>;
  owner?: { apiVersion: string; kind: string; name: string; uid: string };
  containers: ContainerInput[];
  emptyDir?: boolean;
  hostNetwork?: boolean;
  mirror?: boolean;
  priorityClassName?: string;
  startedMs: number;
}

/** A pod that is scheduled, running and Ready, as the kubelet reports it. */
export function runningPod(p: PodInput): KubeObject {
  const t = rfc3339(p.startedMs);
  const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: t });
  const annotations: Record<string, string> = {};
  if (p.mirror) {
    annotations['kubernetes.io/config.mirror'] = hexId(p.name, 32);
    annotations['kubernetes.io/config.source'] = 'file';
  }
  return {
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels ?? {},
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ...(p.owner ? { ownerReferences: [{ ...p.owner, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      nodeName: p.node,
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.args ? { args: c.args } : {}),
        ...(c.ports ? { ports: c.ports.map((port) => ({ protocol: 'TCP', ...port })) } : {}),
        ...(p.emptyDir ? { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] } : {}),
      })),
      ...(p.emptyDir ? { volumes: [{ name: 'cache', emptyDir: {} }] } : {}),
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
    },
    status: {
      phase: 'Running',
      conditions: [
        cond('PodReadyToStartContainers'),
        cond('Initialized'),
        cond('Ready'),
        cond('ContainersReady'),
        cond('PodScheduled'),
      ],
      hostIP: p.hostIp,
      hostIPs: [{ ip: p.hostIp }],
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      startTime: t,
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        state: { running: { startedAt: t } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: c.image,
        imageID: `${c.image.split(':')[0]}@sha256:${hexId(c.image, 64)}`,
        containerID: `containerd://${hexId(`${p.name}/${c.name}`, 64)}`,
        started: true,
      })),
      qosClass: 'BestEffort',
    },
  };
}

function podCidr(ip: string): string {
  const last = Number(ip.split('.').at(-1) ?? 0);
  return `10.244.${last % 256}.0/24`;
}

/** A stable pseudo-random hex string derived from a name (FNV-1a, repeated). */
export function hexId(seed: string, length: number): string {
  let out = '';
  let h = 0x811c9dc5;
  let round = 0;
  while (out.length < length) {
    for (const ch of `${seed}#${round}`) {
      h ^= ch.charCodeAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
    round++;
  }
  return out.slice(0, length);
}

export function uuidFrom(seed: string): string {
  const h = hexId(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The 10-character pod-template-hash style suffix and 5-character pod suffix. */
export function nameSuffix(seed: string, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const hex = hexId(seed, length * 2);
  let s = '';
  for (let i = 0; i < length; i++)
    s += alphabet[Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return s;
}
