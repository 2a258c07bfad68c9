/**
 * What a node is, for grouping failures: its pool (by the labels managed Kubernetes
 * offerings set), node image and versions (kubelet, kernel, OS image, runtime), zone and
 * instance type. "The NotReady nodes are all on image 1.28.2-do.0 and no other node is"
 * is how a node-level cause shows itself.
 */
import { poolLabelOf } from '../kube/node-pools.ts';
import type { KubeObject } from '../kube/observations.ts';

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeObject extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: { key: string; effect: string; value?: string }[] };
  status?: { conditions?: NodeCondition[]; nodeInfo?: Record<string, string> };
}

export function conditionOf(node: KubeObject, type: string): NodeCondition | undefined {
  return (node as NodeObject).status?.conditions?.find((c) => c.type === type);
}

/** A node being deleted is leaving on purpose; its silence is not a failure. */
export function isLeaving(node: KubeObject): boolean {
  return node.metadata.deletionTimestamp !== undefined;
}

/** Labels naming the node image a provider built the node from. */
export const nodeImageLabels = [
  'doks.digitalocean.com/version',
  'kubernetes.azure.com/node-image-version',
  'eks.amazonaws.com/nodegroup-image',
];

function firstLabel(node: KubeObject, keys: readonly string[]): string | undefined {
  const labels = node.metadata.labels;
  if (!labels) return undefined;
  for (const k of keys) if (labels[k]) return labels[k];
  return undefined;
}

/** The node's pool, by the provider labels in src/kube/node-pools.ts. */
export function poolOf(node: KubeObject): string | undefined {
  return poolLabelOf(node.metadata.labels)?.[1];
}

export interface NodeAttributes {
  pool?: string;
  nodeImage?: string;
  kubeletVersion?: string;
  osImage?: string;
  kernelVersion?: string;
  containerRuntimeVersion?: string;
  zone?: string;
  instanceType?: string;
}

/** The order attributes are listed in: most telling first. */
export const attributeNames: (keyof NodeAttributes)[] = [
  'pool',
  'nodeImage',
  'kubeletVersion',
  'osImage',
  'kernelVersion',
  'containerRuntimeVersion',
  'zone',
  'instanceType',
];

export function nodeAttributes(node: KubeObject): NodeAttributes {
  const info = (node as NodeObject).status?.nodeInfo ?? {};
  const labels = node.metadata.labels ?? {};
  return {
    pool: poolOf(node),
    nodeImage: firstLabel(node, nodeImageLabels),
    kubeletVersion: info.kubeletVersion || undefined,
    osImage: info.osImage || undefined,
    kernelVersion: info.kernelVersion || undefined,
    containerRuntimeVersion: info.containerRuntimeVersion || undefined,
    zone: labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'],
    instanceType: labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'],
  };
}

/** `name=value` for every attribute all the given nodes have in common. */
export function sharedAttributes(affected: NodeAttributes[]): string[] {
  if (affected.length === 0) return [];
  const out: string[] = [];
  for (const name of attributeNames) {
    const v = affected[0][name];
    if (v !== undefined && affected.every((a) => a[name] === v)) out.push(`${name}=${v}`);
  }
  return out;
}

export interface Distinguishing {
  /** `name=v1|v2`: every affected node has one of these values, and some other nodes have none of them. */
  entries: string[];
  names: string[];
}

/**
 * The attributes that tell the affected nodes from the rest: the affected nodes' values
 * cover them all, at least one other node has a different value, and the values are
 * shared (on average two affected nodes per value), so "each broken node is in its own
 * zone" does not count. With fewer than two affected nodes nothing distinguishes.
 */
export function distinguishingAttributes(affected: NodeAttributes[], all: NodeAttributes[]): Distinguishing {
  const entries: string[] = [];
  const names: string[] = [];
  if (affected.length < 2) return { entries, names };
  for (const name of attributeNames) {
    const values = new Set<string>();
    let complete = true;
    for (const a of affected) {
      const v = a[name];
      if (v === undefined) complete = false;
      else values.add(v);
    }
    if (!complete || values.size > affected.length / 2) continue;
    const others = all.some((a) => {
      const v = a[name];
      return v === undefined || !values.has(v);
    });
    if (!others) continue;
    entries.push(`${name}=${[...values].sort().join('|')}`);
    names.push(name);
  }
  return { entries, names };
}
