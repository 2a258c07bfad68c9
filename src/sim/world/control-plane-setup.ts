/**
 * Which control plane stands behind a cluster's endpoint: one member per node of its
 * control-plane pools (kubeadm's stacked etcd), or, when the cluster has none (a managed or
 * externally run control plane), `controlPlane.replicas` hidden replicas sharing one etcd
 * cluster. The static cluster has its one control-plane node, cp-1.
 */

import { resourceForKind } from '../api/resources.ts';
import { ControlPlane, type ControlPlaneMember } from '../cluster/control-plane.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ObjectStore } from '../store/object-store.ts';

const nodeType = resourceForKind('Node')!;

interface NodeView {
  metadata: { name?: string; labels?: Record<string, string> };
  status?: { addresses?: { type: string; address: string }[] };
}

/** etcd's image tag kubeadm pins for each Kubernetes minor (cmd/kubeadm/app/constants). */
const etcdForMinor: Record<number, string> = {
  27: '3.5.7-0',
  28: '3.5.9-0',
  29: '3.5.10-0',
  30: '3.5.15-0',
  31: '3.5.15-0',
  32: '3.5.16-0',
};

export function etcdVersionFor(kubernetesVersion: string): string {
  const minor = Number(/^v?\d+\.(\d+)/.exec(kubernetesVersion)?.[1] ?? 32);
  return etcdForMinor[minor] ?? (minor > 32 ? '3.5.16-0' : '3.5.7-0');
}

export function staticControlPlane(hostUp?: (node: string) => boolean): ControlPlane {
  return new ControlPlane({
    members: [{ name: 'cp-1', ip: '10.0.0.10', onNode: true }],
    stacked: true,
    hostUp,
  });
}

export function scenarioControlPlane(
  s: Scenario,
  store: ObjectStore,
  hostUp: (node: string) => boolean,
): ControlPlane {
  const nodes = store.listObjects(nodeType) as unknown as NodeView[];
  const members: ControlPlaneMember[] = nodes
    .filter((n) => n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined)
    .map((n) => ({
      name: n.metadata.name ?? '',
      ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      onNode: true,
    }));
  if (members.length > 0) return new ControlPlane({ members, stacked: true, hostUp });
  const host = new URL(s.cluster.controlPlane.endpoint).hostname;
  const hidden = Array.from({ length: s.cluster.controlPlane.replicas ?? 1 }, (_, i) => ({
    name: `kube-apiserver-${i}`,
    ip: host,
    onNode: false,
  }));
  return new ControlPlane({ members: hidden, stacked: false, hostUp });
}
